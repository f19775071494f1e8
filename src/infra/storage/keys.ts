// Storage keys: `<folder>/<32 hex><ext>`, generated here and nowhere else. Folders and extensions come from the
// fixed table below, never from a request, and every key or URL we are handed is checked against this exact form,
// so nothing can name a path outside the storage.
import { randomUUID } from 'node:crypto';

/** Each folder's visibility is fixed: private folders are never served publicly, only read back by the server. */
export const FOLDERS = {
  avatars: { visibility: 'public', extensions: ['.jpg', '.png', '.webp'] },
  thumbnails: { visibility: 'public', extensions: ['.png', '.jpg'] },
  // Pictures users upload for what they make (crew logos and covers).
  images: { visibility: 'public', extensions: ['.jpg'] },
  imports: { visibility: 'private', extensions: ['.gpx', '.fit', '.tcx'] },
  exports: { visibility: 'private', extensions: ['.zip'] },
} as const;

export type Folder = keyof typeof FOLDERS;
export type ExtensionOf<F extends Folder> = (typeof FOLDERS)[F]['extensions'][number];
export type PublicFolder = { [F in Folder]: (typeof FOLDERS)[F]['visibility'] extends 'public' ? F : never }[Folder];

export const PUBLIC_FOLDERS = (Object.keys(FOLDERS) as Folder[]).filter((f) => FOLDERS[f].visibility === 'public');

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gpx': 'application/gpx+xml',
  '.tcx': 'application/vnd.garmin.tcx+xml',
  '.fit': 'application/vnd.ant.fit',
  '.zip': 'application/zip',
};

/** A value that is not a key or URL of this storage. */
export class StorageKeyError extends Error {
  constructor(value: string) {
    super(`Not a file of this storage: ${JSON.stringify(value.slice(0, 200))}`);
  }
}

// Reading accepts any short alphanumeric extension: the old server kept uploads' own extensions (e.g. `.jpeg`).
const KEY_FORM = new RegExp(`^(${Object.keys(FOLDERS).join('|')})/([0-9a-f]{32}\\.[a-z0-9]{1,8})$`);

export interface ParsedKey {
  folder: Folder;
  name: string;
  isPublic: boolean;
}

export function parseKey(key: string): ParsedKey | null {
  const match = KEY_FORM.exec(key);
  if (!match) return null;
  const folder = match[1] as Folder;
  return { folder, name: match[2]!, isPublic: FOLDERS[folder].visibility === 'public' };
}

export function parseKeyOrThrow(key: string): ParsedKey {
  const parsed = parseKey(key);
  if (!parsed) throw new StorageKeyError(key);
  return parsed;
}

/** A fresh key; the folder and extension are checked at run time too, as they may come from a computed value. */
export function newKey(folder: Folder, extension: string): string {
  const allowed: readonly string[] = Object.hasOwn(FOLDERS, folder) ? FOLDERS[folder].extensions : [];
  if (!allowed.includes(extension)) throw new Error(`Extension ${JSON.stringify(extension)} is not allowed in folder ${JSON.stringify(folder)}`);
  return `${folder}/${randomUUID().replaceAll('-', '')}${extension}`;
}

export function contentTypeOf(key: string): string {
  return CONTENT_TYPES[key.slice(key.lastIndexOf('.'))] ?? 'application/octet-stream';
}

/** `<base>/<key>` for public keys, null for private ones. */
export function publicUrl(base: string, key: string): string | null {
  return parseKeyOrThrow(key).isPublic ? `${base}/${key}` : null;
}

/** The key named by a key itself or by a public URL under one of `bases`; null for anything else. */
export function keyFrom(value: string, bases: readonly string[]): string | null {
  if (parseKey(value)) return value;
  for (const base of bases) {
    if (!value.startsWith(`${base}/`)) continue;
    const parsed = parseKey(value.slice(base.length + 1));
    if (parsed?.isPublic) return value.slice(base.length + 1);
  }
  return null;
}
