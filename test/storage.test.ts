import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../src/infra/errors.js';
import { createLogger } from '../src/infra/logging.js';
import { createStorage, StorageKeyError, type Storage } from '../src/infra/storage/storage.js';
import { createTestApp, LogCapture, testConfig, type TestApp } from './helpers/app.js';
import { startLocalS3, type LocalS3 } from './helpers/s3.js';

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from('not really an image')]);
const GPX = Buffer.from('<?xml version="1.0"?><gpx version="1.1"><trk><trkseg/></trk></gpx>');
const KEY_FORM = /^[a-z]+\/[0-9a-f]{32}\.[a-z]+$/;

async function assertNotFound(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof AppError && err.statusCode === 404);
}

// Several chunks, so a stream upload cannot be mistaken for a single buffer.
const chunked = (data: Buffer) => Readable.from([data.subarray(0, 10), data.subarray(10, 40), data.subarray(40)]);

describe('local storage', () => {
  let t: TestApp;
  let storage: Storage;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runcrew-uploads-'));
    t = await createTestApp({ UPLOAD_DIR: dir, PUBLIC_BASE_URL: 'https://api.example.test/' });
    storage = t.app.deps.storage;
  });
  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is the default', () => {
    assert.equal(storage.kind, 'local');
  });

  it('stores a public file under a generated name and serves it at its absolute URL', async () => {
    const { key, url } = await storage.put({ folder: 'avatars', extension: '.png', body: PNG });
    assert.match(key, /^avatars\/[0-9a-f]{32}\.png$/);
    assert.equal(url, `https://api.example.test/uploads/${key}`);
    assert.equal(storage.urlFor(key), url);
    assert.deepEqual(await storage.get(key), PNG);
    assert.ok(existsSync(join(dir, key)));

    const res = await t.app.inject({ method: 'GET', url: new URL(url).pathname });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.deepEqual(res.rawPayload, PNG);
  });

  it('writes streamed bodies whole', async () => {
    const { key, url } = await storage.put({ folder: 'thumbnails', extension: '.jpg', body: chunked(PNG) });
    assert.deepEqual(await storage.get(key), PNG);
    assert.deepEqual(await buffer(await storage.stream(key)), PNG);
    const res = await t.app.inject({ method: 'GET', url: new URL(url).pathname });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/jpeg');
  });

  it('keeps private files where the static route cannot reach them', async () => {
    const { key, url } = await storage.put({ folder: 'imports', extension: '.gpx', body: GPX });
    assert.equal(url, null);
    assert.equal(storage.urlFor(key), null);
    assert.deepEqual(await storage.get(key), GPX);
    const name = key.split('/')[1]!;
    assert.ok(existsSync(join(dir, 'private', 'imports', name)));
    assert.ok(!existsSync(join(dir, 'imports', name)));

    for (const path of [
      `/uploads/imports/${name}`,
      `/uploads/private/imports/${name}`,
      `/uploads/avatars/../private/imports/${name}`,
      `/uploads/avatars/..%2Fprivate%2Fimports%2F${name}`,
      `/uploads/avatars/%2e%2e/private/imports/${name}`,
    ]) {
      const res = await t.app.inject({ method: 'GET', url: path });
      assert.notEqual(res.statusCode, 200, path);
      assert.ok(!res.body.includes('<gpx'), path);
    }
  });

  it('deletes by URL or key, idempotently', async () => {
    const { key, url } = await storage.put({ folder: 'avatars', extension: '.webp', body: PNG });
    await storage.delete(url);
    await assertNotFound(storage.get(key));
    await assertNotFound(storage.stream(key));
    assert.equal((await t.app.inject({ method: 'GET', url: new URL(url).pathname })).statusCode, 404);
    await storage.delete(url);
    await storage.delete(key);

    const second = await storage.put({ folder: 'exports', extension: '.zip', body: PNG });
    await storage.delete(second.key);
    await assertNotFound(storage.get(second.key));
  });

  it('accepts the relative URLs the old server returned', async () => {
    const { key } = await storage.put({ folder: 'avatars', extension: '.jpg', body: PNG });
    assert.equal(storage.keyOf(`/uploads/${key}`), key);
    await storage.delete(`/uploads/${key}`);
    await assertNotFound(storage.get(key));
  });

  it('refuses anything outside its storage', async () => {
    const { key } = await storage.put({ folder: 'avatars', extension: '.png', body: PNG });
    const name = key.split('/')[1]!;
    for (const value of [
      '../../etc/passwd',
      `avatars/../../${name}`,
      `avatars/../private/imports/${name}`,
      `/etc/passwd`,
      `secrets/${name}`,
      `https://evil.example/uploads/${key}`,
      `https://api.example.test/uploads/../${key}`,
      `https://api.example.test/elsewhere/${key}`,
    ]) {
      assert.equal(storage.keyOf(value), null, value);
      await assert.rejects(storage.delete(value), StorageKeyError, value);
      await assert.rejects(storage.get(value), StorageKeyError, value);
    }
    // A URL for a private file was never handed out, so it names nothing of ours.
    const { key: privateKey } = await storage.put({ folder: 'imports', extension: '.gpx', body: GPX });
    assert.equal(storage.keyOf(`https://api.example.test/uploads/${privateKey}`), null);
    assert.deepEqual(await storage.get(key), PNG);
  });

  it('only generates names from the allow-list', async () => {
    const before = await readdir(dir, { recursive: true });
    const attempts: { folder: string; extension: string }[] = [
      { folder: '../outside', extension: '.png' },
      { folder: 'secrets', extension: '.png' },
      { folder: 'avatars', extension: '.html' },
      { folder: 'avatars', extension: '/../../x.png' },
      { folder: 'imports', extension: '.png' },
      { folder: 'constructor', extension: '.png' },
    ];
    for (const attempt of attempts) {
      // Deliberately bypasses the types, as a computed value could.
      await assert.rejects(storage.put({ ...attempt, body: PNG } as never), /not allowed/, JSON.stringify(attempt));
    }
    assert.deepEqual(await readdir(dir, { recursive: true }), before);
  });
});

