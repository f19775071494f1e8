// File storage: the interface features use, and the choice between local disk (default) and S3.
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ExtensionOf, Folder, PublicFolder } from './keys.js';
import { LocalStorage } from './local.js';
import { S3Storage } from './s3.js';

export type { ExtensionOf, Folder, PublicFolder } from './keys.js';
export { FOLDERS, StorageKeyError } from './keys.js';

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

const S3_VARIABLES = ['S3_BUCKET_NAME', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

/** S3 when the bucket and both keys are set; local otherwise, with one warning if only some of them are. */
export function createStorage(config: Config, logger: Logger): Storage {
  const missing = S3_VARIABLES.filter((name) => !config[name]);
  if (missing.length === 0) {
    return new S3Storage({
      bucket: config.S3_BUCKET_NAME,
      region: config.S3_REGION,
      endpoint: config.S3_ENDPOINT_URL,
      accessKeyId: config.AWS_ACCESS_KEY_ID,
      secretAccessKey: config.AWS_SECRET_ACCESS_KEY,
      cdnBaseUrl: config.CDN_BASE_URL,
    });
  }
  if (missing.length < S3_VARIABLES.length) {
    logger.warn({ missing }, `S3 storage is not fully configured (missing ${missing.join(', ')}): storing files locally in UPLOAD_DIR`);
  }
  return new LocalStorage(resolve(config.UPLOAD_DIR), `${config.publicBaseUrl}/uploads`);
}
