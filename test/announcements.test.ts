// Announcements: the newer app's GET /announcements?limit=N (announcementService.ts, AnnouncementListResponse) and
// the administrators' routes under /admin/announcements (users.is_admin; 403 to anyone else, checked every time).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import yauzl from 'yauzl';
import { userArchive } from '../src/features/exports/archive.js';
import { deleteAccount } from '../src/features/users/service.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { send, smallJpeg } from './helpers/authz-world.js';
import { createUser, type TestUser } from './helpers/users.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** The keys of the app's AnnouncementItem (src/types/api.ts), all required. */
const APP_KEYS = ['content', 'created_at', 'ends_at', 'id', 'image_url', 'link_type', 'link_value', 'priority', 'starts_at', 'title'];
const ADMIN = '/admin/announcements';
const hour = 3600_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('announcements', () => {
  let t: TestApp;
  let admin: TestUser;
  let user: TestUser;
  before(async () => {
    t = await createTestApp();
    admin = await makeAdmin(await createUser(t.db, t.config));
    user = await createUser(t.db, t.config);
  });
  after(() => t.close());

  async function makeAdmin(u: TestUser): Promise<TestUser> {
    await t.db.query('UPDATE users SET is_admin = true WHERE id = $1', [u.id]);
    return u;
  }
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, who: TestUser | undefined, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: who?.auth ?? {}, ...(payload ? { payload } : {}) });
  /** The app's call, exactly as announcementService.getAnnouncements makes it. */
  const appList = async (who: TestUser = user, limit = 10) => {
    const res = await call('GET', `/announcements?limit=${limit}`, who);
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as { data: Record<string, unknown>[] }).data;
  };
  const titles = async (limit = 10) => (await appList(user, limit)).map((a) => a.title);
  const create = async (body: object, who = admin) => {
    const res = await call('POST', ADMIN, who, body);
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as Record<string, unknown> & { id: string };
  };
  const clear = () => t.db.query('DELETE FROM announcements');
  const count = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM announcements')).rows[0]!.n;
  /** A row as written at a given time, for orderings and windows relative to the database's clock. */
  const insert = (title: string, extra: { priority?: number; created?: string; starts?: string | null; ends?: string | null; published?: boolean } = {}) =>
    t.db.query(
      `INSERT INTO announcements (title, priority, created_at, starts_at, ends_at, is_published)
       VALUES ($1, $2, now() + $3::interval, now() + $4::interval, now() + $5::interval, $6)`,
      [title, extra.priority ?? 0, extra.created ?? '0 s', extra.starts ?? null, extra.ends ?? null, extra.published ?? true],
    );
  const uploadImage = async (who: TestUser) => {
    const res = await send(t.app, who, { method: 'POST', url: '/api/v1/uploads/image', file: { filename: 'a.jpg', type: 'image/jpeg', data: await smallJpeg() } });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as { url: string }).url;
  };

  describe('GET /announcements (the app)', () => {
    it('answers the app’s call with the keys and types of AnnouncementListResponse', async () => {
      await clear();
      const crew = await call('POST', '/crews', admin, { name: `Ann crew ${randomUUID().slice(0, 8)}` });
      const image = await uploadImage(admin);
      await create({ title: 'Plain' });
      await create({
        title: '  Spring race  ', content: 'Join us', image_url: image, link_type: 'crew', link_value: crew.json().id, priority: 5,
        starts_at: at(-hour), ends_at: at(48 * hour),
      });
      const data = await appList();
      assert.equal(data.length, 2);
      for (const item of data) {
        assert.deepEqual(Object.keys(item).sort(), APP_KEYS);
        assert.match(String(item.id), /^[0-9a-f-]{36}$/);
        assert.equal(typeof item.title, 'string');
        assert.equal(typeof item.link_type, 'string');
        assert.equal(typeof item.priority, 'number');
        assert.match(String(item.created_at), ISO_UTC);
        for (const key of ['content', 'image_url', 'link_value']) assert.ok(item[key] === null || typeof item[key] === 'string', key);
        for (const key of ['starts_at', 'ends_at']) assert.ok(item[key] === null || ISO_UTC.test(String(item[key])), key);
      }
      const [pinned, plain] = data;
      assert.deepEqual(
        { ...pinned, id: undefined, created_at: undefined, starts_at: undefined, ends_at: undefined },
        {
          id: undefined, created_at: undefined, starts_at: undefined, ends_at: undefined,
          title: 'Spring race', content: 'Join us', image_url: image, link_type: 'crew', link_value: crew.json().id, priority: 5,
        },
      );
      assert.deepEqual([plain!.title, plain!.content, plain!.image_url, plain!.link_type, plain!.link_value, plain!.priority, plain!.starts_at, plain!.ends_at], [
        'Plain', null, null, 'none', null, 0, null, null,
      ]);
    });

    it('needs a token: the app calls it from the home screen, after login', async () => {
      const res = await call('GET', '/announcements?limit=10', undefined);
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'AUTH_EXPIRED');
    });

    it('shows only published announcements within their window', async () => {
      await clear();
      await insert('open-ended');
      await insert('in window', { starts: '-1 hour', ends: '1 hour' });
      await insert('started', { starts: '-1 minute' });
      await insert('ends later', { ends: '1 minute' });
      await insert('not yet', { starts: '1 hour' });
      await insert('ended', { starts: '-2 hours', ends: '-1 second' });
      await insert('ended, no start', { ends: '-1 hour' });
      await insert('unpublished', { published: false });
      await insert('unpublished in window', { published: false, starts: '-1 hour', ends: '1 hour' });
      assert.deepEqual((await titles()).sort(), ['ends later', 'in window', 'open-ended', 'started']);
    });

    it('lists pinned (higher priority) first, then the newest by when each went up', async () => {
      await clear();
      await insert('old', { created: '-3 days' });
      await insert('new', { created: '-1 hour' });
      await insert('written long ago, started now', { created: '-10 days', starts: '-1 minute' });
      await insert('pinned old', { created: '-9 days', priority: 10 });
      await insert('pinned less', { created: '-1 minute', priority: 3 });
      assert.deepEqual(await titles(), ['pinned old', 'pinned less', 'written long ago, started now', 'new', 'old']);
    });

    it('gives 10 by default, what the app asks for up to 50, and refuses other limits', async () => {
      await clear();
      for (let i = 0; i < 55; i++) await insert(`n${i}`, { created: `-${i} minutes` });
      const bare = await call('GET', '/announcements', user);
      assert.equal(bare.statusCode, 200);
      assert.equal(bare.json().data.length, 10);
      assert.deepEqual(await titles(3), ['n0', 'n1', 'n2']);
      assert.equal((await appList(user, 50)).length, 50);
      for (const limit of ['0', '51', '-1', 'ten', '1.5']) {
        const res = await call('GET', `/announcements?limit=${limit}`, user);
        assert.equal(res.statusCode, 422, `limit=${limit}`);
        assert.equal(res.json().code, 'VALIDATION_ERROR');
      }
    });
  });

  describe('administrators', () => {
    it('write, edit, unpublish, republish and delete an announcement', async () => {
      await clear();
      const made = await create({ title: 'Maintenance', content: 'Tonight', link_type: 'url', link_value: 'https://runcrew.app/notice?id=1', priority: 2 });
      assert.equal(made.is_published, true);
      assert.equal(made.status, 'active');
      assert.deepEqual(made.created_by, { id: admin.id, nickname: admin.nickname });
      assert.match(String(made.updated_at), ISO_UTC);
      assert.deepEqual(await titles(), ['Maintenance']);

      const edited = await call('PATCH', `${ADMIN}/${made.id}`, admin, { title: 'Maintenance moved', content: null, priority: 7 });
      assert.equal(edited.statusCode, 200, edited.body);
      assert.deepEqual([edited.json().title, edited.json().content, edited.json().priority, edited.json().link_value], [
        'Maintenance moved', null, 7, 'https://runcrew.app/notice?id=1',
      ]);

      const unpublished = await call('PATCH', `${ADMIN}/${made.id}`, admin, { is_published: false });
      assert.equal(unpublished.json().status, 'unpublished');
      assert.deepEqual(await titles(), []);
      const listed = await call('GET', ADMIN, admin);
      assert.equal(listed.statusCode, 200);
      assert.deepEqual(listed.json().data.map((a: { id: string; status: string }) => [a.id, a.status]), [[made.id, 'unpublished']]);
      assert.equal(listed.json().total_count, 1);

      assert.equal((await call('PATCH', `${ADMIN}/${made.id}`, admin, { is_published: true })).json().status, 'active');
      assert.deepEqual(await titles(), ['Maintenance moved']);

      const deleted = await call('DELETE', `${ADMIN}/${made.id}`, admin);
      assert.equal(deleted.statusCode, 204);
      assert.deepEqual(await titles(), []);
      for (const [method, payload] of [['GET'], ['PATCH', { title: 'x' }], ['DELETE']] as const) {
        const res = await call(method, `${ADMIN}/${made.id}`, admin, payload);
        assert.equal(res.statusCode, 404, `${method}: ${res.body}`);
      }
    });

    it('list every announcement with its status, latest written first, in bounded pages', async () => {
      await clear();
      await insert('ended', { created: '-3 hours', ends: '-1 hour' });
      await insert('scheduled', { created: '-2 hours', starts: '1 day' });
      await insert('active', { created: '-1 hour' });
      const page = await call('GET', `${ADMIN}?page=0&per_page=2`, admin);
      assert.deepEqual(page.json().data.map((a: { title: string; status: string }) => [a.title, a.status]), [['active', 'active'], ['scheduled', 'scheduled']]);
      assert.equal(page.json().total_count, 3);
      const next = await call('GET', `${ADMIN}?page=1&per_page=2`, admin);
      assert.deepEqual(next.json().data.map((a: { status: string }) => a.status), ['ended']);
      assert.equal((await call('GET', `${ADMIN}?per_page=101`, admin)).statusCode, 422);
    });

    it('take images only from our storage, and links only as http(s) URLs, public crews and listed events', async () => {
      await clear();
      const image = await uploadImage(user);
      const crew = (await call('POST', '/crews', user, { name: `Pub ${randomUUID().slice(0, 8)}` })).json().id as string;
      const hidden = (await call('POST', '/crews', user, { name: `Hid ${randomUUID().slice(0, 8)}`, is_public: false })).json().id as string;
      const event = await call('POST', '/events', user, { title: 'Ann event', starts_at: at(hour), ends_at: at(2 * hour) });
      assert.equal(event.statusCode, 201, event.body);
      const refused: [object, string][] = [
        [{ image_url: 'https://evil.example.com/a.jpg' }, 'INVALID_IMAGE_URL'],
        [{ image_url: image.replace('/images/', '/avatars/') }, 'INVALID_IMAGE_URL'],
        [{ link_type: 'url', link_value: 'javascript:alert(1)' }, 'INVALID_LINK'],
        [{ link_type: 'url', link_value: 'ftp://files.example.com/x' }, 'INVALID_LINK'],
        [{ link_type: 'url', link_value: 'https://user:secret@example.com/' }, 'INVALID_LINK'],
        [{ link_type: 'url', link_value: 'not a url' }, 'INVALID_LINK'],
        [{ link_type: 'url' }, 'INVALID_LINK'],
        [{ link_type: 'none', link_value: 'https://example.com/' }, 'INVALID_LINK'],
        [{ link_value: 'https://example.com/' }, 'INVALID_LINK'],
        [{ link_type: 'crew', link_value: randomUUID() }, 'INVALID_LINK'],
        [{ link_type: 'crew', link_value: hidden }, 'INVALID_LINK'],
        [{ link_type: 'crew', link_value: 'crew-name' }, 'INVALID_LINK'],
        [{ link_type: 'event', link_value: crew }, 'INVALID_LINK'],
        [{ starts_at: '2030-01-01T00:00:00Z', ends_at: '2030-01-01T00:00:00.000Z' }, 'INVALID_WINDOW'],
        [{ link_type: 'page', link_value: 'x' }, 'VALIDATION_ERROR'],
        [{ title: '   ' }, 'VALIDATION_ERROR'],
        [{ title: 'x'.repeat(101) }, 'VALIDATION_ERROR'],
        [{ content: 'x'.repeat(5001) }, 'VALIDATION_ERROR'],
        [{ priority: 101 }, 'VALIDATION_ERROR'],
        [{ priority: -1 }, 'VALIDATION_ERROR'],
        [{ link_type: 'url', link_value: `https://example.com/${'a'.repeat(500)}` }, 'VALIDATION_ERROR'],
        [{ starts_at: 'tomorrow' }, 'VALIDATION_ERROR'],
        [{ ends_at: '2030-06-30T23:59:60Z' }, 'INVALID_DATE'],
      ];
      for (const [body, code] of refused) {
        const res = await call('POST', ADMIN, admin, { title: 'Refused', ...body });
        assert.equal(res.statusCode, 422, `${JSON.stringify(body)}: ${res.body}`);
        assert.equal(res.json().code, code, JSON.stringify(body));
      }
      assert.equal(await count(), 0);

      const withImage = await create({ title: 'Image', image_url: image });
      assert.equal(withImage.image_url, image);
      assert.equal((await create({ title: 'Crew', link_type: 'crew', link_value: crew.toUpperCase() })).link_value, crew);
      assert.equal((await create({ title: 'Event', link_type: 'event', link_value: event.json().id })).link_value, event.json().id);
      assert.equal((await create({ title: 'Web', link_type: 'url', link_value: 'http://Example.com/a b' })).link_value, 'http://example.com/a%20b');
    });

    it('check an edit against what is stored: the window, the link, and clearing a link with link_type none', async () => {
      await clear();
      const made = await create({ title: 'Edit me', link_type: 'url', link_value: 'https://example.com/', starts_at: at(-hour), ends_at: at(hour) });
      const patch = (body: object) => call('PATCH', `${ADMIN}/${made.id}`, admin, body);
      assert.equal((await patch({ ends_at: at(-2 * hour) })).json().code, 'INVALID_WINDOW');
      assert.equal((await patch({ link_type: 'crew' })).json().code, 'INVALID_LINK', 'the URL is no crew id');
      assert.equal((await patch({ link_value: null })).json().code, 'INVALID_LINK', 'a url link needs its value');
      assert.equal((await patch({ image_url: 'https://cdn.example.com/x.jpg' })).json().code, 'INVALID_IMAGE_URL');
      const stored = await call('GET', `${ADMIN}/${made.id}`, admin);
      assert.equal(stored.json().link_value, 'https://example.com/', 'refused edits change nothing');
      const cleared = await patch({ link_type: 'none' });
      assert.equal(cleared.statusCode, 200, cleared.body);
      assert.deepEqual([cleared.json().link_type, cleared.json().link_value], ['none', null]);
      const unbounded = await patch({ starts_at: null, ends_at: null });
      assert.deepEqual([unbounded.json().starts_at, unbounded.json().ends_at, unbounded.json().title], [null, null, 'Edit me']);
    });

    it('refuse everyone else with 403, whatever the request holds, and change nothing', async () => {
      await clear();
      const made = await create({ title: 'Admins only', is_published: false });
      const before = await t.db.query('SELECT * FROM announcements ORDER BY id');
      for (const [method, url, payload] of [
        ['GET', ADMIN],
        ['GET', `${ADMIN}/${made.id}`],
        ['POST', ADMIN, { title: 'Hijack' }],
        ['POST', ADMIN, { title: 'x'.repeat(500), priority: 'high' }],
        ['PATCH', `${ADMIN}/${made.id}`, { is_published: true }],
        ['PATCH', `${ADMIN}/not-an-id`, { nope: 1 }],
        ['DELETE', `${ADMIN}/${made.id}`],
        ['DELETE', `${ADMIN}/${randomUUID()}`],
      ] as const) {
        const res = await call(method, url, user, payload);
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
        assert.equal(res.json().code, 'FORBIDDEN');
        assert.ok(!res.body.includes('Admins only'), 'nothing of the announcement is told');
      }
      assert.deepEqual((await t.db.query('SELECT * FROM announcements ORDER BY id')).rows, before.rows);
      assert.deepEqual(await titles(), [], 'the unpublished one stays off the public list');
      assert.equal((await call('GET', ADMIN, undefined)).statusCode, 401);
    });

    it('lose the role at once when it is revoked, and gain it at once when granted', async () => {
      const other = await makeAdmin(await createUser(t.db, t.config));
      assert.equal((await call('GET', ADMIN, other)).statusCode, 200);
      await t.db.query('UPDATE users SET is_admin = false WHERE id = $1', [other.id]);
      assert.equal((await call('POST', ADMIN, other, { title: 'After revoke' })).statusCode, 403);
      assert.equal((await call('GET', ADMIN, other)).statusCode, 403);
      await makeAdmin(other);
      assert.equal((await call('POST', ADMIN, other, { title: 'After grant' })).statusCode, 201);
    });
  });

  describe('an author’s account', () => {
    async function unzip(zip: Buffer): Promise<Map<string, string>> {
      const zipfile = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.fromBuffer(zip, { lazyEntries: true }, (e, z) => (e ? reject(e) : resolve(z))));
      const files = new Map<string, string>();
      await new Promise<void>((resolve, reject) => {
        zipfile.on('error', reject).on('end', resolve).on('entry', (entry: yauzl.Entry) =>
          zipfile.openReadStream(entry, (err, stream) => {
            if (err) return reject(err);
            const chunks: Buffer[] = [];
            stream.on('data', (c: Buffer) => chunks.push(c)).on('error', reject).on('end', () => {
              files.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
              zipfile.readEntry();
            });
          }),
        );
        zipfile.readEntry();
      });
      return files;
    }
    const announcementsInExport = async (who: TestUser) => {
      const archive = await userArchive(t.db, who.id);
      const chunks: Buffer[] = [];
      for await (const c of archive.stream) chunks.push(c as Buffer);
      return JSON.parse((await unzip(Buffer.concat(chunks))).get('announcements.json')!) as { id: string; title: string; is_published: boolean }[];
    };

    it('exports the announcements its user wrote, and nobody else’s', async () => {
      await clear();
      const author = await makeAdmin(await createUser(t.db, t.config));
      const first = await create({ title: 'Mine first', link_type: 'url', link_value: 'https://example.com/' }, author);
      const second = await create({ title: 'Mine unpublished', is_published: false }, author);
      await create({ title: 'Not mine' });
      const exported = await announcementsInExport(author);
      assert.deepEqual(exported.map((a) => [a.id, a.title, a.is_published]), [[first.id, 'Mine first', true], [second.id, 'Mine unpublished', false]]);
      assert.deepEqual(await announcementsInExport(user), []);
    });

    it('when deleted, leaves its announcements up with no author, and other accounts’ rows untouched', async () => {
      await clear();
      const author = await makeAdmin(await createUser(t.db, t.config));
      const theirs = await create({ title: 'Written by a leaver' }, author);
      const mine = await create({ title: 'Written by a stayer' });
      await deleteAccount(t.app.deps, t.app.deps.logger, author.id);
      assert.deepEqual((await titles()).sort(), ['Written by a leaver', 'Written by a stayer']);
      const kept = await call('GET', `${ADMIN}/${theirs.id}`, admin);
      assert.equal(kept.statusCode, 200);
      assert.equal(kept.json().created_by, null);
      assert.deepEqual((await call('GET', `${ADMIN}/${mine.id}`, admin)).json().created_by, { id: admin.id, nickname: admin.nickname });
    });
  });
});