describe('S3 storage', () => {
  let s3: LocalS3;
  let storage: Storage;
  let raw: S3Client;
  before(async () => {
    s3 = await startLocalS3();
    const config = testConfig(s3.env);
    storage = createStorage(config, createLogger(config, new LogCapture()));
    raw = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
  });
  after(async () => {
    raw.destroy();
    await s3.close();
  });

  const stored = async (key: string) => {
    const res = await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return { body: Buffer.from(await res.Body!.transformToByteArray()), contentType: res.ContentType };
  };

  it('is selected when the bucket and both keys are set', () => {
    assert.equal(storage.kind, 's3');
  });

  it('puts and gets the same bytes, with the URL of the endpoint and bucket', async () => {
    const { key, url } = await storage.put({ folder: 'avatars', extension: '.png', body: PNG });
    assert.match(key, KEY_FORM);
    assert.equal(url, `${s3.endpoint}/${s3.bucket}/${key}`);
    assert.deepEqual(await storage.get(key), PNG);
    assert.deepEqual(await stored(key), { body: PNG, contentType: 'image/png' });
  });

  it('stores a streamed body without aws-chunked framing', async () => {
    const { key } = await storage.put({ folder: 'imports', extension: '.gpx', body: chunked(GPX) });
    const object = await stored(key);
    assert.equal(object.body.toString('utf8'), GPX.toString('utf8'));
    assert.equal(object.contentType, 'application/gpx+xml');
    const head = await raw.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    assert.equal(head.ContentLength, GPX.length);
    assert.equal(head.ContentEncoding, undefined);
  });

  it('gives private files no URL but reads them back', async () => {
    const { key, url } = await storage.put({ folder: 'imports', extension: '.fit', body: PNG });
    assert.equal(url, null);
    assert.equal(storage.urlFor(key), null);
    assert.deepEqual(await buffer(await storage.stream(key)), PNG);
  });

  it('deletes by URL, idempotently; then get fails with 404', async () => {
    const { key, url } = await storage.put({ folder: 'thumbnails', extension: '.png', body: PNG });
    await storage.delete(url);
    await assertNotFound(storage.get(key));
    await storage.delete(url);
    await storage.delete(key);
  });

  it('refuses keys and URLs outside its bucket', async () => {
    const { key } = await storage.put({ folder: 'avatars', extension: '.png', body: PNG });
    for (const value of [`${s3.endpoint}/other-bucket/${key}`, `https://evil.example/${key}`, `avatars/../${key}`, `${s3.endpoint}/${s3.bucket}/../${key}`]) {
      assert.equal(storage.keyOf(value), null, value);
      await assert.rejects(storage.delete(value), StorageKeyError, value);
    }
    assert.deepEqual(await storage.get(key), PNG);
  });

  it('rewrites URLs to CDN_BASE_URL and still accepts the bucket URLs', async () => {
    const config = testConfig({ ...s3.env, CDN_BASE_URL: 'https://cdn.example.test/' });
    const cdn = createStorage(config, createLogger(config, new LogCapture()));
    const { key, url } = await cdn.put({ folder: 'avatars', extension: '.png', body: PNG });
    assert.equal(url, `https://cdn.example.test/${key}`);
    assert.deepEqual(await stored(key), { body: PNG, contentType: 'image/png' });
    await cdn.delete(url);
    await assertNotFound(cdn.get(key));

    const earlier = await storage.put({ folder: 'avatars', extension: '.png', body: PNG });
    assert.equal(cdn.keyOf(earlier.url), earlier.key);
  });

  it('builds AWS virtual-hosted URLs without an endpoint', () => {
    const config = testConfig({ S3_BUCKET_NAME: 'runcrew-media', S3_REGION: 'ap-northeast-2', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' });
    const aws = createStorage(config, createLogger(config, new LogCapture()));
    const key = `avatars/${'a'.repeat(32)}.png`;
    assert.equal(aws.urlFor(key), `https://runcrew-media.s3.ap-northeast-2.amazonaws.com/${key}`);
    assert.equal(aws.keyOf(`https://runcrew-media.s3.ap-northeast-2.amazonaws.com/${key}`), key);
  });
});

describe('storage selection', () => {
  const select = (env: Record<string, string>) => {
    const logs = new LogCapture();
    const config = testConfig(env);
    const storage = createStorage(config, createLogger(config, logs));
    return { storage, warnings: logs.records.filter((r) => r.level === 'warn'), text: logs.lines.join('\n') };
  };

  it('falls back to local with one warning naming what is missing', () => {
    const onlyBucket = select({ S3_BUCKET_NAME: 'runcrew-media' });
    assert.equal(onlyBucket.storage.kind, 'local');
    assert.equal(onlyBucket.warnings.length, 1);
    assert.deepEqual(onlyBucket.warnings[0]!.missing, ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);

    const noSecret = select({ S3_BUCKET_NAME: 'runcrew-media', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' });
    assert.equal(noSecret.storage.kind, 'local');
    assert.equal(noSecret.warnings.length, 1);
    assert.match(String(noSecret.warnings[0]!.message), /AWS_SECRET_ACCESS_KEY/);
    assert.doesNotMatch(String(noSecret.warnings[0]!.message), /S3_BUCKET_NAME|AWS_ACCESS_KEY_ID/);

    const onlySecret = select({ AWS_SECRET_ACCESS_KEY: 'very-secret-value' });
    assert.equal(onlySecret.storage.kind, 'local');
    assert.equal(onlySecret.warnings.length, 1);
    assert.ok(!onlySecret.text.includes('very-secret-value'));
  });

  it('uses local storage silently when S3 is not configured at all', () => {
    const none = select({});
    assert.equal(none.storage.kind, 'local');
    assert.equal(none.warnings.length, 0);
  });
});
