// What a file is, decided from its bytes, never from its name or declared type: FIT by the ".FIT" signature of
// its header, GPX and TCX by the root element of the XML document.
import type { FileKind } from './types.js';
import { ImportFileError } from './types.js';

/** Enough of the start of a file to see past an XML prolog (declaration, comments) to the root element. */
export const HEAD_BYTES = 64 * 1024;

const ROOTS: Record<string, FileKind> = { gpx: 'gpx', TrainingCenterDatabase: 'tcx' };

/** FIT: a 12- or 14-byte header with ".FIT" at bytes 8–11 (FIT protocol, file header). */
export function isFit(bytes: Buffer): boolean {
  return bytes.length >= 12 && (bytes[0] === 12 || bytes[0] === 14) && bytes.toString('latin1', 8, 12) === '.FIT';
}

/** The kind of file `head` (the first bytes) starts; null when it is none of GPX, TCX or FIT. */
export function detectKind(head: Buffer): FileKind | null {
  if (isFit(head)) return 'fit';
  let text: string;
  try {
    text = decodeXml(head);
  } catch {
    return null;
  }
  const root = scanProlog(text).root;
  return root ? (ROOTS[root.slice(root.indexOf(':') + 1)] ?? null) : null;
}

/**
 * XML text from bytes: UTF-8 unless a byte-order mark or the XML declaration says otherwise (UTF-16, Latin-1,
 * Windows code pages... anything the platform's decoder knows).
 */
export function decodeXml(bytes: Buffer): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const declared = /^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']/.exec(bytes.toString('latin1', 0, 200))?.[1];
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(declared ?? 'utf-8');
  } catch {
    throw new ImportFileError(`The file's character encoding "${declared}" is not supported`);
  }
  return decoder.decode(bytes);
}

export interface Prolog {
  /** the root element's name as written (with any namespace prefix); null if not found */
  root: string | null;
  /** whether the document declares a DTD */
  doctype: boolean;
}

/** Reads past the XML declaration, processing instructions, comments and a DOCTYPE to the root element. */
export function scanProlog(text: string): Prolog {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let doctype = false;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) return { root: null, doctype };
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) return { root: null, doctype };
      i = end + 3;
    } else if (text.startsWith('<!DOCTYPE', i)) {
      doctype = true;
      i = skipDoctype(text, i + 9);
      if (i < 0) return { root: null, doctype };
    } else if (text[i] === '<') {
      const name = /^[A-Za-z_][\w.:-]*/.exec(text.slice(i + 1, i + 200))?.[0];
      return { root: name ?? null, doctype };
    } else {
      return { root: null, doctype };
    }
  }
}

/** The index after a DOCTYPE's closing '>', skipping quoted text and an internal subset in brackets; -1 if none. */
function skipDoctype(text: string, from: number): number {
  let quote: string | null = null;
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === '>' && depth <= 0) return i + 1;
  }
  return -1;
}
