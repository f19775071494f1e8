import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import type { Queryable } from '../src/infra/db/database.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { FakeProviders } from './helpers/fake-providers.js';
import { createUser, uniqueNickname, type TestUser } from './helpers/users.js';
import { insertRun } from './helpers/run-records.js';
import { runnerLevel } from '../src/features/users/runner-level.js';

/** `n` random Hangul syllables: a Korean nickname unlikely to exist already. */
const hangul = (n: number) => Array.from({ length: n }, () => String.fromCharCode(0xac00 + randomInt(11172))).join('');

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
// activity_region is left out while not set.
const PROFILE_KEYS = [
  'avatar_url', 'bio', 'birthday', 'country', 'created_at', 'crew_name', 'gender', 'height_cm', 'id', 'instagram_username',
  'nickname', 'runner_level', 'total_distance_meters', 'total_points', 'total_runs', 'user_code', 'weight_kg',
];

let courseSeq = 0;
/** A course row written directly, as the courses feature would store it. */
async function insertCourse(
  db: Queryable,
  creatorId: string,
  fields: { isPublic?: boolean; createdAt?: string; thumbnailUrl?: string | null; title?: string; distance?: number } = {},
): Promise<string> {
  courseSeq += 1;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO courses (creator_id, title, distance_meters, is_public, thumbnail_url, created_at, route_geometry, start_point)
     VALUES ($1, $2, $3, $4, $5, coalesce($6::timestamptz, now()),
             ST_GeogFromText('LINESTRING(127.0 37.5, 127.01 37.51)'), ST_GeogFromText('POINT(127.0 37.5)'))
     RETURNING id`,
    [creatorId, fields.title ?? `course ${courseSeq}`, fields.distance ?? 1000, fields.isPublic ?? true, fields.thumbnailUrl ?? null, fields.createdAt ?? null],
  );
  return rows[0]!.id;
}

async function insertRanking(db: Queryable, courseId: string, userId: string, seconds: number, achievedAt: string): Promise<void> {
  await db.query(
    `INSERT INTO rankings (course_id, user_id, best_duration_seconds, best_pace_seconds_per_km, achieved_at)
     VALUES ($1, $2, $3, 300, $4)`,
    [courseId, userId, seconds, achievedAt],
  );
}

async function like(db: Queryable, userId: string, courseId: string): Promise<void> {
  await db.query('INSERT INTO course_likes (user_id, course_id) VALUES ($1, $2)', [userId, courseId]);
}

describe('users', () => {
  let t: TestApp;
  before(async () => {
    // This file sends far more than the default 100 requests a minute from one address.
    t = await createTestApp({ RATE_LIMIT_PER_MINUTE: '100000' });
  });
  after(() => t.close());

  const fourUsers = async (): Promise<[TestUser, TestUser, TestUser, TestUser]> => [
    await createUser(t.db, t.config),
    await createUser(t.db, t.config),
    await createUser(t.db, t.config),
    await createUser(t.db, t.config),
  ];
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, user?: TestUser, payload?: unknown) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {}, ...(payload === undefined ? {} : { payload: payload as object }) });

  describe('authentication', () => {
    const routes: ['GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown?][] = [
      ['GET', '/users/me'],
      ['POST', '/users/me/profile', { nickname: 'nobody' }],
      ['PATCH', '/users/me/profile', { bio: 'x' }],
      ['GET', '/users/me/social-counts'],
      ['GET', `/users/${randomUUID()}/profile`],
      ['DELETE', '/users/me'],
    ];
    for (const [method, url, payload] of routes) {
      it(`${method} ${url.replace(/[0-9a-f-]{36}/, '{id}')} refuses a missing or invalid token with 401`, async () => {
        const missing = await call(method, url, undefined, payload);
        assert.equal(missing.statusCode, 401);
        assert.equal(missing.json().code, 'AUTH_EXPIRED');
        const invalid = await t.app.inject({
          method,
          url: `/api/v1${url}`,
          headers: { authorization: 'Bearer not.a.token' },
          ...(payload === undefined ? {} : { payload: payload as object }),
        });
        assert.equal(invalid.statusCode, 401);
      });
    }
  });

  it('counts runner levels from the cumulative distance, as the newer app does (96 levels)', () => {
    const levels = [0, 4999, 5000, 39_999, 40_000, 16_499_999, 16_500_000, 1e9].map(runnerLevel);
    assert.deepEqual(levels, [1, 1, 2, 7, 8, 95, 96, 96]);
  });

  describe('GET /users/me', () => {
    it('returns every field, null when absent, timestamps in UTC', async () => {
      const user = await createUser(t.db, t.config, { email: 'me@example.test' });
      const res = await call('GET', '/users/me', user);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), [...PROFILE_KEYS, 'email'].sort());
      assert.equal(body.id, user.id);
      assert.equal(body.email, 'me@example.test');
      assert.equal(body.nickname, user.nickname);
      for (const key of ['avatar_url', 'bio', 'birthday', 'height_cm', 'weight_kg', 'instagram_username', 'country', 'gender']) {
        assert.equal(body[key], null, key);
      }
      assert.equal(body.total_distance_meters, 0);
      assert.equal(body.total_runs, 0);
      assert.equal(body.runner_level, 1);
      assert.match(body.created_at, ISO_UTC);
    });

    it('returns a user that has no nickname yet', async () => {
      const user = await createUser(t.db, t.config, { nickname: null });
      const res = await call('GET', '/users/me', user);
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().nickname, null);
    });
  });

  describe('POST /users/me/profile (onboarding)', () => {
    it('sets the nickname and returns the full profile with 201 (M6)', async () => {
      const user = await createUser(t.db, t.config, { nickname: null });
      await t.db.query(
        `UPDATE users SET total_distance_meters = 12345, total_runs = 3, bio = 'hello', birthday = '1990-02-03',
                          height_cm = 172.5, weight_kg = 65.2, instagram_username = 'runner.kim' WHERE id = $1`,
        [user.id],
      );
      const nickname = hangul(4);
      // The newer app's onboarding sends the country picked.
      const res = await call('POST', '/users/me/profile', user, { nickname, avatar_url: 'https://cdn.example.com/a.jpg', country: 'JP' });
      assert.equal(res.statusCode, 201);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), PROFILE_KEYS);
      assert.deepEqual(
        { ...body, created_at: undefined, user_code: undefined },
        {
          id: user.id,
          nickname,
          avatar_url: 'https://cdn.example.com/a.jpg',
          birthday: '1990-02-03',
          height_cm: 172.5,
          weight_kg: 65.2,
          bio: 'hello',
          instagram_username: 'runner.kim',
          country: 'JP',
          gender: null,
          total_distance_meters: 12345,
          total_runs: 3,
          total_points: 0,
          runner_level: 3,
          created_at: undefined,
          user_code: undefined,
          crew_name: null,
        },
      );
      assert.match(body.created_at, ISO_UTC);
      const { rows } = await t.db.query('SELECT nickname FROM users WHERE id = $1', [user.id]);
      assert.equal(rows[0]!.nickname, nickname);
    });

    it('keeps the avatar when none or null is sent', async () => {
      const user = await createUser(t.db, t.config);
      await t.db.query(`UPDATE users SET avatar_url = 'https://cdn.example.com/keep.jpg' WHERE id = $1`, [user.id]);
      for (const extra of [{}, { avatar_url: null }]) {
        const res = await call('POST', '/users/me/profile', user, { nickname: uniqueNickname(), ...extra });
        assert.equal(res.statusCode, 201);
        assert.equal(res.json().avatar_url, 'https://cdn.example.com/keep.jpg');
      }
    });

    it('requires a nickname', async () => {
      const user = await createUser(t.db, t.config);
      const res = await call('POST', '/users/me/profile', user, {});
      assert.equal(res.statusCode, 422);
      assert.equal(res.json().code, 'VALIDATION_ERROR');
      assert.deepEqual(res.json().detail[0].loc, ['body', 'nickname']);
    });

    it('counts nickname length in characters, not bytes (Korean)', async () => {
      const user = await createUser(t.db, t.config);
      for (const nickname of [hangul(2), hangul(12)]) {
        const res = await call('POST', '/users/me/profile', user, { nickname });
        assert.equal(res.statusCode, 201, `${nickname} (${nickname.length} characters) is accepted`);
        assert.equal(res.json().nickname, nickname);
      }
      for (const nickname of [hangul(1), hangul(13), 'a', 'abcdefghijklm']) {
        const res = await call('POST', '/users/me/profile', user, { nickname });
        assert.equal(res.statusCode, 422, `${nickname} is refused`);
        assert.deepEqual(res.json().detail[0].loc, ['body', 'nickname']);
      }
    });

    it('trims the nickname before checking and storing it', async () => {
      const user = await createUser(t.db, t.config);
      const nickname = hangul(3);
      const res = await call('POST', '/users/me/profile', user, { nickname: `  ${nickname}\t ` });
      assert.equal(res.statusCode, 201);
      assert.equal(res.json().nickname, nickname);
      // 12 characters plus surrounding spaces is still 12 characters.
      const twelve = hangul(12);
      assert.equal((await call('POST', '/users/me/profile', user, { nickname: `   ${twelve}   ` })).statusCode, 201);
      // Only spaces around one character is one character.
      assert.equal((await call('POST', '/users/me/profile', user, { nickname: `  ${hangul(1)}  ` })).statusCode, 422);
      assert.equal((await call('POST', '/users/me/profile', user, { nickname: '      ' })).statusCode, 422);
    });

    it('refuses control characters, symbols and markup in nicknames', async () => {
      const user = await createUser(t.db, t.config);
      for (const nickname of ['ab\u0000cd', 'ab\ncd', '<script>', 'a😀b', 'ab  cd', 'ab\u200bcd']) {
        const res = await call('POST', '/users/me/profile', user, { nickname });
        assert.equal(res.statusCode, 422, JSON.stringify(nickname));
      }
      assert.equal((await call('POST', '/users/me/profile', user, { nickname: `run_${hangul(2)}.k-1` })).statusCode, 201);
    });

    it('stores the composed (NFC) form, so a decomposed Korean nickname is the same name', async () => {
      const owner = await createUser(t.db, t.config);
      const other = await createUser(t.db, t.config);
      const nickname = hangul(5);
      const decomposed = nickname.normalize('NFD');
      assert.notEqual(decomposed, nickname);
      const res = await call('POST', '/users/me/profile', owner, { nickname: decomposed });
      assert.equal(res.statusCode, 201);
      assert.equal(res.json().nickname, nickname);
      const taken = await call('POST', '/users/me/profile', other, { nickname });
      assert.equal(taken.statusCode, 409);
    });

    it('refuses a nickname another user has with 409 DUPLICATE_NICKNAME, accepts the caller’s own', async () => {
      const owner = await createUser(t.db, t.config);
      const other = await createUser(t.db, t.config);
      const taken = await call('POST', '/users/me/profile', other, { nickname: owner.nickname });
      assert.equal(taken.statusCode, 409);
      assert.equal(taken.json().code, 'DUPLICATE_NICKNAME');
      const { rows } = await t.db.query('SELECT nickname FROM users WHERE id = $1', [other.id]);
      assert.equal(rows[0]!.nickname, other.nickname, 'the loser keeps its nickname');
      const own = await call('POST', '/users/me/profile', owner, { nickname: owner.nickname });
      assert.equal(own.statusCode, 201);
    });

    it('gives exactly one of two concurrent requests for the same nickname, the other 409, never 500', async () => {
      for (const method of ['POST', 'PATCH'] as const) {
        const [a, b] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
        const nickname = hangul(6);
        const results = await Promise.all([a, b].map((u) => call(method, '/users/me/profile', u, { nickname })));
        const statuses = results.map((r) => r.statusCode).sort();
        assert.deepEqual(statuses, [method === 'POST' ? 201 : 200, 409], `${method}: ${statuses.join(', ')}`);
        const { rows } = await t.db.query('SELECT id FROM users WHERE nickname = $1', [nickname]);
        assert.equal(rows.length, 1);
      }
    });

    it('accepts only absolute http(s) avatar URLs of bounded length', async () => {
      const user = await createUser(t.db, t.config);
      for (const avatar_url of ['javascript:alert(1)', '/uploads/avatars/x.jpg', 'ftp://example.com/a.jpg', 'not a url', `https://e.com/${'a'.repeat(2100)}`, '']) {
        const res = await call('POST', '/users/me/profile', user, { nickname: uniqueNickname(), avatar_url });
        assert.equal(res.statusCode, 422, avatar_url.slice(0, 40));
        assert.deepEqual(res.json().detail[0].loc, ['body', 'avatar_url']);
      }
      const ok = await call('POST', '/users/me/profile', user, { nickname: uniqueNickname(), avatar_url: 'http://example.com/a.png' });
      assert.equal(ok.statusCode, 201);
    });
  });

  describe('PATCH /users/me/profile', () => {
    const filled = {
      avatar_url: 'https://cdn.example.com/me.jpg',
      birthday: '1992-07-15',
      height_cm: 181.3,
      weight_kg: 77.25,
      bio: '주말마다 한강을 달려요',
      instagram_username: 'han.river_runner',
      country: 'KR',
      activity_region: '서울 마포구',
    };
    const derived = { id: undefined, created_at: undefined, total_distance_meters: undefined, total_runs: undefined, runner_level: undefined, gender: undefined, user_code: undefined, total_points: undefined };

    it('applies present keys, accepts floats, ignores unknown keys, and leaves other users alone', async () => {
      const user = await createUser(t.db, t.config);
      const bystander = await createUser(t.db, t.config);
      const before = (await call('GET', '/users/me', bystander)).json();
      const nickname = hangul(3);
      const res = await call('PATCH', '/users/me/profile', user, { ...filled, nickname, favourite_colour: 'red' });
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), [...PROFILE_KEYS, 'activity_region'].sort());
      assert.deepEqual({ ...body, ...derived }, { ...filled, nickname, ...derived, crew_name: null });
      assert.deepEqual((await call('GET', '/users/me', bystander)).json(), before);
    });

    it('stores the country and region and returns them from GET /users/me, as the profile screen reloads them', async () => {
      const user = await createUser(t.db, t.config);
      const res = await call('PATCH', '/users/me/profile', user, { country: ' kr ', activity_region: '  부산  ' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().country, 'KR', 'upper-cased');
      assert.equal(res.json().activity_region, '부산', 'trimmed');
      const me = (await call('GET', '/users/me', user)).json();
      assert.equal(me.country, 'KR');
      assert.equal(me.activity_region, '부산');
      const cleared = (await call('PATCH', '/users/me/profile', user, { country: null, activity_region: '' })).json();
      assert.equal(cleared.country, null);
      assert.equal('activity_region' in cleared, false, 'an unset region is left out (optional, not nullable, in the app)');
    });

    it('clears a field sent as null and keeps fields that are absent (M5)', async () => {
      const user = await createUser(t.db, t.config);
      assert.equal((await call('PATCH', '/users/me/profile', user, filled)).statusCode, 200);
      for (const key of Object.keys(filled) as (keyof typeof filled)[]) {
        const res = await call('PATCH', '/users/me/profile', user, { [key]: null });
        assert.equal(res.statusCode, 200, key);
        assert.equal(res.json()[key] ?? null, null, `${key} cleared`);
      }
      const me = (await call('GET', '/users/me', user)).json();
      for (const key of Object.keys(filled)) assert.equal(me[key] ?? null, null, `${key} stays cleared`);
      assert.equal(me.nickname, user.nickname, 'nickname untouched');

      // Absent keys stay as they are.
      await call('PATCH', '/users/me/profile', user, filled);
      const partial = await call('PATCH', '/users/me/profile', user, { bio: null });
      const { email: _email, ...stored } = (await call('GET', '/users/me', user)).json();
      assert.deepEqual(partial.json(), stored);
      assert.deepEqual({ ...(partial.json() as object), ...derived, nickname: 0 }, { ...filled, bio: null, ...derived, nickname: 0, crew_name: null });
    });

    it('answers an empty body with the unchanged profile', async () => {
      const user = await createUser(t.db, t.config);
      const res = await call('PATCH', '/users/me/profile', user, {});
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().nickname, user.nickname);
    });

    it('cannot clear the nickname', async () => {
      const user = await createUser(t.db, t.config);
      const res = await call('PATCH', '/users/me/profile', user, { nickname: null });
      assert.equal(res.statusCode, 422);
      assert.deepEqual(res.json().detail[0].loc, ['body', 'nickname']);
      const { rows } = await t.db.query('SELECT nickname FROM users WHERE id = $1', [user.id]);
      assert.equal(rows[0]!.nickname, user.nickname);
    });

    it('refuses out-of-range and malformed values with 422', async () => {
      const user = await createUser(t.db, t.config);
      const bad: [string, unknown][] = [
        ['height_cm', 49.9], ['height_cm', 300.1], ['height_cm', '180'],
        ['weight_kg', 19], ['weight_kg', 501],
        ['birthday', '1990-02-30'], ['birthday', '15/07/1992'], ['birthday', '0001-01-01'],
        ['bio', 'x'.repeat(101)],
        ['instagram_username', 'a'.repeat(31)], ['instagram_username', 'has space'], ['instagram_username', '../x'],
        ['avatar_url', 'data:image/png;base64,AAAA'],
        ['nickname', 'x'],
        ['country', 'KOR'], ['country', 'K1'], ['country', 82],
        ['activity_region', 'r'.repeat(31)],
      ];
      for (const [key, value] of bad) {
        const res = await call('PATCH', '/users/me/profile', user, { [key]: value });
        assert.equal(res.statusCode, 422, `${key}=${JSON.stringify(value).slice(0, 30)}`);
        assert.equal(res.json().code, 'VALIDATION_ERROR');
        assert.deepEqual(res.json().detail[0].loc, ['body', key]);
      }
      const me = (await call('GET', '/users/me', user)).json();
      assert.equal(me.height_cm, null);
      assert.equal(me.bio, null);
    });

    it('tidies bio and Instagram name: trimmed, a leading @ dropped, empty taken as null', async () => {
      const user = await createUser(t.db, t.config);
      const res = await call('PATCH', '/users/me/profile', user, { bio: '  hi  ', instagram_username: ' @runner_k ' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().bio, 'hi');
      assert.equal(res.json().instagram_username, 'runner_k');
      const cleared = await call('PATCH', '/users/me/profile', user, { bio: '   ', instagram_username: '' });
      assert.equal(cleared.json().bio, null);
      assert.equal(cleared.json().instagram_username, null);
    });

    it('refuses another user’s nickname with 409 and changes nothing', async () => {
      const owner = await createUser(t.db, t.config);
      const user = await createUser(t.db, t.config);
      const res = await call('PATCH', '/users/me/profile', user, { nickname: owner.nickname, bio: 'changed' });
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, 'DUPLICATE_NICKNAME');
      const me = (await call('GET', '/users/me', user)).json();
      assert.equal(me.nickname, user.nickname);
      assert.equal(me.bio, null);
      assert.equal((await call('PATCH', '/users/me/profile', owner, { nickname: owner.nickname })).statusCode, 200);
    });

    it('deletes the stored avatar file it replaces or clears, unless another profile shows it', async () => {
      const { storage } = t.app.deps;
      const user = await createUser(t.db, t.config);
      const other = await createUser(t.db, t.config);
      const put = async () => (await storage.put({ folder: 'avatars', extension: '.jpg', body: Buffer.from('jpeg') })).url;

      const first = await put();
      assert.equal((await call('PATCH', '/users/me/profile', user, { avatar_url: first })).statusCode, 200);
      assert.equal((await call('PATCH', '/users/me/profile', user, { avatar_url: null })).statusCode, 200);
      await assert.rejects(storage.get(storage.keyOf(first)!), /not found/i, 'cleared avatar file deleted');

      const shared = await put();
      await call('PATCH', '/users/me/profile', user, { avatar_url: shared });
      await call('PATCH', '/users/me/profile', other, { avatar_url: shared });
      await call('PATCH', '/users/me/profile', user, { avatar_url: 'https://elsewhere.example.com/b.jpg' });
      assert.deepEqual(await storage.get(storage.keyOf(shared)!), Buffer.from('jpeg'), 'file still shown by another profile is kept');

      // Re-sending the same URL keeps the file.
      await call('PATCH', '/users/me/profile', other, { avatar_url: shared });
      assert.deepEqual(await storage.get(storage.keyOf(shared)!), Buffer.from('jpeg'));
    });
  });

  describe('GET /users/me/social-counts', () => {
    it('counts followers, following and likes on all the caller’s courses (private ones too)', async () => {
      const [me, a, b, c] = await fourUsers();
      for (const [from, to] of [[a, me], [b, me], [me, c]] as const) {
        await t.db.query('INSERT INTO follows (follower_id, following_id) VALUES ($1, $2)', [from.id, to.id]);
      }
      const pub = await insertCourse(t.db, me.id);
      const priv = await insertCourse(t.db, me.id, { isPublic: false });
      const others = await insertCourse(t.db, a.id);
      await like(t.db, a.id, pub);
      await like(t.db, b.id, pub);
      await like(t.db, me.id, priv);
      await like(t.db, me.id, others);
      const res = await call('GET', '/users/me/social-counts', me);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { followers_count: 2, following_count: 1, total_likes_received: 3 });
    });
  });

  describe('GET /users/{user_id}/profile', () => {
    it('returns the public profile: counts, is_following, 10 newest public courses, 5 best ranks', async () => {
      const [owner, viewer, fan, rival] = await fourUsers();
      await t.db.query(
        `UPDATE users SET bio = 'bio', instagram_username = 'insta', avatar_url = 'https://cdn.example.com/o.jpg',
                          total_distance_meters = 42195, total_runs = 7, birthday = '1990-01-01',
                          country = 'KR', activity_region = '서울' WHERE id = $1`,
        [owner.id],
      );
      for (const [from, to] of [[viewer, owner], [fan, owner], [owner, rival]] as const) {
        await t.db.query('INSERT INTO follows (follower_id, following_id) VALUES ($1, $2)', [from.id, to.id]);
      }
      // 12 public courses a day apart (course 0 oldest), one private course newest of all.
      const publicIds: string[] = [];
      for (let i = 0; i < 12; i++) {
        publicIds.push(
          await insertCourse(t.db, owner.id, {
            title: `public ${i}`,
            distance: 3000 + i,
            createdAt: `2025-01-${String(i + 1).padStart(2, '0')}T00:00:00Z`,
            thumbnailUrl: i === 11 ? 'https://cdn.example.com/t.png' : null,
          }),
        );
      }
      const privateId = await insertCourse(t.db, owner.id, { isPublic: false, createdAt: '2025-02-01T00:00:00Z', title: 'secret' });
      await t.db.query('INSERT INTO course_stats (course_id, total_runs) VALUES ($1, 9)', [publicIds[11]]);
      await like(t.db, viewer.id, publicIds[11]!);
      await like(t.db, fan.id, publicIds[11]!);
      // Made private after it was liked: counted for the owner only.
      await like(t.db, fan.id, privateId);

      // Ranks: rival is faster on c0; on c1 rival ties the owner's time but achieved it earlier; the
      // owner is first on c2..c5; on the private course the owner is first too (must not appear).
      const rivalCourse = await insertCourse(t.db, rival.id, { title: 'rival run' });
      await insertRanking(t.db, publicIds[0]!, rival.id, 500, '2025-03-01T00:00:00Z');
      await insertRanking(t.db, publicIds[0]!, fan.id, 550, '2025-03-01T00:00:00Z');
      await insertRanking(t.db, publicIds[0]!, owner.id, 600, '2025-03-01T00:00:00Z');
      await insertRanking(t.db, publicIds[1]!, rival.id, 700, '2025-03-01T00:00:00Z');
      await insertRanking(t.db, publicIds[1]!, owner.id, 700, '2025-03-02T00:00:00Z');
      for (const i of [2, 3, 4, 5]) await insertRanking(t.db, publicIds[i]!, owner.id, 800 + i, '2025-03-01T00:00:00Z');
      await insertRanking(t.db, privateId, owner.id, 100, '2025-03-01T00:00:00Z');
      await insertRanking(t.db, rivalCourse, owner.id, 1000, '2025-03-01T00:00:00Z');
      await insertRanking(t.db, rivalCourse, fan.id, 900, '2025-03-01T00:00:00Z');

      const res = await call('GET', `/users/${owner.id}/profile`, viewer);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), [
        'activity_region', 'avatar_url', 'bio', 'country', 'courses', 'created_at', 'crew_name', 'followers_count', 'following_count', 'gear_items', 'id',
        'instagram_username', 'is_following', 'nickname', 'primary_gear', 'runner_level', 'top_rankings', 'total_distance_meters',
        'total_likes_received', 'total_runs',
      ]);
      assert.equal(body.country, 'KR');
      assert.equal(body.activity_region, '서울');
      assert.equal(body.runner_level, 8, '42.195 km: level 8 (from 40 km)');
      assert.equal(body.total_likes_received, 2);
      assert.equal((await call('GET', `/users/${owner.id}/profile`, owner)).json().total_likes_received, 3);
      assert.equal(body.id, owner.id);
      assert.equal(body.nickname, owner.nickname);
      assert.equal(body.avatar_url, 'https://cdn.example.com/o.jpg');
      assert.equal(body.bio, 'bio');
      assert.equal(body.instagram_username, 'insta');
      assert.equal(body.total_distance_meters, 42195);
      assert.equal(body.total_runs, 7);
      assert.match(body.created_at, ISO_UTC);
      assert.equal(body.followers_count, 2);
      assert.equal(body.following_count, 1);
      assert.equal(body.is_following, true);
      assert.equal(body.birthday, undefined, 'birthday is not public');

      assert.deepEqual(
        body.courses.map((c: { id: string }) => c.id),
        publicIds.slice(2).reverse(),
        '10 newest public courses, newest first, private one absent',
      );
      assert.deepEqual(body.courses[0], {
        id: publicIds[11],
        title: 'public 11',
        distance_meters: 3011,
        thumbnail_url: 'https://cdn.example.com/t.png',
        route_preview: [[127, 37.5], [127.01, 37.51]],
        total_runs: 9,
        like_count: 2,
      });
      assert.equal(body.courses[1].total_runs, 0);
      assert.equal(body.courses[1].like_count, 0);
      assert.equal(body.courses[1].thumbnail_url, null);
      assert.ok(!JSON.stringify(body).includes(privateId), 'the private course appears nowhere');

      assert.deepEqual(
        body.top_rankings.map((r: { course_id: string; rank: number; best_duration_seconds: number }) => [r.course_id, r.rank, r.best_duration_seconds]),
        [
          [publicIds[2], 1, 802],
          [publicIds[3], 1, 803],
          [publicIds[4], 1, 804],
          [publicIds[5], 1, 805],
          [publicIds[1], 2, 700],
        ],
      );
      assert.equal(typeof body.top_rankings[0].course_title, 'string');
    });

    it('places the owner behind faster and earlier runners (rank from the rankings table)', async () => {
      const [owner, viewer, a, b] = await fourUsers();
      const course = await insertCourse(t.db, a.id, { title: 'ranked' });
      await insertRanking(t.db, course, a.id, 500, '2025-03-02T00:00:00Z');
      await insertRanking(t.db, course, b.id, 600, '2025-03-01T00:00:00Z');
      await insertRanking(t.db, course, owner.id, 600, '2025-03-03T00:00:00Z');
      const body = (await call('GET', `/users/${owner.id}/profile`, viewer)).json();
      assert.deepEqual(body.top_rankings, [{ course_id: course, course_title: 'ranked', rank: 3, best_duration_seconds: 600 }]);
      assert.equal(body.is_following, false);
      assert.deepEqual(body.courses, []);
    });

    it('answers for the caller’s own id with is_following false', async () => {
      const user = await createUser(t.db, t.config);
      const res = await call('GET', `/users/${user.id}/profile`, user);
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().is_following, false);
      assert.deepEqual(res.json().top_rankings, []);
    });

    it('leaves Strava runs out of the totals others see, and in the totals the owner sees', async () => {
      const [owner, viewer] = await Promise.all([createUser(t.db, t.config), createUser(t.db, t.config)]);
      await insertRun(t.db, { userId: owner.id, finishedAt: new Date('2026-03-01T00:00:00Z'), distanceMeters: 5000, source: 'app' });
      await insertRun(t.db, { userId: owner.id, finishedAt: new Date('2026-03-02T00:00:00Z'), distanceMeters: 8000, source: 'strava' });
      await t.db.query('UPDATE users SET total_distance_meters = 13000, total_runs = 2 WHERE id = $1', [owner.id]);
      const seenBy = async (who: TestUser) =>
        (await t.app.inject({ method: 'GET', url: `/api/v1/users/${owner.id}/profile`, headers: who.auth })).json();
      const other = await seenBy(viewer);
      assert.equal(other.total_distance_meters, 5000);
      assert.equal(other.total_runs, 1);
      const own = await seenBy(owner);
      assert.equal(own.total_distance_meters, 13000);
      assert.equal(own.total_runs, 2);
    });

    it('reads the whole profile in one query, however many courses and ranks', async () => {
      const [owner, viewer] = await Promise.all([createUser(t.db, t.config), createUser(t.db, t.config)]);
      for (let i = 0; i < 6; i++) {
        const course = await insertCourse(t.db, owner.id);
        await insertRanking(t.db, course, owner.id, 600, '2025-03-01T00:00:00Z');
      }
      const original = t.db.query.bind(t.db);
      let queries = 0;
      t.db.query = ((...args: Parameters<typeof original>) => {
        queries += 1;
        return original(...args);
      }) as typeof t.db.query;
      try {
        const res = await call('GET', `/users/${owner.id}/profile`, viewer);
        assert.equal(res.statusCode, 200);
        assert.equal(res.json().courses.length, 6);
      } finally {
        t.db.query = original;
      }
      assert.equal(queries, 2, 'one query for the token’s user, one for the profile');
    });

    it('answers 404 for an unknown user and 422 for a malformed id', async () => {
      const user = await createUser(t.db, t.config);
      const missing = await call('GET', `/users/${randomUUID()}/profile`, user);
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'NOT_FOUND');
      const malformed = await call('GET', '/users/not-a-uuid/profile', user);
      assert.equal(malformed.statusCode, 422);
      assert.deepEqual(malformed.json().detail[0].loc, ['params', 'user_id']);
    });
  });

  describe('DELETE /users/me', () => {
    async function countRows(userId: string): Promise<{ [table: string]: number }> {
      const { rows } = await t.db.query<Record<string, number>>(
        `SELECT (SELECT count(*) FROM users WHERE id = $1) AS users,
                (SELECT count(*) FROM social_accounts WHERE user_id = $1) AS social_accounts,
                (SELECT count(*) FROM refresh_tokens WHERE user_id = $1) AS refresh_tokens,
                (SELECT count(*) FROM courses WHERE creator_id = $1) AS courses,
                (SELECT count(*) FROM run_sessions WHERE user_id = $1) AS run_sessions,
                (SELECT count(*) FROM run_records WHERE user_id = $1) AS run_records,
                (SELECT count(*) FROM rankings WHERE user_id = $1) AS rankings,
                (SELECT count(*) FROM follows WHERE follower_id = $1 OR following_id = $1) AS follows,
                (SELECT count(*) FROM course_likes WHERE user_id = $1) AS course_likes,
                (SELECT count(*) FROM reviews WHERE user_id = $1) AS reviews,
                (SELECT count(*) FROM device_tokens WHERE user_id = $1) AS device_tokens`,
        [userId],
      );
      return rows[0]!;
    }

    it('deletes the caller and every row they own, and nobody else’s', async () => {
      const { storage } = t.app.deps;
      const user = await createUser(t.db, t.config);
      const other = await createUser(t.db, t.config);
      const avatar = (await storage.put({ folder: 'avatars', extension: '.jpg', body: Buffer.from('me') })).url;
      const thumb = (await storage.put({ folder: 'thumbnails', extension: '.png', body: Buffer.from('map') })).url;
      await t.db.query('UPDATE users SET avatar_url = $2 WHERE id = $1', [user.id, avatar]);

      await t.db.query(`INSERT INTO social_accounts (user_id, provider, provider_id) VALUES ($1, 'kakao', $2)`, [user.id, randomUUID()]);
      await t.db.query(
        `INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) VALUES ($1, gen_random_uuid(), $2, now() + interval '1 day')`,
        [user.id, randomUUID().replace(/-/g, '').padEnd(64, '0')],
      );
      await t.db.query(`INSERT INTO device_tokens (user_id, device_token, platform) VALUES ($1, $2, 'ios')`, [user.id, randomUUID()]);
      const mine = await insertCourse(t.db, user.id, { thumbnailUrl: thumb });
      const theirs = await insertCourse(t.db, other.id);
      const { rows: sessions } = await t.db.query<{ id: string }>(
        `INSERT INTO run_sessions (user_id, course_id, status, started_at) VALUES ($1, $2, 'completed', now()) RETURNING id`,
        [user.id, theirs],
      );
      await t.db.query(
        `INSERT INTO run_records (user_id, session_id, course_id, distance_meters, duration_seconds, started_at, finished_at)
         VALUES ($1, $2, $3, 1000, 300, now() - interval '5 minutes', now())`,
        [user.id, sessions[0]!.id, theirs],
      );
      await insertRanking(t.db, theirs, user.id, 300, '2025-03-01T00:00:00Z');
      await insertRanking(t.db, mine, other.id, 300, '2025-03-01T00:00:00Z');
      await t.db.query('INSERT INTO follows (follower_id, following_id) VALUES ($1, $2), ($2, $1)', [user.id, other.id]);
      await like(t.db, user.id, theirs);
      await like(t.db, other.id, mine);
      await t.db.query(`INSERT INTO reviews (course_id, user_id, rating) VALUES ($1, $2, 5)`, [theirs, user.id]);
      const otherBefore = await countRows(other.id);

      const res = await call('DELETE', '/users/me', user);
      assert.equal(res.statusCode, 204);
      assert.equal(res.body, '');

      const left = await countRows(user.id);
      for (const [table, count] of Object.entries(left)) assert.equal(count, 0, `${table} of the deleted user`);
      const otherAfter = await countRows(other.id);
      // Only what tied the other user to the deleted one goes: follows, and their rank and like on its course.
      assert.equal(otherAfter.courses, 1);
      assert.deepEqual(otherAfter, { ...otherBefore, follows: 0, rankings: 0, course_likes: 0 });
      assert.equal((await t.db.query('SELECT 1 FROM courses WHERE id = $1', [theirs])).rowCount, 1, 'other user’s course stays');

      await assert.rejects(storage.get(storage.keyOf(avatar)!), /not found/i, 'avatar file deleted');
      await assert.rejects(storage.get(storage.keyOf(thumb)!), /not found/i, 'course thumbnail deleted');

      // The token now names nobody.
      const again = await call('GET', '/users/me', user);
      assert.equal(again.statusCode, 401);
      assert.equal((await call('DELETE', '/users/me', user)).statusCode, 401);
    });

    it('keeps an avatar file that another profile still shows', async () => {
      const { storage } = t.app.deps;
      const [user, other] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
      const shared = (await storage.put({ folder: 'avatars', extension: '.jpg', body: Buffer.from('shared') })).url;
      await t.db.query('UPDATE users SET avatar_url = $2 WHERE id = ANY($1)', [[user.id, other.id], shared]);
      assert.equal((await call('DELETE', '/users/me', user)).statusCode, 204);
      assert.deepEqual(await storage.get(storage.keyOf(shared)!), Buffer.from('shared'));
    });

    it('deletes a user whose avatar is an external URL', async () => {
      const user = await createUser(t.db, t.config);
      await t.db.query(`UPDATE users SET avatar_url = 'https://elsewhere.example.com/a.jpg' WHERE id = $1`, [user.id]);
      assert.equal((await call('DELETE', '/users/me', user)).statusCode, 204);
      assert.equal((await countRows(user.id)).users, 0);
    });
  });

  describe('DELETE /users/me with Sign in with Apple', () => {
    let fake: FakeProviders;
    let apple: TestApp;
    before(async () => {
      fake = await FakeProviders.start();
      apple = await createTestApp({ ...fake.config(), RATE_LIMIT_PER_MINUTE: '100000' });
    });
    after(async () => {
      await apple.close();
      await fake.close();
    });

    async function appleUser(refreshToken: string): Promise<TestUser> {
      const user = await createUser(apple.db, apple.config);
      await apple.db.query(
        `INSERT INTO social_accounts (user_id, provider, provider_id, provider_refresh_token) VALUES ($1, 'apple', $2, $3)`,
        [user.id, randomUUID(), refreshToken],
      );
      return user;
    }
    const remove = (user: TestUser) => apple.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: user.auth });

    it('revokes the Apple authorisation, then deletes the account', async () => {
      const token = `apple-refresh-${randomUUID()}`;
      const user = await appleUser(token);
      assert.equal((await remove(user)).statusCode, 204);
      assert.ok(fake.appleRevoked.includes(token), 'Apple was asked to revoke the token');
      assert.equal((await apple.db.query('SELECT 1 FROM users WHERE id = $1', [user.id])).rowCount, 0);
    });

    it('deletes the account even when Apple cannot be reached', async () => {
      const user = await appleUser(`apple-refresh-${randomUUID()}`);
      fake.down = true;
      try {
        assert.equal((await remove(user)).statusCode, 204);
      } finally {
        fake.down = false;
      }
      assert.equal((await apple.db.query('SELECT 1 FROM users WHERE id = $1', [user.id])).rowCount, 0);
      assert.equal((await apple.db.query('SELECT 1 FROM social_accounts WHERE user_id = $1', [user.id])).rowCount, 0);
    });
  });
});
