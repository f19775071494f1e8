import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../src/infra/db/database.js';
import { computeDifficulty } from '../src/features/courses/difficulty.js';
import { NEARBY_SQL, boundsSql } from '../src/features/courses/queries.js';
import { createTestApp, usingEmbeddedDb, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';

type Position = [number, number];

const M_PER_DEG = 111_320;
/** Jeju, away from the file's other coordinates (the file starts on an empty database, see scripts/test.ts). */
const BASE = { lat: 33.4996, lng: 126.5312 };
/** [lng, lat] `east` and `north` metres from `from`. */
const offset = (east: number, north: number, from = BASE): Position => [
  from.lng + east / (M_PER_DEG * Math.cos((from.lat * Math.PI) / 180)),
  from.lat + north / M_PER_DEG,
];
/** A 500 m line going north from its start. */
const lineFrom = ([lng, lat]: Position): Position[] => [[lng, lat], offset(0, 500, { lng, lat })];
/** A title token no other course has. */
const token = () => `t${randomUUID().slice(0, 8)}`;

async function insertRun(
  db: Queryable,
  userId: string,
  opts: { route?: Position[] | null; source?: string; courseId?: string; courseDurationSeconds?: number } = {},
): Promise<string> {
  const route = opts.route === undefined ? lineFrom(offset(0, 0)) : opts.route;
  const { rows: sessions } = await db.query<{ id: string }>(
    `INSERT INTO run_sessions (user_id, course_id, status, started_at) VALUES ($1, $2, 'completed', now() - interval '1 hour') RETURNING id`,
    [userId, opts.courseId ?? null],
  );
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO run_records (user_id, session_id, course_id, distance_meters, duration_seconds, started_at, finished_at,
                              route_geometry, source, course_completed, course_duration_seconds)
     VALUES ($1, $2, $3, 3000, 900, now() - interval '1 hour', now(),
             ST_SetSRID(ST_GeomFromGeoJSON($4), 4326)::geography, $5, $6, $7)
     RETURNING id`,
    [
      userId, sessions[0]!.id, opts.courseId ?? null, route ? JSON.stringify({ type: 'LineString', coordinates: route }) : null,
      opts.source ?? 'app', opts.courseDurationSeconds !== undefined, opts.courseDurationSeconds ?? null,
    ],
  );
  return rows[0]!.id;
}

describe('courses', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    t = await createTestApp();
    alice = await createUser(t.db, t.config);
    bob = await createUser(t.db, t.config);
  });
  after(() => t.close());

  const body = (runId: string, fields: Record<string, unknown> = {}) => ({
    run_record_id: runId,
    title: 'River loop',
    route_geometry: { type: 'LineString', coordinates: lineFrom(offset(0, 0)) },
    distance_meters: 3000,
    estimated_duration_seconds: 900,
    ...fields,
  });

  const post = (user: TestUser, payload: unknown) =>
    t.app.inject({ method: 'POST', url: '/api/v1/courses', headers: user.auth, payload: payload as object });

  /** A course of `user` created through the API; returns its id. */
  async function createCourse(user: TestUser, fields: Record<string, unknown> = {}): Promise<string> {
    const res = await post(user, body(await insertRun(t.db, user.id), fields));
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id;
  }

  const get = (url: string, user?: TestUser) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: user?.auth ?? {} });

  const courseRow = async (id: string) =>
    (
      await t.db.query<Record<string, unknown>>(
        `SELECT title, description, is_public, tags, distance_meters, estimated_duration_seconds, elevation_gain_meters, difficulty,
                thumbnail_url, run_record_id, ST_X(start_point::geometry) AS start_lng, ST_Y(start_point::geometry) AS start_lat,
                ST_NPoints(route_geometry::geometry) AS points
           FROM courses WHERE id = $1`,
        [id],
      )
    ).rows[0];

  describe('POST /courses', () => {
    it('creates a course from the caller’s run, with its stats row and start point', async () => {
      const runId = await insertRun(t.db, alice.id);
      const route = [offset(10, 10), offset(10, 400), offset(300, 400)];
      const res = await post(alice, body(runId, { route_geometry: { type: 'LineString', coordinates: route }, tags: [' river ', 'flat'] }));
      assert.equal(res.statusCode, 201, res.body);
      const created = res.json();
      assert.deepEqual(Object.keys(created).sort(), ['created_at', 'distance_meters', 'id', 'share_url', 'thumbnail_url', 'title']);
      assert.equal(created.title, 'River loop');
      assert.equal(created.share_url, `${t.config.publicBaseUrl}/courses/${created.id}`);
      assert.equal(created.thumbnail_url, `${t.config.publicBaseUrl}/api/v1/courses/${created.id}/thumbnail`);
      assert.match(created.created_at, /Z$/);

      const row = (await courseRow(created.id))!;
      assert.equal(row.run_record_id, runId);
      assert.equal(row.points, 3);
      assert.ok(Math.abs((row.start_lng as number) - route[0]![0]) < 1e-9 && Math.abs((row.start_lat as number) - route[0]![1]) < 1e-9);
      assert.deepEqual(row.tags, ['river', 'flat']);
      assert.equal(row.is_public, true);
      const stats = await t.db.query('SELECT total_runs FROM course_stats WHERE course_id = $1', [created.id]);
      assert.deepEqual(stats.rows, [{ total_runs: 0 }]);
    });

    it('answers 404 for someone else’s run or a missing one, 422 for a malformed id', async () => {
      const bobsRun = await insertRun(t.db, bob.id);
      const others = await post(alice, body(bobsRun));
      assert.equal(others.statusCode, 404);
      assert.equal(others.json().code, 'NOT_FOUND');
      assert.equal((await post(alice, body(randomUUID()))).statusCode, 404);
      const malformed = await post(alice, body('not-a-uuid'));
      assert.equal(malformed.statusCode, 422);
      assert.deepEqual(malformed.json().detail[0].loc, ['body', 'run_record_id']);
      const { rows } = await t.db.query('SELECT 1 FROM courses WHERE run_record_id = $1', [bobsRun]);
      assert.equal(rows.length, 0);
    });

    it('rounds fractional numbers (M1)', async () => {
      const res = await post(alice, body(await insertRun(t.db, alice.id), { distance_meters: 1234.5, estimated_duration_seconds: 600.4, elevation_gain_meters: 10.5 }));
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().distance_meters, 1235);
      const row = (await courseRow(res.json().id))!;
      assert.equal(row.distance_meters, 1235);
      assert.equal(row.estimated_duration_seconds, 600);
      assert.equal(row.elevation_gain_meters, 11);
    });

    it('refuses coordinates out of range, naming the position', async () => {
      const runId = await insertRun(t.db, alice.id);
      const badLat = await post(alice, body(runId, { route_geometry: { coordinates: [offset(0, 0), [BASE.lng, 91]] } }));
      assert.equal(badLat.statusCode, 422);
      assert.equal(badLat.json().code, 'VALIDATION_ERROR');
      assert.deepEqual(badLat.json().detail[0].loc, ['body', 'route_geometry', 'coordinates', 1, 1]);
      const badLng = await post(alice, body(runId, { route_geometry: { coordinates: [[-180.5, BASE.lat], offset(0, 0)] } }));
      assert.equal(badLng.statusCode, 422);
      assert.deepEqual(badLng.json().detail[0].loc, ['body', 'route_geometry', 'coordinates', 0, 0]);
      const oneNumber = await post(alice, body(runId, { route_geometry: { coordinates: [[BASE.lng]] } }));
      assert.equal(oneNumber.statusCode, 422);
      const tooMany = await post(alice, body(runId, { route_geometry: { coordinates: Array.from({ length: 10_001 }, (_, i) => offset(i, 0)) } }));
      assert.equal(tooMany.statusCode, 422);
      const { rows } = await t.db.query('SELECT 1 FROM courses WHERE run_record_id = $1', [runId]);
      assert.equal(rows.length, 0);
    });

    it('uses the run’s own route when the body’s has fewer than two distinct positions', async () => {
      const runRoute = [offset(50, 50), offset(50, 300), offset(200, 300), offset(200, 600)];
      const runId = await insertRun(t.db, alice.id, { route: runRoute });
      const onePoint = await post(alice, body(runId, { route_geometry: { coordinates: [offset(9000, 9000)] } }));
      assert.equal(onePoint.statusCode, 201, onePoint.body);
      const row = (await courseRow(onePoint.json().id))!;
      assert.equal(row.points, 4);
      assert.ok(Math.abs((row.start_lat as number) - runRoute[0]![1]) < 1e-9);
      const absent = await post(alice, { ...body(runId), route_geometry: undefined });
      assert.equal(absent.statusCode, 201, absent.body);
      assert.equal((await courseRow(absent.json().id))!.points, 4);
    });

    it('thins a very long recorded route to at most 10,000 positions, keeping both ends', async () => {
      const long = Array.from({ length: 12_001 }, (_, i) => offset(i, i % 2));
      const res = await post(alice, { ...body(await insertRun(t.db, alice.id, { route: long })), route_geometry: null });
      assert.equal(res.statusCode, 201, res.body);
      const { rows } = await t.db.query<{ points: number; end_lng: number }>(
        'SELECT ST_NPoints(route_geometry::geometry) AS points, ST_X(ST_EndPoint(route_geometry::geometry)) AS end_lng FROM courses WHERE id = $1',
        [res.json().id],
      );
      assert.ok(rows[0]!.points <= 10_000 && rows[0]!.points > 5000, String(rows[0]!.points));
      assert.ok(Math.abs(rows[0]!.end_lng - long[long.length - 1]![0]) < 1e-9);
    });

    it('refuses a course with no usable route', async () => {
      const runId = await insertRun(t.db, alice.id, { route: null });
      const same = offset(0, 0);
      for (const coordinates of [[offset(0, 0)], [same, same], []]) {
        const res = await post(alice, body(runId, { route_geometry: { coordinates } }));
        assert.equal(res.statusCode, 422, JSON.stringify(coordinates));
        assert.equal(res.json().code, 'INVALID_ROUTE');
      }
    });

    it('validates title, description and tags', async () => {
      const runId = await insertRun(t.db, alice.id);
      for (const fields of [{ title: 'x' }, { title: '   x   ' }, { title: 'x'.repeat(31) }, { description: 'd'.repeat(501) }, { tags: Array(11).fill('a').map((a, i) => a + i) }, { distance_meters: 0 }, { distance_meters: '12' }]) {
        const res = await post(alice, body(runId, fields));
        assert.equal(res.statusCode, 422, JSON.stringify(fields));
      }
      const trimmed = await post(alice, body(runId, { title: '  Hangang  ', description: '  ' }));
      assert.equal(trimmed.statusCode, 201);
      const row = (await courseRow(trimmed.json().id))!;
      assert.equal(row.title, 'Hangang');
      assert.equal(row.description, null);
    });

    it('keeps courses made from Strava activities private', async () => {
      const runId = await insertRun(t.db, alice.id, { source: 'strava' });
      const publicOne = await post(alice, body(runId));
      assert.equal(publicOne.statusCode, 403);
      assert.equal(publicOne.json().code, 'STRAVA_DATA_PRIVATE');
      const privateOne = await post(alice, body(runId, { is_public: false }));
      assert.equal(privateOne.statusCode, 201);
      const id = privateOne.json().id;
      const publish = await t.app.inject({ method: 'PATCH', url: `/api/v1/courses/${id}`, headers: alice.auth, payload: { is_public: true } });
      assert.equal(publish.statusCode, 403);
      assert.equal((await courseRow(id))!.is_public, false);
    });
  });

  describe('difficulty', () => {
    it('follows the RULES §4.3 formula', () => {
      const d = (distanceMeters: number, elevationGainMeters: number, completionRate: number | null = null) =>
        computeDifficulty({ distanceMeters, elevationGainMeters, completionRate });
      assert.equal(d(3000, 0), 'easy'); // 9 + 0 + 0 + 10 = 19
      assert.equal(d(5000, 50), 'normal'); // 15 + 5 + 3.3 + 10 = 33.3
      assert.equal(d(5000, 40), 'easy'); // 15 + 4 + 2.7 + 10 = 31.7
      assert.equal(d(10_000, 300), 'hard'); // 30 + 30 + 10 + 10 = 80
      assert.equal(d(8000, 150), 'normal'); // 24 + 15 + 6.25 + 10 = 55.25
      assert.equal(d(8000, 150, 0), 'normal'); // nobody finishes: 24 + 15 + 6.25 + 20 = 65.25
      assert.equal(d(8000, 160, 0), 'hard'); // 24 + 16 + 6.67 + 20 = 66.67
      assert.equal(d(8000, 160, 1), 'normal'); // everybody finishes: 24 + 16 + 6.67 + 0 = 46.67
      assert.equal(d(0, 0), 'easy');
      assert.equal(d(50_000, 5000, 1), 'hard'); // capped scores: 30 + 30 + 20 + 0 = 80
    });

    it('is stored at creation', async () => {
      const easy = await createCourse(alice, { distance_meters: 3000, elevation_gain_meters: 0 });
      const hard = await createCourse(alice, { distance_meters: 10_000, elevation_gain_meters: 300 });
      assert.equal((await courseRow(easy))!.difficulty, 'easy');
      assert.equal((await courseRow(hard))!.difficulty, 'hard');
      assert.equal((await get(`/courses/${hard}`)).json().difficulty, 'hard');
    });
  });

  describe('GET /courses', () => {
    it('matches %, _ and \\ in the search literally', async () => {
      const tok = token();
      const percent = await createCourse(alice, { title: `${tok} 100% road` });
      await createCourse(alice, { title: `${tok} 1000 road` });
      const underscore = await createCourse(alice, { title: `${tok} a_b` });
      await createCourse(alice, { title: `${tok} axb` });
      const backslash = await createCourse(alice, { title: `${tok} c\\d` });
      const ids = async (search: string) =>
        ((await get(`/courses?search=${encodeURIComponent(search)}`)).json().data as { id: string }[]).map((c) => c.id);
      assert.deepEqual(await ids(`${tok} 100%`), [percent]);
      assert.deepEqual(await ids(`${tok} a_b`), [underscore]);
      assert.deepEqual(await ids(`${tok} c\\d`), [backslash]);
      assert.equal((await ids(tok)).length, 5);
      assert.equal((await get('/courses?search=')).statusCode, 422);
    });

    it('pages with total_count and has_next, never repeating a course', async () => {
      const tok = token();
      const made = new Set<string>();
      for (let i = 0; i < 5; i++) made.add(await createCourse(alice, { title: `${tok} ${i}` }));
      // Equal creation times: the id decides, so pages stay stable.
      await t.db.query(`UPDATE courses SET created_at = '2024-01-01Z' WHERE id = ANY($1::uuid[])`, [[...made]]);
      const seen: string[] = [];
      for (const [page, size, hasNext] of [[0, 2, true], [1, 2, true], [2, 1, false]] as const) {
        const res = await get(`/courses?search=${tok}&order_by=created_at&page=${page}&per_page=2`);
        assert.equal(res.statusCode, 200);
        const list = res.json();
        assert.equal(list.total_count, 5);
        assert.equal(list.has_next, hasNext);
        assert.equal(list.data.length, size);
        seen.push(...list.data.map((c: { id: string }) => c.id));
      }
      assert.deepEqual(new Set(seen), made);
      assert.equal(seen.length, 5);
      const beyond = (await get(`/courses?search=${tok}&page=3&per_page=2`)).json();
      assert.deepEqual([beyond.data.length, beyond.total_count, beyond.has_next], [0, 5, false]);
      assert.equal((await get('/courses?per_page=101')).statusCode, 422);
      assert.equal((await get('/courses?page=-1')).statusCode, 422);
    });

    it('lists public courses only, with the list item fields', async () => {
      const tok = token();
      const shown = await createCourse(alice, { title: `${tok} public` });
      await createCourse(alice, { title: `${tok} private`, is_public: false });
      const res = await get(`/courses?search=${tok}`);
      const list = res.json();
      assert.deepEqual(list.data.map((c: { id: string }) => c.id), [shown]);
      const item = list.data[0];
      assert.deepEqual(Object.keys(item).sort(), [
        'created_at', 'creator', 'difficulty', 'distance_meters', 'elevation_gain_meters',
        'estimated_duration_seconds', 'id', 'like_count', 'route_preview', 'stats', 'thumbnail_url', 'title',
      ]);
      assert.deepEqual(item.creator, { id: alice.id, nickname: alice.nickname, avatar_url: null });
      assert.deepEqual(item.stats, { total_runs: 0, unique_runners: 0, avg_pace_seconds_per_km: null });
      assert.equal('distance_from_user_meters' in item, false, 'without a location it is left out (optional in the app)');
      assert.equal(item.like_count, 0);
    });

    it('sorts by each order_by, and by title relevance for a search without one', async () => {
      const tok = token();
      const a = await createCourse(alice, { title: `x ${tok} x`, distance_meters: 5000 });
      const b = await createCourse(alice, { title: `${tok} b`, distance_meters: 1000 });
      const c = await createCourse(alice, { title: tok, distance_meters: 3000 });
      await t.db.query(`UPDATE courses SET created_at = $2 WHERE id = $1`, [a, '2024-03-01Z']);
      await t.db.query(`UPDATE courses SET created_at = $2 WHERE id = $1`, [b, '2024-01-01Z']);
      await t.db.query(`UPDATE courses SET created_at = $2 WHERE id = $1`, [c, '2024-02-01Z']);
      await t.db.query(`UPDATE course_stats SET total_runs = $2 WHERE course_id = $1`, [b, 7]);
      await t.db.query(`UPDATE course_stats SET total_runs = $2 WHERE course_id = $1`, [c, 3]);
      const order = async (query: string) =>
        ((await get(`/courses?search=${tok}${query}`)).json().data as { id: string }[]).map((x) => x.id);
      assert.deepEqual(await order(''), [c, b, a]); // exact, prefix, contains
      assert.deepEqual(await order('&order_by=created_at'), [a, c, b]);
      assert.deepEqual(await order('&order_by=created_at&order=asc'), [b, c, a]);
      assert.deepEqual(await order('&order_by=distance_meters&order=asc'), [b, c, a]);
      assert.deepEqual(await order('&order_by=total_runs'), [b, c, a]);
      assert.deepEqual(await order('&order_by=total_runs&order=asc'), [a, c, b]);
      assert.equal((await get('/courses?order_by=title')).statusCode, 422);
    });

    it('filters by distance (inclusive) and by nearness, reporting the distance', async () => {
      const tok = token();
      const origin = { lng: BASE.lng + 0.5, lat: BASE.lat };
      const short = await createCourse(alice, { title: `${tok} s`, distance_meters: 1000, route_geometry: { coordinates: lineFrom(offset(1000, 0, origin)) } });
      const mid = await createCourse(alice, { title: `${tok} m`, distance_meters: 3000, route_geometry: { coordinates: lineFrom(offset(0, 3000, origin)) } });
      const long = await createCourse(alice, { title: `${tok} l`, distance_meters: 8000, route_geometry: { coordinates: lineFrom(offset(20_000, 0, origin)) } });
      const ids = async (query: string) => ((await get(`/courses?search=${tok}${query}`)).json().data as { id: string }[]).map((x) => x.id);
      assert.deepEqual(new Set(await ids('&min_distance=1000&max_distance=3000')), new Set([short, mid]));
      assert.deepEqual(await ids('&min_distance=3000.5'), [long]);
      const near = `&near_lat=${origin.lat}&near_lng=${origin.lng}&near_radius=5000&order_by=distance_from_user&order=asc`;
      const res = (await get(`/courses?search=${tok}${near}`)).json();
      assert.deepEqual(res.data.map((x: { id: string }) => x.id), [short, mid]);
      assert.equal(res.total_count, 2);
      assert.ok(Math.abs(res.data[0].distance_from_user_meters - 1000) < 20, String(res.data[0].distance_from_user_meters));
      assert.ok(Math.abs(res.data[1].distance_from_user_meters - 3000) < 60, String(res.data[1].distance_from_user_meters));
      assert.equal((await get(`/courses?near_lat=91&near_lng=0`)).statusCode, 422);
      assert.equal((await get(`/courses?near_lat=0&near_lng=0&near_radius=50`)).statusCode, 422);
    });
  });

  describe('GET /courses/nearby', () => {
    it('returns public courses starting within the radius, nearest first, up to the limit', async () => {
      const origin = { lng: BASE.lng - 0.5, lat: BASE.lat };
      const at = (east: number, fields: Record<string, unknown> = {}) =>
        createCourse(alice, { route_geometry: { coordinates: lineFrom(offset(east, 0, origin)) }, ...fields });
      const far = await at(3000);
      const near = await at(100);
      const middle = await at(1000);
      await at(8000);
      await at(50, { is_public: false });
      const url = (query: string) => `/courses/nearby?lat=${origin.lat}&lng=${origin.lng}${query}`;
      const res = await get(url('&radius=5000&limit=10'));
      assert.equal(res.statusCode, 200);
      const list = res.json() as { id: string; distance_from_user_meters: number }[];
      assert.deepEqual(list.map((c) => c.id), [near, middle, far]);
      assert.ok(Math.abs(list[0]!.distance_from_user_meters - 100) < 5);
      assert.deepEqual(Object.keys(list[0]!).sort(), [
        'active_runners', 'avg_pace_seconds_per_km', 'avg_rating', 'creator_nickname', 'difficulty', 'distance_from_user_meters',
        'distance_meters', 'estimated_duration_seconds', 'id', 'like_count', 'route_preview', 'thumbnail_url', 'title', 'total_runs',
      ]);
      assert.deepEqual((await get(url('&radius=5000&limit=2'))).json().map((c: { id: string }) => c.id), [near, middle]);
      assert.equal((await get(url('&radius=10000&limit=10'))).json().length, 4);
      assert.equal((await get(url(''))).json().length, 3); // defaults: 5000 m, 5 courses
      assert.equal((await get(url('&limit=51'))).statusCode, 422);
      assert.equal((await get('/courses/nearby?lat=0')).statusCode, 422);
    });
  });

  describe('GET /courses/bounds', () => {
    it('returns markers in the box with rating, runners, is_new and the caller’s rank', async () => {
      const origin = { lng: BASE.lng, lat: BASE.lat + 0.5 };
      const inside = await createCourse(alice, { route_geometry: { coordinates: lineFrom(offset(500, 500, origin)) } });
      await createCourse(alice, { route_geometry: { coordinates: lineFrom(offset(-500, 500, origin)) } });
      await createCourse(alice, { route_geometry: { coordinates: lineFrom(offset(600, 600, origin)) }, is_public: false });
      await t.db.query(`INSERT INTO reviews (course_id, user_id, rating) VALUES ($1, $2, 4), ($1, $3, 5)`, [inside, alice.id, bob.id]);
      await t.db.query(`INSERT INTO run_sessions (user_id, course_id, status, started_at) VALUES ($1, $2, 'active', now()), ($1, $2, 'completed', now())`, [bob.id, inside]);
      await t.db.query(
        `INSERT INTO rankings (course_id, user_id, best_duration_seconds, best_pace_seconds_per_km, achieved_at)
         VALUES ($1, $2, 300, 300, now()), ($1, $3, 250, 250, now())`,
        [inside, alice.id, bob.id],
      );
      const [west, south] = offset(0, 0, origin);
      const [east, north] = offset(1000, 1000, origin);
      const url = `/courses/bounds?sw_lat=${south}&sw_lng=${west}&ne_lat=${north}&ne_lng=${east}`;
      const anonymous = (await get(url)).json();
      assert.deepEqual(anonymous.map((m: { id: string }) => m.id), [inside]);
      const m = anonymous[0];
      assert.equal(m.avg_rating, 4.5);
      assert.equal(m.active_runners, 1);
      assert.equal(m.is_new, true);
      assert.equal(m.user_rank, null);
      assert.equal(m.creator_nickname, alice.nickname);
      assert.ok(Math.abs(m.start_lat - offset(500, 500, origin)[1]) < 1e-9);
      assert.ok(Math.abs(m.start_lng - offset(500, 500, origin)[0]) < 1e-9);
      assert.equal((await get(url, alice)).json()[0].user_rank, 2);
      assert.equal((await get(url, bob)).json()[0].user_rank, 1);
      await t.db.query(`UPDATE courses SET created_at = now() - interval '8 days' WHERE id = $1`, [inside]);
      assert.equal((await get(url)).json()[0].is_new, false);
    });

    it('refuses an inverted or oversized box and handles one across the antimeridian', async () => {
      const inverted = await get('/courses/bounds?sw_lat=10&sw_lng=0&ne_lat=9&ne_lng=1');
      assert.equal(inverted.statusCode, 422);
      assert.equal(inverted.json().code, 'VALIDATION_ERROR');
      assert.deepEqual(inverted.json().detail[0].loc, ['query', 'sw_lat']);
      assert.equal((await get('/courses/bounds?sw_lat=-60&sw_lng=0&ne_lat=60&ne_lng=1')).statusCode, 422);
      assert.equal((await get('/courses/bounds?sw_lat=0&sw_lng=100&ne_lat=1&ne_lng=-100')).statusCode, 422);

      const lat = -17.7; // Fiji
      const eastSide = await createCourse(alice, { route_geometry: { coordinates: [[179.95, lat], [179.96, lat + 0.001]] } });
      const westSide = await createCourse(alice, { route_geometry: { coordinates: [[-179.95, lat], [-179.96, lat + 0.001]] } });
      const elsewhere = await createCourse(alice, { route_geometry: { coordinates: [[0.5, lat], [0.51, lat]] } });
      const res = await get(`/courses/bounds?sw_lat=${lat - 0.01}&sw_lng=179.9&ne_lat=${lat + 0.01}&ne_lng=-179.9&limit=200`);
      assert.equal(res.statusCode, 200);
      const ids = res.json().map((m: { id: string }) => m.id);
      assert.ok(ids.includes(eastSide) && ids.includes(westSide), 'both sides of the antimeridian');
      assert.ok(!ids.includes(elsewhere));
    });
  });

  describe('GET /courses/{id} and /stats', () => {
    it('returns the detail with a 3-D GeoJSON route', async () => {
      const route = [offset(1, 2), offset(3, 400)];
      const id = await createCourse(alice, { description: 'by the river', route_geometry: { coordinates: route }, elevation_profile: [1, 2.5], tags: ['a'] });
      const res = await get(`/courses/${id}`);
      assert.equal(res.statusCode, 200);
      const detail = res.json();
      assert.equal(detail.route_geometry.type, 'LineString');
      assert.equal(detail.route_geometry.coordinates.length, 2);
      route.forEach(([lng, lat], i) => {
        const [x, y, z] = detail.route_geometry.coordinates[i];
        assert.ok(Math.abs(x - lng) < 1e-8 && Math.abs(y - lat) < 1e-8);
        assert.equal(z, 0);
      });
      assert.equal(detail.description, 'by the river');
      assert.deepEqual(detail.elevation_profile, [1, 2.5]);
      assert.deepEqual(detail.tags, ['a']);
      assert.deepEqual(detail.creator, { id: alice.id, nickname: alice.nickname, avatar_url: null });
      assert.equal(detail.is_public, true);
      assert.equal((await get(`/courses/${randomUUID()}`)).statusCode, 404);
      assert.equal((await get('/courses/not-a-uuid')).statusCode, 422);
      // A course stored without a profile: an empty one, as the app's type has no null for it.
      await t.db.query('UPDATE courses SET elevation_profile = NULL WHERE id = $1', [id]);
      assert.deepEqual((await get(`/courses/${id}`)).json().elevation_profile, []);
    });

    it('shows a private course and its stats to the owner only', async () => {
      const id = await createCourse(alice, { is_public: false });
      for (const path of [`/courses/${id}`, `/courses/${id}/stats`]) {
        assert.equal((await get(path, alice)).statusCode, 200, path);
        const other = await get(path, bob);
        assert.equal(other.statusCode, 404, path);
        assert.equal(other.json().code, 'NOT_FOUND');
        assert.equal((await get(path)).statusCode, 404, path);
        // A refused token: 401, so the app refreshes it and retries (the owner's token may just have expired).
        const stale = await t.app.inject({ method: 'GET', url: `/api/v1${path}`, headers: { authorization: 'Bearer nope' } });
        assert.equal(stale.statusCode, 401, path);
      }
      const publicId = await createCourse(alice);
      const stalePublic = await t.app.inject({ method: 'GET', url: `/api/v1/courses/${publicId}`, headers: { authorization: 'Bearer nope' } });
      assert.equal(stalePublic.statusCode, 200);
    });

    it('returns the stats row, or defaults without one', async () => {
      const id = await createCourse(alice);
      await t.db.query(
        `UPDATE course_stats SET total_runs = 4, unique_runners = 2, avg_duration_seconds = 1000, best_duration_seconds = 900,
                completion_rate = 0.5, runs_by_hour = '{"07": 3, "19": 1}' WHERE course_id = $1`,
        [id],
      );
      const stats = (await get(`/courses/${id}/stats`)).json();
      assert.equal(stats.course_id, id);
      assert.equal(stats.total_runs, 4);
      assert.equal(stats.completion_rate, 0.5);
      assert.deepEqual(stats.runs_by_hour, { '07': 3, '19': 1 });
      assert.match(stats.updated_at, /Z$/);
      await t.db.query('DELETE FROM course_stats WHERE course_id = $1', [id]);
      assert.deepEqual((await get(`/courses/${id}/stats`)).json(), {
        course_id: id, total_runs: 0, unique_runners: 0, avg_duration_seconds: null, avg_pace_seconds_per_km: null,
        best_duration_seconds: null, best_pace_seconds_per_km: null, completion_rate: 0, runs_by_hour: {}, updated_at: null,
      });
      assert.equal((await get(`/courses/${randomUUID()}/stats`)).statusCode, 404);
    });
  });

  describe('picture address', () => {
    // The page itself: test/web-pages.test.ts.
    // Serving the drawn picture: test/thumbnails.test.ts.
    it('answers the picture address with 404 THUMBNAIL_NOT_READY until drawn; private ones to the owner only', async () => {
      const id = await createCourse(alice, { is_public: false });
      const thumbnail = (user?: TestUser) => get(`/courses/${id}/thumbnail`, user);
      const pending = await thumbnail(alice);
      assert.equal(pending.statusCode, 404);
      assert.equal(pending.json().code, 'THUMBNAIL_NOT_READY');
      assert.equal(pending.headers['retry-after'], '5');
      // A picture the old server kept elsewhere: a redirect to it.
      await t.db.query(`UPDATE courses SET thumbnail_url = 'https://cdn.example.com/p.png' WHERE id = $1`, [id]);
      const drawn = await thumbnail(alice);
      assert.equal(drawn.statusCode, 302);
      assert.equal(drawn.headers.location, 'https://cdn.example.com/p.png');
      for (const stranger of [bob, undefined]) {
        const res = await thumbnail(stranger);
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().code, 'NOT_FOUND');
      }
    });
  });

  describe('PATCH and DELETE /courses/{id}', () => {
    const patch = (user: TestUser, id: string, payload: object) =>
      t.app.inject({ method: 'PATCH', url: `/api/v1/courses/${id}`, headers: user.auth, payload });
    const del = (user: TestUser, id: string) => t.app.inject({ method: 'DELETE', url: `/api/v1/courses/${id}`, headers: user.auth });

    it('lets the owner edit the given fields only', async () => {
      const id = await createCourse(alice, { description: 'old' });
      const res = await patch(alice, id, { title: ' New name ', tags: ['x'], is_public: null });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { id, title: 'New name', updated: true });
      let row = (await courseRow(id))!;
      assert.deepEqual([row.title, row.description, row.tags, row.is_public], ['New name', 'old', ['x'], true]);
      await patch(alice, id, { description: null, is_public: false });
      row = (await courseRow(id))!;
      assert.deepEqual([row.description, row.is_public], ['old', false]);
      await patch(alice, id, { description: '' });
      assert.equal((await courseRow(id))!.description, null);
      assert.equal((await patch(alice, id, { title: 'x' })).statusCode, 422);
    });

    it('refuses other users: 403 on a public course, 404 on a private one, nothing changes', async () => {
      const publicId = await createCourse(alice, { title: 'Stays' });
      const privateId = await createCourse(alice, { title: 'Hidden', is_public: false });
      const forbidden = await patch(bob, publicId, { title: 'Taken over' });
      assert.equal(forbidden.statusCode, 403);
      assert.equal(forbidden.json().code, 'PERMISSION_DENIED');
      assert.equal((await patch(bob, privateId, { title: 'Taken over' })).statusCode, 404);
      assert.equal((await del(bob, publicId)).statusCode, 403);
      assert.equal((await del(bob, privateId)).statusCode, 404);
      assert.equal((await del(bob, randomUUID())).statusCode, 404);
      assert.equal((await courseRow(publicId))!.title, 'Stays');
      assert.equal((await courseRow(privateId))!.title, 'Hidden');
    });

    it('deletes a course that has runs and rankings: runs stay without it', async () => {
      const id = await createCourse(alice);
      const bobsRun = await insertRun(t.db, bob.id, { courseId: id, courseDurationSeconds: 840 });
      await t.db.query(
        `INSERT INTO rankings (course_id, user_id, run_record_id, best_duration_seconds, best_pace_seconds_per_km, achieved_at)
         VALUES ($1, $2, $3, 840, 280, now())`,
        [id, bob.id, bobsRun],
      );
      await t.db.query(`INSERT INTO run_sessions (user_id, course_id, status, started_at) VALUES ($1, $2, 'active', now())`, [bob.id, id]);
      await t.db.query('INSERT INTO course_likes (user_id, course_id) VALUES ($1, $2)', [bob.id, id]);
      await t.db.query('INSERT INTO reviews (course_id, user_id, rating) VALUES ($1, $2, 5)', [id, bob.id]);

      const res = await del(alice, id);
      assert.equal(res.statusCode, 204);
      assert.equal(res.body, '');
      assert.equal(await courseRow(id), undefined);
      const run = await t.db.query('SELECT course_id, course_duration_seconds FROM run_records WHERE id = $1', [bobsRun]);
      assert.deepEqual(run.rows, [{ course_id: null, course_duration_seconds: null }]);
      for (const table of ['rankings', 'course_stats', 'course_likes', 'reviews', 'run_sessions']) {
        const { rows } = await t.db.query(`SELECT 1 FROM ${table} WHERE course_id = $1`, [id]);
        assert.equal(rows.length, 0, table);
      }
      assert.equal((await get(`/courses/${id}`)).statusCode, 404);
      assert.equal((await del(alice, id)).statusCode, 404);
    });
  });

  describe('GET /users/me/courses', () => {
    it('lists the caller’s courses, private ones too, newest first, with stats', async () => {
      const carol = await createUser(t.db, t.config);
      const first = await createCourse(carol, { title: 'First', description: 'Along the river' });
      const second = await createCourse(carol, { title: 'Second', is_public: false });
      await createCourse(bob, { title: 'Not mine' });
      await t.db.query(`UPDATE courses SET created_at = now() - interval '1 day' WHERE id = $1`, [first]);
      await t.db.query('UPDATE course_stats SET total_runs = 3, unique_runners = 2, avg_pace_seconds_per_km = 330 WHERE course_id = $1', [first]);
      const res = await get('/users/me/courses', carol);
      assert.equal(res.statusCode, 200);
      const list = res.json();
      assert.deepEqual(list.map((c: { id: string }) => c.id), [second, first]);
      assert.deepEqual(Object.keys(list[0]).sort(), ['course_type', 'created_at', 'description', 'difficulty', 'distance_meters', 'id', 'is_public', 'lap_count', 'stats', 'thumbnail_url', 'title']);
      assert.equal(list[0].is_public, false);
      assert.deepEqual(list[1].stats, { total_runs: 3, unique_runners: 2, avg_pace_seconds_per_km: 330 });
      assert.deepEqual([list[1].description, list[0].description], ['Along the river', null]);
      assert.equal((await get('/users/me/courses')).statusCode, 401);
    });
  });

  // PGlite (WASM) needs minutes to build a GIST index over enough rows for the planner to prefer it.
  const onlyRealPostgres = usingEmbeddedDb && 'needs a real PostgreSQL (DATABASE_URL)';
  it('answers the nearby and map queries through their GIST indexes', { skip: onlyRealPostgres }, async () => {
    await t.db.transaction(async (tx) => {
      await tx.query('SAVEPOINT seeded');
      await tx.query(
        `INSERT INTO courses (creator_id, title, distance_meters, route_geometry, start_point)
         SELECT $1, 'seed ' || g, 3000, ST_MakeLine(ST_MakePoint(lng, lat), ST_MakePoint(lng + 0.01, lat + 0.01))::geography,
                ST_MakePoint(lng, lat)::geography
           FROM generate_series(1, 20000) AS g,
                LATERAL (SELECT 126.8 + random() * 0.5 AS lng, 37.4 + random() * 0.3 AS lat) AS p`,
        [alice.id],
      );
      await tx.query('ANALYZE courses');
      const plan = await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${NEARBY_SQL}`, [127.0, 37.55, 5000, 20]);
      const text = JSON.stringify(plan.rows[0]!['QUERY PLAN']);
      assert.match(text, /"Index Name":"idx_courses_start_point"/, `plan uses the GIST index: ${text}`);
      const bounds = boundsSql([[127.0, 37.5, 127.05, 37.55]], 50, alice.id);
      const boundsPlan = await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${bounds.text}`, bounds.values);
      assert.match(JSON.stringify(boundsPlan.rows[0]!['QUERY PLAN']), /"Index Name":"idx_courses_public_start_geom"/);
      await tx.query('ROLLBACK TO SAVEPOINT seeded');
    });
  });
});
