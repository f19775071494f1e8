// File storage: what features import (the interface and key rules, re-exported) and the choice between local disk
// (default) and S3.
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { LocalStorage } from './local.js';
import { S3Storage } from './s3.js';
import type { Storage } from './types.js';

export type { ExtensionOf, Folder, PublicFolder } from './keys.js';
export { FOLDERS, StorageKeyError } from './keys.js';
export type { PutFile, Storage, StoredFile } from './types.js';

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
