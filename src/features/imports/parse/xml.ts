// Safe reading of GPX and TCX documents. GPX and TCX never need a DTD, so a document that declares one (the way
// entity bombs and external entities arrive) is refused before parsing, and the parser itself expands no
// entities. Before a tree is built, the track points and the markup are counted: the parser and its validator
// need hundreds of bytes of memory per element and attribute, so a 20 MiB file of empty elements or of one element
// with a million attributes would cost a gigabyte. Truncated documents are caught by a well-formedness check (the
// tree builder alone would accept them).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { decodeXml, scanProlog } from './detect.js';
import { checkPointCount, ImportFileError } from './types.js';

export type XmlNode = Record<string, unknown>;

/** Elements allowed per track point (a Garmin GPX point has 8, a TCX trackpoint up to 14), plus some for headers. */
const ELEMENTS_PER_POINT = 16;
const SPARE_ELEMENTS = 1000;
/** '=' signs allowed in one tag and the text after it: attributes (GPX uses at most a handful) and their values. */
const MAX_EQUALS_PER_TAG = 64;

const LT = 0x3c;
const EQ = 0x3d;

/** Refuses documents with far more markup than their points need (see above). */
function checkMarkup(text: string, points: number): void {
  const maxElements = points * ELEMENTS_PER_POINT + SPARE_ELEMENTS;
  let elements = 0;
  let equals = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LT) {
      equals = 0;
      if (/[A-Za-z_]/.test(text[i + 1] ?? '') && ++elements > maxElements) {
        throw new ImportFileError('The file holds far more XML elements than its track points need');
      }
    } else if (c === EQ && ++equals > MAX_EQUALS_PER_TAG) {
      throw new ImportFileError('The file has an XML element with too many attributes');
    }
  }
}

/**
 * Parses `bytes` into plain objects: the `attributes` named (no others, so thousands of junk attributes cost no
 * memory) as '@_name', namespace prefixes removed, values as strings, and the elements named in `arrays` always as
 * arrays. `pointTag` names the track point element, counted first.
 */
export function parseXml(bytes: Buffer, pointTag: string, arrays: readonly string[], attributes: readonly string[] = []): XmlNode {
  const text = decodeXml(bytes);
  if (scanProlog(text).doctype) {
    throw new ImportFileError('The file declares a DOCTYPE, which GPX and TCX files never need; it is refused for safety');
  }
  const pointPattern = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${pointTag}[\\s/>]`, 'g');
  let count = 0;
  while (pointPattern.exec(text)) checkPointCount(++count);
  checkMarkup(text, count);

  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new ImportFileError(`The file is not well-formed XML (line ${valid.err.line}): it may be truncated or damaged`);
  }
  const arraySet = new Set(arrays);
  const attributeSet = new Set(attributes);
  const parser = new XMLParser({
    ignoreAttributes: (name) => !attributeSet.has(name),
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (name) => arraySet.has(name),
  });
  return parser.parse(text) as XmlNode;
}

/** An element's text: a string element, or the text of an element that also has attributes. */
export function text(value: unknown): string | undefined {
  if (Array.isArray(value)) return text(value[0]);
  if (typeof value === 'string') return value.trim();
  if (value && typeof value === 'object' && '#text' in value) return text((value as XmlNode)['#text']);
  return undefined;
}

export function num(value: unknown): number | null {
  const s = text(value);
  if (s === undefined || s === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

export function child(node: unknown, name: string): XmlNode | undefined {
  const value = node && typeof node === 'object' ? (node as XmlNode)[name] : undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first && typeof first === 'object' ? (first as XmlNode) : undefined;
}

export function children(node: unknown, name: string): XmlNode[] {
  const value = node && typeof node === 'object' ? (node as XmlNode)[name] : undefined;
  return (Array.isArray(value) ? value : []).filter((v): v is XmlNode => !!v && typeof v === 'object');
}

/** xsd:dateTime as epoch ms; without a zone it is UTC (Date.parse would read it as local time). */
export function time(value: unknown): number {
  const s = text(value);
  if (!s || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(s)) return NaN;
  return Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`);
}

/** The five predefined XML entities and character references in a short text (entities are not expanded). */
export function unescapeXml(value: string | null): string | null {
  if (value === null) return null;
  return value.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[e]) return named[e];
    const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}
