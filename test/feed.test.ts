import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { insertCourse, insertRun } from './helpers/run-records.js';

const HOUR = 3600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

describe('follow feed', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const get = (url: string, user?: TestUser) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: user?.auth ?? {} });
  const users = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(t.db, t.config)));
  const follow = (from: TestUser, to: TestUser) =>
    t.db.query('INSERT INTO follows (follower_id, following_id) VALUES ($1, $2)', [from.id, to.id]);
  async function course(owner: TestUser, title: string, isPublic: boolean, createdAt = new Date()) {
    const id = await insertCourse(t.db, owner.id, { isPublic, distanceMeters: 4200 });
    await t.db.query('UPDATE courses SET title = $2, created_at = $3 WHERE id = $1', [id, title, createdAt]);
    return id;
  }
  async function session(user: TestUser, f: { status?: string; startedAt?: Date; courseId?: string | null } = {}) {
    const startedAt = f.startedAt ?? ago(10 * 60_000);
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO run_sessions (user_id, course_id, status, started_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
      [user.id, f.courseId ?? null, f.status ?? 'active', startedAt],
    );
    return rows[0]!.id;
  }

  it('needs a token', async () => {
    assert.equal((await get('/follows/friends-running')).statusCode, 401);
    assert.equal((await get('/follows/activity-feed')).statusCode, 401);
  });

  describe('GET /follows/activity-feed', () => {
    it('shows runs and public courses of followed users, newest first, and never Strava runs or anything private', async () => {
      const [me, friend, stranger] = await users(3);
      await follow(me!, friend!);
      const publicCourse = await course(friend!, 'River loop', true, ago(5 * HOUR));
      const privateCourse = await course(friend!, 'Secret hill', false, ago(4 * HOUR));
      await course(friend!, 'Old course', true, ago(8 * 24 * HOUR));
      await course(stranger!, 'Not followed', true, ago(HOUR));

      const plain = await insertRun(t.db, { userId: friend!.id, finishedAt: ago(1 * HOUR), distanceMeters: 5123, durationSeconds: 1700, avgPace: 332 });
      const onPublic = await insertRun(t.db, { userId: friend!.id, courseId: publicCourse, finishedAt: ago(2 * HOUR), completed: true });
      const strava = await insertRun(t.db, { userId: friend!.id, finishedAt: ago(30 * 60_000), source: 'strava' });
      const onPrivate = await insertRun(t.db, { userId: friend!.id, courseId: privateCourse, finishedAt: ago(3 * HOUR) });
      const old = await insertRun(t.db, { userId: friend!.id, finishedAt: ago(8 * 24 * HOUR) });
      const strangers = await insertRun(t.db, { userId: stranger!.id, finishedAt: ago(HOUR) });
      const gpx = await insertRun(t.db, { userId: friend!.id, finishedAt: ago(6 * HOUR), source: 'gpx_upload' });

      const res = await get('/follows/activity-feed', me);
      assert.equal(res.statusCode, 200);
      const data = res.json().data as Record<string, unknown>[];
      assert.deepEqual(
        data.map((i) => [i.type, i.run_id ?? i.course_id]),
        [
          ['run_completed', plain],
          ['run_completed', onPublic],
          ['course_created', publicCourse],
          ['run_completed', gpx],
        ],
      );
      const shown = JSON.stringify(data);
      for (const hidden of [strava, onPrivate, old, strangers, privateCourse]) assert.ok(!shown.includes(hidden));
      assert.ok(!shown.includes('Secret hill'));

      assert.deepEqual(data[0], {
        type: 'run_completed',
        user_id: friend!.id,
        nickname: friend!.nickname,
        avatar_url: null,
        run_id: plain,
        distance_meters: 5123,
        duration_seconds: 1700,
        avg_pace_seconds_per_km: 332,
        course_title: null,
        course_id: null,
        course_title_created: null,
        course_distance_meters: null,
        created_at: data[0]!.created_at,
      });
      assert.equal(data[1]!.course_title, 'River loop');
      assert.deepEqual(
        [data[2]!.course_title_created, data[2]!.course_distance_meters, data[2]!.run_id, data[2]!.distance_meters, data[2]!.avg_pace_seconds_per_km],
        ['River loop', 4200, null, null, null],
      );
      assert.match(String(data[0]!.created_at), /Z$/);

      const limited = await get('/follows/activity-feed?limit=2', me);
      assert.deepEqual((limited.json().data as { run_id: string }[]).map((i) => i.run_id), [plain, onPublic]);
      assert.equal((await get('/follows/activity-feed?limit=51', me)).statusCode, 422);
      assert.equal((await get('/follows/activity-feed?limit=0', me)).statusCode, 422);
      // Nothing for someone who follows nobody.
      assert.deepEqual((await get('/follows/activity-feed', stranger)).json(), { data: [] });
    });

    it('hides a run once its course turns private', async () => {
      const [me, friend] = await users(2);
      await follow(me!, friend!);
      const c = await course(friend!, 'Turns private', true);
      const run = await insertRun(t.db, { userId: friend!.id, courseId: c, finishedAt: ago(HOUR) });
      assert.ok(JSON.stringify((await get('/follows/activity-feed', me)).json()).includes(run));
      await t.db.query('UPDATE courses SET is_public = false WHERE id = $1', [c]);
      assert.deepEqual((await get('/follows/activity-feed', me)).json(), { data: [] });
    });
  });

  describe('GET /follows/friends-running', () => {
    it('lists active sessions of followed users heard from recently, newest start first, hiding private courses', async () => {
      const [me, a, b, stranger] = await users(4);
      await follow(me!, a!);
      await follow(me!, b!);
      const publicCourse = await course(a!, 'Public', true);
      const privateCourse = await course(b!, 'Private', false);
      const aRun = await session(a!, { startedAt: ago(20 * 60_000), courseId: publicCourse });
      const bRun = await session(b!, { startedAt: ago(5 * 60_000), courseId: privateCourse });
      await session(a!, { status: 'completed', startedAt: ago(2 * HOUR) });
      await session(a!, { startedAt: ago((t.config.RUN_SESSION_EXPIRE_HOURS + 1) * HOUR) });
      await session(stranger!);

      const res = await get('/follows/friends-running', me);
      assert.equal(res.statusCode, 200);
      const data = res.json().data as Record<string, unknown>[];
      assert.deepEqual(
        data.map((s) => [s.user_id, s.session_id, s.course_id, s.course_title]),
        [
          [b!.id, bRun, null, null],
          [a!.id, aRun, publicCourse, 'Public'],
        ],
      );
      assert.deepEqual(Object.keys(data[0]!).sort(), ['avatar_url', 'course_id', 'course_title', 'nickname', 'session_id', 'started_at', 'user_id']);
      assert.equal(data[0]!.nickname, b!.nickname);

      // An old session that keeps sending chunks still counts as running.
      const marathon = await session(a!, { startedAt: ago((t.config.RUN_SESSION_EXPIRE_HOURS + 2) * HOUR) });
      await t.db.query('UPDATE run_sessions SET updated_at = now() WHERE id = $1', [marathon]);
      const again = (await get('/follows/friends-running', me)).json().data as { session_id: string }[];
      assert.deepEqual(again.map((s) => s.session_id), [bRun, aRun, marathon]);
    });
  });
});
