// S3 (or S3-compatible) storage. Objects are written without an ACL: the bucket policy or CDN decides what is
// public, and only the public folders' prefixes (avatars/, thumbnails/) should be exposed.
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { notFound } from '../errors.js';
import { contentTypeOf, keyFrom, newKey, parseKeyOrThrow, publicUrl, StorageKeyError, type Folder } from './keys.js';
import type { PutFile, Storage, StoredFile } from './types.js';

export interface S3Settings {
  bucket: string;
  region: string;
  /** S3-compatible endpoint; empty for AWS. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Public URL prefix replacing the bucket URL; empty for none. */
  cdnBaseUrl: string;
}

export class S3Storage implements Storage {
  readonly kind = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly publicBase: string;
  private readonly bases: string[];

  constructor(settings: S3Settings) {
    this.bucket = settings.bucket;
    this.client = new S3Client({
      region: settings.region,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
      // Default checksums send streamed bodies as aws-chunked, which S3-compatible stores may keep verbatim.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const bucketBase = settings.endpoint
      ? `${settings.endpoint.replace(/\/+$/, '')}/${settings.bucket}`
      : `https://${settings.bucket}.s3.${settings.region}.amazonaws.com`;
    const cdnBase = settings.cdnBaseUrl.replace(/\/+$/, '');
    this.publicBase = cdnBase || bucketBase;
    // URLs returned before a CDN was configured still name our objects.
    this.bases = cdnBase ? [cdnBase, bucketBase] : [bucketBase];
  }

  async put<F extends Folder>(file: PutFile<F>): Promise<StoredFile<F>> {
    const key = newKey(file.folder, file.extension);
    // PutObject needs a known length (S3 refuses chunked uploads of unknown size), so streams are read first.
    const body = Buffer.isBuffer(file.body) ? file.body : await buffer(file.body);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length, ContentType: contentTypeOf(key) }),
    );
    return { key, url: this.urlFor(key) } as StoredFile<F>;
  }

  async get(key: string): Promise<Buffer> {
    return buffer(await this.stream(key));
  }

  async stream(key: string): Promise<Readable> {
    parseKeyOrThrow(key);
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Body as Readable;
    } catch (err) {
      throw err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404 ? notFound('File') : err;
    }
  }

  async delete(keyOrUrl: string): Promise<void> {
    const key = this.keyOf(keyOrUrl);
    if (!key) throw new StorageKeyError(keyOrUrl);
    // S3 answers 204 for keys that do not exist, so this is idempotent.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  urlFor(key: string): string | null {
    return publicUrl(this.publicBase, key);
  }

  keyOf(keyOrUrl: string): string | null {
    return keyFrom(keyOrUrl, this.bases);
  }
}
