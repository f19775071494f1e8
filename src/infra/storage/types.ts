// The storage interface, apart from the factory (storage.ts) so the back ends that implement it need not import
// the factory that imports them.
import type { Readable } from 'node:stream';
import type { ExtensionOf, Folder, PublicFolder } from './keys.js';

export interface PutFile<F extends Folder> {
  folder: F;
  extension: ExtensionOf<F>;
  /** Streams are written through on disk; S3 reads them into memory first (callers bound upload sizes). */
  body: Buffer | Readable;
}

export interface StoredFile<F extends Folder> {
  /** `<folder>/<32 hex><ext>`: what to keep in the database. */
  key: string;
  /** Absolute public URL for public folders; null for private ones. */
  url: F extends PublicFolder ? string : null;
}

export interface Storage {
  readonly kind: 'local' | 's3';
  put<F extends Folder>(file: PutFile<F>): Promise<StoredFile<F>>;
  /** The file's bytes; AppError 404 when it does not exist. */
  get(key: string): Promise<Buffer>;
  /** The file as a stream; AppError 404 when it does not exist. */
  stream(key: string): Promise<Readable>;
  /** Removes a file named by its key or a URL we returned; no error if already gone; StorageKeyError for anything else. */
  delete(keyOrUrl: string): Promise<void>;
  /** Absolute public URL of a key, null for private folders. */
  urlFor(key: string): string | null;
  /** The key named by a key or a URL we returned, null when it is not a file of this storage (e.g. an external URL). */
  keyOf(keyOrUrl: string): string | null;
}
