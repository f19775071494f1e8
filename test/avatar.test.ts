import { randomUUID } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import exifReader from 'exif-reader';
import sharp from 'sharp';
import { AppError } from '../src/infra/errors.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { startLocalS3, type LocalS3 } from './helpers/s3.js';
import { createUser, type TestUser } from './helpers/users.js';

const ENDPOINT = '/api/v1/uploads/avatar';

interface Part {
  field?: string;
  filename?: string;
  type?: string;
  data: Buffer;
}

function multipart({ field = 'file', filename = 'avatar.jpg', type = 'image/jpeg', data }: Part) {
  const boundary = `----runcrew${randomUUID()}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([Buffer.from(head), data, Buffer.from(`\r\n--${boundary}--\r\n`)]),
  };
}

const image = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 30 } } });

/** A PNG whose header declares 10000x10000 pixels (100 MP) in about a kilobyte: a decompression bomb. */
function pngBomb(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(10_000, 0);
  header.writeUInt32BE(10_000, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(1000))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function avatarSuite(name: string, env: () => Promise<{ overrides: Record<string, string>; close(): Promise<void> }>) {
  describe(name, () => {
    let t: TestApp;
    let closeEnv: () => Promise<void>;
    before(async () => {
      const e = await env();
      closeEnv = () => e.close();
      t = await createTestApp(e.overrides);
    });
    after(async () => {
      await t.close();
      await closeEnv();
    });

    const upload = (user: TestUser, part: Part) => {
      const { headers, payload } = multipart(part);
      return t.app.inject({ method: 'POST', url: ENDPOINT, headers: { ...headers, ...user.auth }, payload });
    };
    const avatarOf = async (user: TestUser) =>
      (await t.db.query<{ avatar_url: string | null }>('SELECT avatar_url FROM users WHERE id = $1', [user.id])).rows[0]!.avatar_url;
    /** The stored file behind a URL we returned, read back through storage. */
    const stored = async (url: string) => {
      const key = t.app.deps.storage.keyOf(url);
      assert.ok(key, `${url} is a file of our storage`);
      return t.app.deps.storage.get(key);
    };
    const gone = async (url: string) => {
      await assert.rejects(stored(url), (err) => err instanceof AppError && err.statusCode === 404);
    };

    it('stores a PNG as a JPEG of at most 512 px, returns its absolute URL and sets the profile avatar', async () => {
      const user = await createUser(t.db, t.config);
      const res = await upload(user, { filename: 'me.png', type: 'image/png', data: await image(1024, 768).png().toBuffer() });
      assert.equal(res.statusCode, 200, res.body);
      const { url } = res.json() as { url: string };
      assert.deepEqual(Object.keys(res.json()), ['url']);
      assert.match(url, /^https?:\/\/[^/]+\/.*avatars\/[0-9a-f]{32}\.jpg$/);
      assert.equal(await avatarOf(user), url);
      if (t.app.deps.storage.kind === 'local') {
        const served = await t.app.inject({ method: 'GET', url: new URL(url).pathname });
        assert.equal(served.statusCode, 200);
        assert.equal(served.headers['content-type'], 'image/jpeg');
      }
      const meta = await sharp(await stored(url)).metadata();
      assert.equal(meta.format, 'jpeg');
      assert.deepEqual([meta.width, meta.height], [512, 384]);
    });

    it('accepts a JPEG declared as image/jpg, and trusts the bytes over the declared type', async () => {
      const user = await createUser(t.db, t.config);
      const jpg = await upload(user, { filename: 'photo.jpg', type: 'image/jpg', data: await image(100, 80).jpeg().toBuffer() });
      assert.equal(jpg.statusCode, 200, jpg.body);
      const webpNamedJpeg = await upload(user, {
        filename: 'photo.jpeg',
        type: 'application/octet-stream',
        data: await image(60, 60).webp().toBuffer(),
      });
      assert.equal(webpNamedJpeg.statusCode, 200, webpNamedJpeg.body);
      const meta = await sharp(await stored(webpNamedJpeg.json().url)).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 60, 60]);
    });

    it('refuses a text file renamed to .jpg with 400 UNSUPPORTED_IMAGE and leaves the profile alone', async () => {
      const user = await createUser(t.db, t.config);
      const res = await upload(user, { filename: 'notes.jpg', type: 'image/jpeg', data: Buffer.from('just some text, not an image\n') });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, 'UNSUPPORTED_IMAGE');
      assert.equal(await avatarOf(user), null);
    });

    it('refuses HEIC with a 400 that says so (this sharp build has no HEVC decoder)', async () => {
      assert.ok(!sharp.format.heif.input.fileSuffix?.includes('.heic'), 'sharp can decode HEIC now: accept it');
      const user = await createUser(t.db, t.config);
      const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(64)]);
      const res = await upload(user, { filename: 'IMG_0001.HEIC', type: 'image/heic', data: heic });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, 'UNSUPPORTED_IMAGE');
      assert.match(res.json().message, /HEIC/);
    });

    it('refuses a damaged image with 422 INVALID_IMAGE', async () => {
      const user = await createUser(t.db, t.config);
      const broken = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]);
      const res = await upload(user, { data: broken });
      assert.equal(res.statusCode, 422);
      assert.equal(res.json().code, 'INVALID_IMAGE');
    });

    it('refuses a file over MAX_UPLOAD_SIZE_MB with 413 UPLOAD_TOO_LARGE', async () => {
      const user = await createUser(t.db, t.config);
      const jpeg = await image(10, 10).jpeg().toBuffer();
      const data = Buffer.concat([jpeg, Buffer.alloc(t.config.MAX_UPLOAD_SIZE_MB * 1024 * 1024 + 1 - jpeg.length)]);
      const res = await upload(user, { data });
      assert.equal(res.statusCode, 413);
      assert.equal(res.json().code, 'UPLOAD_TOO_LARGE');
      assert.equal(await avatarOf(user), null);
    });

    it('refuses a decompression bomb before decoding it', async () => {
      const user = await createUser(t.db, t.config);
      const res = await upload(user, { filename: 'bomb.png', type: 'image/png', data: pngBomb() });
      assert.equal(res.statusCode, 413);
      assert.equal(res.json().code, 'UPLOAD_TOO_LARGE');
    });

    it('strips EXIF (GPS included) and applies the EXIF orientation', async () => {
      const input = await image(64, 32)
        .jpeg()
        .withMetadata({ orientation: 6 })
        .withExif({
          IFD0: { Make: 'TestCam' },
          IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '37/1 33/1 59/1', GPSLongitudeRef: 'E', GPSLongitude: '126/1 58/1 40/1' },
        })
        .toBuffer();
      const inputMeta = await sharp(input).metadata();
      assert.ok(inputMeta.exif, 'the input carries EXIF');
      assert.deepEqual(exifReader(inputMeta.exif).GPSInfo?.GPSLatitude, [37, 33, 59]);
      assert.equal(inputMeta.orientation, 6);

      const user = await createUser(t.db, t.config);
      const res = await upload(user, { data: input });
      assert.equal(res.statusCode, 200, res.body);
      const output = await stored(res.json().url);
      const meta = await sharp(output).metadata();
      assert.equal(meta.exif, undefined);
      assert.equal(meta.xmp, undefined);
      assert.equal(meta.iptc, undefined);
      assert.equal(meta.orientation, undefined);
      assert.deepEqual([meta.width, meta.height], [32, 64], 'rotated upright');
      assert.ok(!output.includes(Buffer.from('TestCam')));
    });

    it('deletes the previous avatar, but never a file another profile shows or a foreign URL', async () => {
      const user = await createUser(t.db, t.config);
      const png = await image(40, 40).png().toBuffer();
      const first = (await upload(user, { data: png })).json().url as string;
      const second = (await upload(user, { data: png })).json().url as string;
      assert.notEqual(first, second);
      await gone(first);
      assert.ok((await stored(second)).length > 0);

      // Another profile points at the current file: replacing it must keep the file.
      const friend = await createUser(t.db, t.config);
      await t.db.query('UPDATE users SET avatar_url = $1 WHERE id = $2', [second, friend.id]);
      const third = (await upload(user, { data: png })).json().url as string;
      assert.ok((await stored(second)).length > 0, 'still shown by another profile');
      assert.equal(await avatarOf(user), third);

      await t.db.query('UPDATE users SET avatar_url = $1 WHERE id = $2', ['https://cdn.example.com/avatars/x.jpg', user.id]);
      assert.equal((await upload(user, { data: png })).statusCode, 200);
      assert.ok((await stored(third)).length > 0, 'the profile no longer named it, so it was not touched');

      // A profile naming a private file (a key of another folder) must not get that file deleted.
      const gpx = await t.app.deps.storage.put({ folder: 'imports', extension: '.gpx', body: Buffer.from('<gpx/>') });
      await t.db.query('UPDATE users SET avatar_url = $1 WHERE id = $2', [gpx.key, user.id]);
      assert.equal((await upload(user, { data: png })).statusCode, 200);
      assert.equal((await t.app.deps.storage.get(gpx.key)).toString(), '<gpx/>');
    });

    it('asks for the field `file` (422) and for multipart (415), and needs a bearer token', async () => {
      const user = await createUser(t.db, t.config);
      const wrongField = await upload(user, { field: 'avatar', data: await image(10, 10).jpeg().toBuffer() });
      assert.equal(wrongField.statusCode, 422);
      assert.equal(wrongField.json().code, 'VALIDATION_ERROR');
      assert.deepEqual(wrongField.json().detail[0].loc, ['body', 'file']);
      const json = await t.app.inject({ method: 'POST', url: ENDPOINT, headers: user.auth, payload: { file: 'x' } });
      assert.equal(json.statusCode, 415);
      const anonymous = await t.app.inject({ method: 'POST', url: ENDPOINT, ...multipart({ data: Buffer.from('x') }) });
      assert.equal(anonymous.statusCode, 401);
    });
  });
}

avatarSuite('avatar upload (local storage)', async () => ({ overrides: {}, close: async () => undefined }));

avatarSuite('avatar upload (S3 storage)', async () => {
  const s3: LocalS3 = await startLocalS3();
  return { overrides: s3.env, close: () => s3.close() };
});
