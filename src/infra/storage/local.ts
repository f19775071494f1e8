// Local disk storage under UPLOAD_DIR. Public folders live at UPLOAD_DIR/<folder>/ and are served at
// /uploads/<folder>/ (routes.ts); private folders live under UPLOAD_DIR/private/, which no route serves.
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { notFound } from '../errors.js';
import { keyFrom, newKey, parseKeyOrThrow, publicUrl, StorageKeyError, type Folder } from './keys.js';
import type { PutFile, Storage, StoredFile } from './types.js';

export class LocalStorage implements Storage {
  readonly kind = 'local';
  // The old server returned relative `/uploads/...` URLs; they still name our files.
  private readonly bases: string[];

  /** `root` is absolute; `baseUrl` is the absolute URL the public folders are served under (…/uploads). */
  constructor(
    readonly root: string,
    private readonly baseUrl: string,
  ) {
    this.bases = [baseUrl, '/uploads'];
  }

  publicDir(folder: Folder): string {
    return join(this.root, folder);
  }

  private pathOf(key: string): string {
    const { folder, name, isPublic } = parseKeyOrThrow(key);
    return isPublic ? join(this.root, folder, name) : join(this.root, 'private', folder, name);
  }

  async put<F extends Folder>(file: PutFile<F>): Promise<StoredFile<F>> {
    const key = newKey(file.folder, file.extension);
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    try {
      if (Buffer.isBuffer(file.body)) await writeFile(path, file.body);
      else await pipeline(file.body, createWriteStream(path));
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
    return { key, url: this.urlFor(key) } as StoredFile<F>;
  }

  async get(key: string): Promise<Buffer> {
    const path = this.pathOf(key);
    try {
      return await readFile(path);
    } catch (err) {
      throw isMissing(err) ? notFound('File') : err;
    }
  }

  async stream(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    try {
      return (await open(path, 'r')).createReadStream();
    } catch (err) {
      throw isMissing(err) ? notFound('File') : err;
    }
  }

  async delete(keyOrUrl: string): Promise<void> {
    const key = this.keyOf(keyOrUrl);
    if (!key) throw new StorageKeyError(keyOrUrl);
    await rm(this.pathOf(key), { force: true });
  }

  urlFor(key: string): string | null {
    return publicUrl(this.baseUrl, key);
  }

  keyOf(keyOrUrl: string): string | null {
    return keyFrom(keyOrUrl, this.bases);
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}
