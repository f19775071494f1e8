// The newer app's changed calls of the older endpoints (issue 14 item 6; APP_V2.md "Changed older calls"), from
// `git diff 8531299 HEAD -- src/services/{course,user,ranking,run,auth}Service.ts src/types/api.ts` of the app.
// Each test makes the call as the newer app's service file does and checks the keys its types require; where the
// older app makes the same call, its older shape is checked too.
//
// | call (newer app)                                          | what changed                                        | status |
// |-----------------------------------------------------------|-----------------------------------------------------|--------|
// | GET /users/me (authService.getProfile)                    | user_code, gender, total_points required            | user_code/gender before; total_points now |
// | PATCH /users/me/profile (updateProfile)                   | activity_region; crew_name                          | before |
// | PUT /users/me/consent (submitConsent)                     | new                                                 | now |
// | POST /uploads/avatar (uploadAvatar)                       | only the MIME guess in the app                      | before (type from magic bytes, M4) |
// | POST /auth/login, /auth/dev-login                         | provider 'kakao' dropped; user.user_code optional   | before (left: user_code optional) |
// | GET /courses/nearby?lat&lng&radius=15000&limit            | radius default 15000; route_preview required        | radius before; route_preview now |
// | GET /courses/bounds?...&limit=500                         | limit 500 (was 422 over 200); dominion              | dominion before; limit now |
// | GET /courses?... (getCourses)                             | route_preview required                              | now |
// | GET /courses/{id} (getCourseDetail)                       | dominion, checkpoints optional                      | dominion before; checkpoints now (from the route) |
// | POST /courses (createCourse)                              | course_type, lap_count                              | now |
// | PATCH /courses/{id} (updateCourse)                        | course_type, lap_count                              | now |
// | GET /users/me/courses (getMyCourses)                      | description, course_type, lap_count required        | description before; rest now |
// | PATCH /courses/{id}/route (correctRoute)                  | new                                                 | now (both routes within 50 m both ways) |
// | GET/POST/PATCH/DELETE /courses/{id}/comments[/{id}]       | new                                                 | left: the old server never served them (model only), not done in time |
// | GET /courses/{id}/rankings?[filters&]limit=10             | envelope read; scope/gender/age_group/crew_id/country | filters now (envelope with any filter); `?limit=10` alone: a bare array (M2), the envelope on a NEWER_APP_HOSTS host |
// | GET /courses/{id}/rankings?[filters&]page&per_page        | same filters                                        | now |
// | GET /courses/{id}/my-ranking                              | rank_change optional                                | before (left: rank_change optional) |
// | rankings entries' user.crew_name/country, my_ranking.percentile | optional in the types, shown by CourseDetailScreen | now (gps_verified, rank_change left: the old server never sent them) |
// | GET /favorites/courses (getFavoriteCourses)               | route_preview optional, drawn by the list           | now |
// | GET /users/me/runs, /runs/{id}: route_preview, goal_data  | optional; goal_data sent on complete                | now |
// | GET /leaderboard/weekly?region&country&per_page           | new                                                 | now |
// | GET /users/{id}/profile (getPublicProfile)                | courses[].route_preview required; others optional   | route_preview, crew_name now |
// | GET /follows/search-by-code/{code}, POST /follows/by-code | new                                                 | now |
// | GET /users/me/analytics, PATCH /users/me/weekly-goal      | new                                                 | now |
// | POST /users/me/daily-checkin                              | new (points)                                        | now |
// | GET /users/{id}/followers|following?page&per_page         | new in the app, served                              | before |
// | GET /follows/friends-running, /follows/activity-feed      | avg_pace_seconds_per_km required in feed items      | before |
// | GET /users/search?q&page&per_page                         | new                                                 | now |
// | DELETE /users/me/account                                  | new path (older app: DELETE /users/me)              | now |
// | POST /runs/sessions/{id}/complete (runService)            | points_earned, user_stats_update.runner_level       | runner_level before; points_earned now |
// | runService's other calls                                  | unchanged file; chunk_type 'emergency' etc. in types | before |
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { insertCourse as insertRankedCourse, insertRun } from './helpers/run-records.js';
import { completionOf, deleteTestCourses, freshSpot, insertCourse, shifted } from './helpers/runs.js';
import { course, simulateRun, toLatLng, type XY } from './helpers/tracks.js';
import { haversineMeters } from '../src/features/matching/geo.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

type Json = Record<string, unknown>;
/** Every key present with the right type; `?` after a type allows null. */
function assertShape(body: Json, shape: Record<string, string>, where = '') {
  for (const [key, type] of Object.entries(shape)) {
    assert.ok(key in body, `${where}${key} missing`);
    const nullable = type.endsWith('?');
    const base = type.replace('?', '');
    const v = body[key];
    if (nullable && v === null) continue;
    if (base === 'array') assert.ok(Array.isArray(v), `${where}${key} should be an array`);
    else if (base === 'integer') assert.ok(Number.isInteger(v), `${where}${key} should be an integer, is ${JSON.stringify(v)}`);
    else assert.equal(typeof v, base, `${where}${key} should be ${type}, is ${JSON.stringify(v)}`);
  }
}
const assertPreview = (preview: unknown) => {
  assert.ok(Array.isArray(preview) && preview.length >= 2 && preview.length <= 51, `route_preview: ${JSON.stringify(preview)}`);
  for (const p of preview as unknown[]) assert.ok(Array.isArray(p) && p.length === 2 && p.every((n) => typeof n === 'number'));
};

describe('the newer app’s changed older calls', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ RATE_LIMIT_PER_MINUTE: '100000', NEWER_APP_HOSTS: 'runvs.run, api.example.org' });
  });
  after(async () => {
    await deleteTestCourses(t.db);
    await t.close();
  });

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, user: TestUser, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: user.auth, ...(payload ? { payload } : {}) });
  const user = () => createUser(t.db, t.config);

  describe('authService / userService: the account', () => {
    it('GET /users/me has every key UserProfile requires, total_points included', async () => {
      const me = await user();
      const res = await call('GET', '/users/me', me);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assertShape(body, {
        id: 'string', user_code: 'string', email: 'string?', nickname: 'string', avatar_url: 'string?', birthday: 'string?',
        gender: 'string?', height_cm: 'number?', weight_kg: 'number?', bio: 'string?', instagram_username: 'string?',
        country: 'string?', total_distance_meters: 'integer', total_runs: 'integer', total_points: 'integer', created_at: 'string',
      });
      assert.equal(body.total_points, 0);
    });

    it('PATCH /users/me/profile with activity_region answers the profile with total_points', async () => {
      const me = await user();
      const res = await call('PATCH', '/users/me/profile', me, { bio: 'hi', country: 'KR', activity_region: '서울 마포구' });
      assert.equal(res.statusCode, 200, res.body);
      assertShape(res.json(), { nickname: 'string', bio: 'string?', instagram_username: 'string?', country: 'string?', total_points: 'integer' });
      assert.equal(res.json().activity_region, '서울 마포구');
    });

    it('PUT /users/me/consent answers {status} and stamps the consents; a later "no" withdraws marketing only', async () => {
      const me = await user();
      const res = await call('PUT', '/users/me/consent', me, { terms: true, privacy: true, location: true, contacts: false, marketing: true });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { status: 'ok' });
      const row = async () =>
        (await t.db.query('SELECT consent_terms_at, consent_contacts_at, consent_marketing_at FROM users WHERE id = $1', [me.id])).rows[0]!;
      const first = await row();
      assert.ok(first.consent_terms_at instanceof Date);
      assert.equal(first.consent_contacts_at, null);
      assert.ok(first.consent_marketing_at instanceof Date);
      await call('PUT', '/users/me/consent', me, { terms: false, privacy: true, location: true, contacts: false, marketing: false });
      const second = await row();
      assert.ok(second.consent_terms_at instanceof Date, 'terms stay given');
      assert.equal(second.consent_marketing_at, null);
      assert.equal((await call('PUT', '/users/me/consent', me, { privacy: true })).statusCode, 422);
    });

    it('POST /users/me/daily-checkin pays 5 points once a day, even to concurrent duplicates', async () => {
      const me = await user();
      const answers = await Promise.all([1, 2, 3].map(() => t.app.inject({ method: 'POST', url: '/api/v1/users/me/daily-checkin', headers: me.auth })));
      for (const a of answers) {
        assert.equal(a.statusCode, 200, a.body);
        assertShape(a.json(), { checked_in: 'boolean', points_earned: 'integer', total_points: 'integer', already: 'boolean' });
      }
      const paid = answers.map((a) => a.json()).filter((b) => !b.already);
      assert.equal(paid.length, 1);
      assert.deepEqual(paid[0], { checked_in: true, points_earned: 5, total_points: 5, already: false });
      const again = (await call('POST', '/users/me/daily-checkin', me)).json();
      assert.deepEqual(again, { checked_in: true, points_earned: 0, total_points: 5, already: true });
      assert.equal((await call('GET', '/users/me', me)).json().total_points, 5);
      const { rows } = await t.db.query('SELECT amount, balance_after FROM point_transactions WHERE user_id = $1', [me.id]);
      assert.deepEqual(rows, [{ amount: 5, balance_after: 5 }]);
    });

    it('DELETE /users/me/account answers 200 {deleted: true} and removes the user; DELETE /users/me still answers 204', async () => {
      const [newer, older, other] = await Promise.all([user(), user(), user()]);
      await call('POST', '/users/me/daily-checkin', newer);
      await call('POST', '/users/me/daily-checkin', other);
      const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me/account', headers: newer.auth });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { deleted: true });
      const left = async (id: string) => (await t.db.query('SELECT 1 FROM users WHERE id = $1', [id])).rowCount;
      assert.equal(await left(newer.id), 0);
      assert.equal((await t.db.query('SELECT 1 FROM point_transactions WHERE user_id = $1', [newer.id])).rowCount, 0);
      assert.equal((await t.db.query('SELECT 1 FROM point_transactions WHERE user_id = $1', [other.id])).rowCount, 1);
      assert.equal((await call('DELETE', '/users/me', older)).statusCode, 204);
      assert.equal(await left(older.id), 0);
    });
  });

  describe('userService: search, codes, analytics', () => {
    it('GET /users/search?q&page&per_page answers {data, total_count, has_next} of nicknames containing q, literally', async () => {
      const me = await user();
      const tag = `s${Date.now() % 100000}`;
      const found = await Promise.all([0, 1, 2].map((i) => createUser(t.db, t.config, { nickname: `${tag}r${i}` })));
      await createUser(t.db, t.config, { nickname: `x${tag}_` });
      const res = await call('GET', `/users/search?q=${tag}r&page=0&per_page=2`, me);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.total_count, 3);
      assert.equal(body.has_next, true);
      assert.equal(body.data.length, 2);
      for (const item of body.data) assertShape(item, { id: 'string', nickname: 'string?', avatar_url: 'string?', crew_name: 'string?', activity_region: 'string?' });
      assert.deepEqual(body.data.map((d: Json) => d.id), found.slice(0, 2).map((u) => u.id));
      // "_" is a character, not a wildcard
      assert.equal((await call('GET', `/users/search?q=${tag}_`, me)).json().total_count, 1);
      assert.equal((await call('GET', '/users/search?q=', me)).statusCode, 422);
      // a private primary crew is named to its members only
      const { rows } = await t.db.query<{ id: string }>(`INSERT INTO crews (name, is_public) VALUES ($1, false) RETURNING id`, [`hidden ${tag}`]);
      await t.db.query('INSERT INTO crew_members (crew_id, user_id, grade_level) VALUES ($1, $2, 5)', [rows[0]!.id, found[0]!.id]);
      await t.db.query('UPDATE users SET primary_crew_id = $1 WHERE id = $2', [rows[0]!.id, found[0]!.id]);
      const crewOf = async (viewer: TestUser) => (await call('GET', `/users/search?q=${tag}r0`, viewer)).json().data[0].crew_name;
      assert.equal(await crewOf(me), null);
      assert.equal(await crewOf(found[0]!), `hidden ${tag}`);
    });

    it('GET /follows/search-by-code/{code} finds the user (any case), hides their Strava totals, 404 for an unknown code', async () => {
      const [me, them] = await Promise.all([user(), user()]);
      await insertRun(t.db, { userId: them.id, finishedAt: new Date(), distanceMeters: 4000 });
      await insertRun(t.db, { userId: them.id, finishedAt: new Date(), distanceMeters: 9000, source: 'strava' });
      await t.db.query('UPDATE users SET total_distance_meters = 13000, total_runs = 2 WHERE id = $1', [them.id]);
      const code = (await call('GET', '/users/me', them)).json().user_code as string;
      const res = await call('GET', `/follows/search-by-code/${encodeURIComponent(code.toLowerCase())}`, me);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assertShape(body, {
        id: 'string', user_code: 'string', nickname: 'string?', avatar_url: 'string?', bio: 'string?',
        total_distance_meters: 'integer', total_runs: 'integer', is_following: 'boolean',
      });
      assert.equal(body.id, them.id);
      assert.equal(body.total_distance_meters, 4000);
      assert.equal(body.total_runs, 1);
      assert.equal(body.is_following, false);
      assert.equal((await call('GET', '/follows/search-by-code/NOPE0000', me)).statusCode, 404);
    });

    it('POST /follows/by-code {user_code} follows (201), then 409; one’s own code is 422', async () => {
      const [me, them] = await Promise.all([user(), user()]);
      const code = (await call('GET', '/users/me', them)).json().user_code as string;
      const res = await call('POST', '/follows/by-code', me, { user_code: code });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().user.id, them.id);
      assert.equal((await call('POST', '/follows/by-code', me, { user_code: code })).statusCode, 409);
      const mine = (await call('GET', '/users/me', me)).json().user_code as string;
      assert.equal((await call('POST', '/follows/by-code', me, { user_code: mine })).statusCode, 422);
      assert.equal((await call('POST', '/follows/by-code', me, { user_code: 'NOPE0000' })).statusCode, 404);
      assert.equal((await call('GET', `/follows/search-by-code/${code}`, me)).json().is_following, true);
    });

    it('GET /users/{id}/followers and /following?page&per_page answer FollowListResponse', async () => {
      const [me, them] = await Promise.all([user(), user()]);
      await call('POST', `/users/${them.id}/follow`, me);
      const followers = (await call('GET', `/users/${them.id}/followers?page=0&per_page=20`, me)).json();
      assert.equal(followers.total_count, 1);
      assertShape(followers.data[0], { id: 'string', user: 'object', created_at: 'string' });
      assert.equal(followers.data[0].user.id, me.id);
      const following = (await call('GET', `/users/${me.id}/following?page=0&per_page=20`, me)).json();
      assert.equal(following.data[0].user.id, them.id);
    });

    it('GET /follows/friends-running and /follows/activity-feed?limit=20 answer {data} with the keys the app reads', async () => {
      const [me, them] = await Promise.all([user(), user()]);
      await call('POST', `/users/${them.id}/follow`, me);
      await insertRun(t.db, { userId: them.id, finishedAt: new Date(), distanceMeters: 5000, avgPace: 360 });
      const running = await call('GET', '/follows/friends-running', me);
      assert.equal(running.statusCode, 200);
      assert.ok(Array.isArray(running.json().data));
      const feed = await call('GET', '/follows/activity-feed?limit=20', me);
      assert.equal(feed.statusCode, 200, feed.body);
      const item = feed.json().data.find((i: Json) => i.type === 'run_completed');
      assert.ok(item, feed.body);
      assertShape(item, { run_id: 'string?', distance_meters: 'integer?', duration_seconds: 'integer?', avg_pace_seconds_per_km: 'integer?', course_title: 'string?' });
      assert.equal(item.avg_pace_seconds_per_km, 360);
    });

    it('PATCH /users/me/weekly-goal {goal_km} answers {weekly_goal_km}; GET /users/me/analytics reads it back with every AnalyticsData key', async () => {
      const me = await user();
      const goal = await call('PATCH', '/users/me/weekly-goal', me, { goal_km: 32.5 });
      assert.equal(goal.statusCode, 200, goal.body);
      assert.deepEqual(goal.json(), { weekly_goal_km: 32.5 });
      assert.equal((await call('PATCH', '/users/me/weekly-goal', me, { goal_km: 0 })).statusCode, 422);
      // a 5.2 km run at 6:00/km just now, a 12 km run at 5:00/km ten days ago
      await insertRun(t.db, { userId: me.id, finishedAt: new Date(), distanceMeters: 5200, durationSeconds: 1872, avgPace: 360 });
      await insertRun(t.db, { userId: me.id, finishedAt: new Date(Date.now() - 10 * 86400_000), distanceMeters: 12000, durationSeconds: 3600, avgPace: 300 });
      const res = await call('GET', '/users/me/analytics', me);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assertShape(body, { weekly_stats: 'array', pace_trend: 'array', activity_calendar: 'array', best_efforts: 'array', weekly_goal_km: 'number', weekly_current_km: 'number' });
      assert.equal(body.weekly_goal_km, 32.5);
      assert.ok(body.weekly_current_km >= 5.2, JSON.stringify(body));
      for (const w of body.weekly_stats) {
        assertShape(w, { week_start: 'string', distance_meters: 'integer', run_count: 'integer', duration_seconds: 'integer', avg_pace: 'integer?' });
        assert.match(w.week_start, DAY);
      }
      assert.equal(body.weekly_stats.reduce((n: number, w: Json) => n + (w.run_count as number), 0), 2);
      assert.deepEqual(body.pace_trend.map((p: Json) => p.avg_pace), [300, 360], 'oldest first');
      for (const p of body.pace_trend) assert.match(p.date, ISO);
      for (const d of body.activity_calendar) assertShape(d, { date: 'string', distance_meters: 'integer', run_count: 'integer' });
      assert.deepEqual(body.best_efforts.map((e: Json) => e.distance_label), ['1K', '3K', '5K', '10K', 'Half', 'Full']);
      const [oneK, , fiveK, tenK, half] = body.best_efforts;
      for (const e of body.best_efforts) {
        assertShape(e, { distance_label: 'string', target_meters: 'integer', best_time_seconds: 'integer?', best_pace: 'integer?', achieved_date: 'string?', run_id: 'string?' });
      }
      assert.equal(oneK.best_pace, 300);
      assert.equal(fiveK.best_time_seconds, 1500);
      assert.equal(tenK.best_pace, 300);
      assert.equal(half.best_time_seconds, null);
    });
  });

  describe('courseService', () => {
    const ROUTE: XY[] = [[0, 0], [400, 0], [400, 300], [800, 300]];

    it('GET /courses, /courses/nearby?radius=15000 and /courses/bounds?limit=500 carry route_preview; the older keys stay', async () => {
      const me = await user();
      const spot = freshSpot();
      const route = course(shifted(ROUTE, spot), 5);
      const id = await insertCourse(t.db, me.id, route, { title: 'preview course' });
      await t.db.query('INSERT INTO course_stats (course_id) VALUES ($1) ON CONFLICT DO NOTHING', [id]);
      const [lng, lat] = route[0]!;
      const list = await call('GET', `/courses?near_lat=${lat}&near_lng=${lng}&near_radius=1000&order_by=distance_from_user&order=asc&page=0&per_page=20`, me);
      assert.equal(list.statusCode, 200, list.body);
      const item = list.json().data.find((c: Json) => c.id === id);
      assertShape(item, {
        id: 'string', title: 'string', thumbnail_url: 'string?', distance_meters: 'integer', estimated_duration_seconds: 'integer?',
        elevation_gain_meters: 'integer', creator: 'object', stats: 'object', created_at: 'string', route_preview: 'array?',
      });
      assertPreview(item.route_preview);
      assert.deepEqual(item.route_preview[0], [Number(lng.toFixed(6)), Number(lat.toFixed(6))]);

      const nearby = await call('GET', `/courses/nearby?lat=${lat}&lng=${lng}&radius=15000&limit=5`, me);
      assert.equal(nearby.statusCode, 200, nearby.body);
      const near = nearby.json().find((c: Json) => c.id === id);
      assertShape(near, { id: 'string', title: 'string', thumbnail_url: 'string?', distance_meters: 'integer', total_runs: 'integer', route_preview: 'array?' });
      assertPreview(near.route_preview);

      const bounds = await call('GET', `/courses/bounds?sw_lat=${lat - 0.05}&sw_lng=${lng - 0.05}&ne_lat=${lat + 0.05}&ne_lng=${lng + 0.05}&limit=500`, me);
      assert.equal(bounds.statusCode, 200, bounds.body);
      assert.ok(bounds.json().some((m: Json) => m.id === id && 'dominion' in m));
    });

    it('GET /courses/{id} has checkpoints: start, every 500 m, finish, none within 200 m of it; none under 1 km', async () => {
      const me = await user();
      const metres = (a: { lat: number; lng: number }, b: Json) => haversineMeters(a.lat, a.lng, b.lat as number, b.lng as number);
      const checkpointsOf = async (path: XY[]) => {
        const res = await call('GET', `/courses/${await insertCourse(t.db, me.id, course(path, 5))}`, me);
        assert.equal(res.statusCode, 200, res.body);
        return res.json().checkpoints as Json[];
      };
      // 1,100 m: 500 m is in, 1,000 m is 100 m short of the finish and left out
      const bent = shifted(ROUTE, freshSpot());
      const cps = await checkpointsOf(bent);
      assert.deepEqual(cps.map((c) => [c.id, c.order]), [[1, 0], [2, 1], [3, 2]]);
      for (const c of cps) assertShape(c, { id: 'integer', order: 'integer', lat: 'number', lng: 'number', distance_from_start_meters: 'integer' });
      assert.deepEqual(cps.slice(0, 2).map((c) => c.distance_from_start_meters), [0, 500]);
      assert.ok(Math.abs((cps[2]!.distance_from_start_meters as number) - 1100) <= 5, JSON.stringify(cps[2]));
      // along the route: 500 m is 100 m up the second leg
      const [start, half, end] = [bent[0]!, [bent[1]![0], bent[1]![1] + 100] as const, bent[3]!].map(toLatLng);
      assert.ok(metres(start!, cps[0]!) < 1 && metres(half!, cps[1]!) < 3 && metres(end!, cps[2]!) < 1, JSON.stringify(cps));
      // 2,300 m straight: 2,000 m is 300 m from the finish and kept
      const long = await checkpointsOf(shifted([[0, 0], [2300, 0]], freshSpot()));
      assert.deepEqual(long.slice(0, -1).map((c) => c.distance_from_start_meters), [0, 500, 1000, 1500, 2000]);
      assert.deepEqual(await checkpointsOf(shifted([[0, 0], [900, 0]], freshSpot())), []);
    });

    it('POST /courses and PATCH /courses/{id} take course_type and lap_count; GET /users/me/courses answers them with description', async () => {
      const me = await user();
      const runId = await insertRun(t.db, { userId: me.id, finishedAt: new Date(), distanceMeters: 1200 });
      const spot = freshSpot();
      const coordinates = course(shifted(ROUTE, spot), 20).map(([x, y]) => [x, y, 0]);
      const created = await call('POST', '/courses', me, {
        run_record_id: runId, title: '한강 루프', description: 'loop', route_geometry: { type: 'LineString', coordinates },
        distance_meters: 1200, estimated_duration_seconds: 420, elevation_gain_meters: 0, elevation_profile: [], is_public: true,
        tags: [], course_type: 'loop', lap_count: 3,
      });
      assert.equal(created.statusCode, 201, created.body);
      const createdBody = created.json();
      assertShape(createdBody, { id: 'string', title: 'string', distance_meters: 'integer', thumbnail_url: 'string?', share_url: 'string?', created_at: 'string' });
      const mine = async () => (await call('GET', '/users/me/courses', me)).json().find((c: Json) => c.id === createdBody.id);
      const before = await mine();
      assertShape(before, {
        id: 'string', title: 'string', description: 'string?', distance_meters: 'integer', thumbnail_url: 'string?', is_public: 'boolean',
        course_type: 'string?', lap_count: 'integer?', created_at: 'string', stats: 'object',
      });
      assert.equal(before.course_type, 'loop');
      assert.equal(before.lap_count, 3);
      const patched = await call('PATCH', `/courses/${createdBody.id}`, me, { title: '한강 한바퀴', course_type: 'normal', lap_count: 1 });
      assert.equal(patched.statusCode, 200, patched.body);
      const after = await mine();
      assert.equal(after.course_type, 'normal');
      assert.equal(after.lap_count, 1);
      assert.equal((await call('PATCH', `/courses/${createdBody.id}`, me, { course_type: 'spiral' })).statusCode, 422);
      const other = await user();
      assert.equal((await call('PATCH', `/courses/${createdBody.id}`, other, { lap_count: 2 })).statusCode, 403);
      // an older app's course without them answers null
      const plain = await insertCourse(t.db, me.id, course(shifted(ROUTE, freshSpot()), 20));
      const old = (await call('GET', '/users/me/courses', me)).json().find((c: Json) => c.id === plain);
      assert.equal(old.course_type, null);
      assert.equal(old.lap_count, null);
    });

    it('PATCH /courses/{id}/route moves the route by a few metres (owner only); a route 50 m off anywhere is 422', async () => {
      const [me, other] = await Promise.all([user(), user()]);
      const spot = freshSpot();
      const id = await insertCourse(t.db, me.id, course(shifted(ROUTE, spot), 20));
      const moved = (dy: number) => course(shifted(ROUTE, [spot[0], spot[1] + dy]), 20).map(([lng, lat]) => [lng, lat, 0]);
      const url = `/courses/${id}/route`;
      const res = await call('PATCH', url, me, { route_geometry: { type: 'LineString', coordinates: moved(20) } });
      assert.equal(res.statusCode, 200, res.body);
      assertShape(res.json(), { id: 'string', distance_meters: 'integer', corrected: 'boolean' });
      assert.equal(res.json().corrected, true);
      assert.ok(Math.abs(res.json().distance_meters - 1100) <= 5, res.body);
      const { rows } = await t.db.query<{ lat: number }>('SELECT ST_Y(start_point::geometry) AS lat FROM courses WHERE id = $1', [id]);
      assert.equal(rows[0]!.lat.toFixed(6), moved(20)[0]![1]!.toFixed(6));
      // 80 m from the corrected route is too far, and so is cutting the course short
      assert.equal((await call('PATCH', url, me, { route_geometry: { type: 'LineString', coordinates: moved(100) } })).statusCode, 422);
      const cut = moved(20).slice(0, 10);
      const short = await call('PATCH', url, me, { route_geometry: { type: 'LineString', coordinates: cut } });
      assert.equal(short.statusCode, 422);
      assert.equal(short.json().code, 'ROUTE_TOO_DIFFERENT');
      assert.equal((await call('PATCH', url, other, { route_geometry: { type: 'LineString', coordinates: moved(20) } })).statusCode, 403);
    });

    it('GET /users/{id}/profile lists courses with route_preview and names the primary crew (crew_name)', async () => {
      const [me, them] = await Promise.all([user(), user()]);
      const id = await insertCourse(t.db, them.id, course(shifted(ROUTE, freshSpot()), 5));
      assert.equal((await call('GET', `/users/${them.id}/profile`, me)).json().crew_name, null);
      const crewName = `profile crew ${Date.now()}`;
      const { rows } = await t.db.query<{ id: string }>('INSERT INTO crews (name) VALUES ($1) RETURNING id', [crewName]);
      await t.db.query('INSERT INTO crew_members (crew_id, user_id, grade_level) VALUES ($1, $2, 5)', [rows[0]!.id, them.id]);
      assert.equal((await call('PUT', '/crews/my/primary', them, { crew_id: rows[0]!.id })).statusCode, 200);
      const res = await call('GET', `/users/${them.id}/profile`, me);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().crew_name, crewName);
      // a private crew is named to its members only (the profile's owner is one)
      await t.db.query('UPDATE crews SET is_public = false WHERE id = $1', [rows[0]!.id]);
      assert.equal((await call('GET', `/users/${them.id}/profile`, me)).json().crew_name, null);
      assert.equal((await call('GET', `/users/${them.id}/profile`, them)).json().crew_name, crewName);
      const c = res.json().courses.find((x: Json) => x.id === id);
      assertShape(c, { id: 'string', title: 'string', distance_meters: 'integer', thumbnail_url: 'string?', route_preview: 'array?', total_runs: 'integer', like_count: 'integer' });
      assertPreview(c.route_preview);
    });

    it('GET /favorites/courses lists favourites with route_preview', async () => {
      const [me, them] = await Promise.all([user(), user()]);
      const id = await insertCourse(t.db, them.id, course(shifted(ROUTE, freshSpot()), 5));
      assert.equal((await call('POST', `/favorites/courses/${id}`, me)).statusCode, 200);
      const list = (await call('GET', '/favorites/courses', me)).json();
      assert.deepEqual(list.map((f: Json) => f.id), [id]);
      assertShape(list[0], { id: 'string', title: 'string', thumbnail_url: 'string?', route_preview: 'array?', distance_meters: 'number', creator_nickname: 'string?', favorited_at: 'string' });
      assertPreview(list[0].route_preview);
    });
  });

  describe('rankingService', () => {
    async function board() {
      const owner = await user();
      const courseId = await insertRankedCourse(t.db, owner.id, { distanceMeters: 5000 });
      const runners = await Promise.all([1, 2, 3, 4].map(() => user()));
      const countries = ['KR', 'JP', 'KR', null];
      for (const [i, r] of runners.entries()) {
        await t.db.query('UPDATE users SET country = $2 WHERE id = $1', [r.id, countries[i]]);
        await t.db.query(
          `INSERT INTO rankings (course_id, user_id, best_duration_seconds, best_pace_seconds_per_km, achieved_at)
           VALUES ($1, $2, $3, $4, now() - interval '1 day')`,
          [courseId, r.id, 1500 + i * 60, 300 + i * 12],
        );
      }
      return { courseId, runners };
    }
    const entryShape = { rank: 'integer', user: 'object', best_duration_seconds: 'integer', best_pace_seconds_per_km: 'integer', achieved_at: 'string' };

    it('GET /courses/{id}/rankings?limit=10 stays the bare array the older app reads (M2)', async () => {
      const { courseId, runners } = await board();
      const res = await call('GET', `/courses/${courseId}/rankings?limit=10`, runners[0]!);
      assert.equal(res.statusCode, 200);
      assert.ok(Array.isArray(res.json()));
      assert.equal(res.json().length, 4);
    });

    it('GET /courses/{id}/rankings?limit=10 on a NEWER_APP_HOSTS host answers the envelope the newer app reads (res.data)', async () => {
      const { courseId, runners } = await board();
      const url = `/api/v1/courses/${courseId}/rankings?limit=10`;
      const older = (await t.app.inject({ method: 'GET', url, headers: runners[1]!.auth })).json();
      for (const host of ['runvs.run', 'RunVS.run:443']) {
        const res = await t.app.inject({ method: 'GET', url, headers: { ...runners[1]!.auth, host } });
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json();
        assertShape(body, { data: 'array', my_ranking: 'object?', total_runners: 'integer' });
        assert.deepEqual(body.data, older, 'the same entries the older app gets as an array');
        assert.equal(body.my_ranking.rank, 2);
      }
      // any other host is the older app's
      const other = await t.app.inject({ method: 'GET', url, headers: { ...runners[1]!.auth, host: 'api.runcrew.app' } });
      assert.ok(Array.isArray(other.json()));
    });

    it('GET /courses/{id}/rankings?country=KR&limit=10 answers the envelope, ranked among KR runners', async () => {
      const { courseId, runners } = await board();
      const res = await call('GET', `/courses/${courseId}/rankings?country=KR&limit=10`, runners[2]!);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assertShape(body, { data: 'array', my_ranking: 'object?', total_runners: 'integer' });
      assert.deepEqual(body.data.map((e: Json) => (e.user as Json).id), [runners[0]!.id, runners[2]!.id]);
      assert.deepEqual(body.data.map((e: Json) => e.rank), [1, 2]);
      for (const e of body.data) {
        assertShape(e, entryShape);
        assertShape(e.user, { id: 'string', nickname: 'string?', avatar_url: 'string?', country: 'string', crew_name: 'string?' });
      }
      assert.deepEqual(body.data.map((e: { user: Json }) => e.user.country), ['KR', 'KR']);
      assert.deepEqual(body.my_ranking, { rank: 2, best_duration_seconds: 1620, best_pace_seconds_per_km: 324, percentile: 100 });
      assert.equal(body.total_runners, 2);
      // a runner outside the filter has no rank on it
      assert.equal((await call('GET', `/courses/${courseId}/rankings?country=kr&limit=10`, runners[1]!)).json().my_ranking, null);
    });

    it('GET /courses/{id}/rankings?scope&gender&page&per_page answers the envelope; gender and scope narrow nothing', async () => {
      const { courseId, runners } = await board();
      const res = await call('GET', `/courses/${courseId}/rankings?scope=season&gender=female&page=1&per_page=2`, runners[0]!);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.total_runners, 4);
      assert.deepEqual(body.data.map((e: Json) => e.rank), [3, 4]);
      assert.equal(body.my_ranking.rank, 1);
      assert.equal(body.my_ranking.percentile, 25);
      assert.equal((await call('GET', `/courses/${courseId}/rankings?gender=other&limit=10`, runners[0]!)).statusCode, 422);
    });

    it('GET /courses/{id}/rankings?crew_id ranks a crew’s members; a private crew’s board is empty to outsiders', async () => {
      const { courseId, runners } = await board();
      const crewName = `crew${Date.now()}`;
      const { rows } = await t.db.query<{ id: string }>(`INSERT INTO crews (name, is_public) VALUES ($1, false) RETURNING id`, [crewName]);
      const crewId = rows[0]!.id;
      await t.db.query('INSERT INTO crew_members (crew_id, user_id, grade_level) VALUES ($1, $2, 5), ($1, $3, 1)', [crewId, runners[1]!.id, runners[3]!.id]);
      await t.db.query('UPDATE users SET primary_crew_id = $1 WHERE id = $2', [crewId, runners[1]!.id]);
      const member = (await call('GET', `/courses/${courseId}/rankings?crew_id=${crewId}&limit=10`, runners[1]!)).json();
      assert.deepEqual(member.data.map((e: Json) => [e.rank, (e.user as Json).id]), [[1, runners[1]!.id], [2, runners[3]!.id]]);
      // each entry names the runner's primary crew and country, as their profile does (the unfiltered board too);
      // this crew is private, so only its members see its name
      assert.deepEqual(member.data.map((e: { user: Json }) => [e.user.crew_name, e.user.country]), [[`${crewName}`, 'JP'], [null, null]]);
      const crewsSeenBy = async (viewer: TestUser) =>
        (await call('GET', `/courses/${courseId}/rankings?page=0&per_page=10`, viewer)).json().data.map((e: { user: Json }) => e.user.crew_name);
      assert.deepEqual(await crewsSeenBy(runners[3]!), [null, crewName, null, null]);
      assert.deepEqual(await crewsSeenBy(runners[0]!), [null, null, null, null]);
      const outsider = (await call('GET', `/courses/${courseId}/rankings?crew_id=${crewId}&limit=10`, runners[0]!)).json();
      assert.deepEqual(outsider.data, []);
      assert.equal(outsider.total_runners, 0);
      // once the crew is public everyone sees its name
      await t.db.query('UPDATE crews SET is_public = true WHERE id = $1', [crewId]);
      assert.deepEqual(await crewsSeenBy(runners[0]!), [null, crewName, null, null]);
    });

    it('GET /courses/{id}/my-ranking keeps its keys', async () => {
      const { courseId, runners } = await board();
      const body = (await call('GET', `/courses/${courseId}/my-ranking`, runners[1]!)).json();
      assertShape(body, { rank: 'integer?', best_duration_seconds: 'integer?', total_runners: 'integer', percentile: 'number?' });
      assert.equal(body.rank, 2);
    });

    it('GET /leaderboard/weekly?region&country&per_page answers WeeklyLeaderboardResponse; Strava and last week’s runs never count', async () => {
      const [a, b, c, me] = await Promise.all([user(), user(), user(), user()]);
      const tag = `r${Date.now() % 100000}`;
      for (const u of [a, b, c, me]) await t.db.query(`UPDATE users SET country = 'KR', activity_region = $2 WHERE id = $1`, [u.id, `서울 ${tag}`]);
      const now = new Date();
      await insertRun(t.db, { userId: a.id, finishedAt: now, distanceMeters: 3000 });
      await insertRun(t.db, { userId: a.id, finishedAt: now, distanceMeters: 3000 });
      await insertRun(t.db, { userId: b.id, finishedAt: now, distanceMeters: 10000 });
      await insertRun(t.db, { userId: c.id, finishedAt: now, distanceMeters: 42000, source: 'strava' });
      await insertRun(t.db, { userId: c.id, finishedAt: new Date(Date.now() - 8 * 86400_000), distanceMeters: 42000 });
      const res = await call('GET', `/leaderboard/weekly?region=${encodeURIComponent(tag)}&country=KR&per_page=10`, me);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assertShape(body, { data: 'array', my_ranking: 'object?', period_start: 'string', period_end: 'string' });
      assert.match(body.period_start, ISO);
      assert.equal(new Date(body.period_end).getTime() - new Date(body.period_start).getTime(), 7 * 86400_000);
      assert.deepEqual(body.data.map((e: Json) => [e.rank, (e.user as Json).id, e.run_count, e.total_distance_meters]), [
        [1, a.id, 2, 6000],
        [2, b.id, 1, 10000],
      ]);
      for (const e of body.data) {
        assertShape(e, { rank: 'integer', user: 'object', total_distance_meters: 'integer', run_count: 'integer', total_duration_seconds: 'integer' });
        assertShape(e.user, { id: 'string', nickname: 'string?', avatar_url: 'string?', crew_name: 'string?', runner_level: 'integer', country: 'string?' });
      }
      assert.equal(body.my_ranking, null);
      const mine = (await call('GET', `/leaderboard/weekly?region=${encodeURIComponent(tag)}&per_page=1`, b)).json();
      assert.equal(mine.data.length, 1);
      assert.equal(mine.my_ranking.rank, 2);
      assert.equal((await call('GET', '/leaderboard/weekly?country=KR&per_page=500', me)).statusCode, 422);
    });
  });

  describe('runService', () => {
    it('POST /runs/sessions/{id}/complete answers points_earned and runner_level; a retry answers the same and pays once', async () => {
      const me = await user();
      const spot = freshSpot();
      const points = simulateRun({ path: shifted([[0, 0], [1500, 0]], spot), speed: 3, noise: 2, startTime: Date.now() - 3600_000 }).points;
      const session = await call('POST', '/runs/sessions', me, {
        course_id: null,
        started_at: new Date(points[0]!.t).toISOString(),
        device_info: { platform: 'ios', os_version: '18.2', device_model: 'iPhone15,2', app_version: '2.0.0' },
      });
      assert.equal(session.statusCode, 201, session.body);
      const sessionId = session.json().session_id;
      const body = completionOf(points);
      const first = await call('POST', `/runs/sessions/${sessionId}/complete`, me, body);
      assert.equal(first.statusCode, 201, first.body);
      const answer = first.json();
      assertShape(answer, { run_record_id: 'string', user_stats_update: 'object', missing_chunk_sequences: 'array', points_earned: 'integer' });
      assertShape(answer.user_stats_update, { total_distance_meters: 'integer', total_runs: 'integer', streak_days: 'integer', runner_level: 'integer' });
      assert.equal(answer.points_earned, Math.floor(answer.user_stats_update.total_distance_meters / 100));
      assert.ok(answer.points_earned >= 14);
      const retry = await call('POST', `/runs/sessions/${sessionId}/complete`, me, body);
      assert.deepEqual(retry.json(), answer);
      assert.equal((await call('GET', '/users/me', me)).json().total_points, answer.points_earned);
    });

    it('complete keeps the goal_data the app sends; GET /users/me/runs and /runs/{id} answer it, the history with route_preview', async () => {
      const me = await user();
      const run = async (goal?: object) => {
        const points = simulateRun({ path: shifted([[0, 0], [1200, 0]], freshSpot()), speed: 3, noise: 2, startTime: Date.now() - 3600_000 }).points;
        const session = await call('POST', '/runs/sessions', me, { course_id: null, started_at: new Date(points[0]!.t).toISOString() });
        const done = await call('POST', `/runs/sessions/${session.json().session_id}/complete`, me, { ...completionOf(points), ...(goal ? { goal_data: goal } : {}) });
        assert.equal(done.statusCode, 201, done.body);
        return done.json().run_record_id as string;
      };
      // as RunResultScreen builds it for an interval goal, plus a key the server does not know
      const interval = { type: 'interval', value: null, intervalRunSeconds: 240, intervalWalkSeconds: 60, intervalSets: 5, mood: 'great' };
      const withGoal = await run(interval);
      const without = await run();
      const { mood: _, ...kept } = interval;
      const detail = (await call('GET', `/runs/${withGoal}`, me)).json();
      assert.deepEqual(detail.goal_data, kept);
      assert.equal((await call('GET', `/runs/${without}`, me)).json().goal_data, null);
      // the home screen's recent runs (limit) and the history (page) read the same list
      const recent = (await call('GET', '/users/me/runs?limit=3&order_by=finished_at&order=desc', me)).json();
      const history = (await call('GET', '/users/me/runs?page=0&per_page=20&order_by=finished_at&order=desc', me)).json();
      assert.deepEqual(recent.data, history.data);
      const byId = new Map(history.data.map((r: Json) => [r.id, r]));
      assert.deepEqual((byId.get(withGoal) as Json).goal_data, kept);
      assert.equal((byId.get(without) as Json).goal_data, null);
      for (const item of history.data) assertPreview(item.route_preview);
      // a goal the app could not have made is refused, not stored
      const points = simulateRun({ path: shifted([[0, 0], [1200, 0]], freshSpot()), speed: 3, noise: 2, startTime: Date.now() - 3600_000 }).points;
      const session = await call('POST', '/runs/sessions', me, { course_id: null, started_at: new Date(points[0]!.t).toISOString() });
      const bad = await call('POST', `/runs/sessions/${session.json().session_id}/complete`, me, { ...completionOf(points), goal_data: { type: '<b>x</b>', value: -1 } });
      assert.equal(bad.statusCode, 422, bad.body);
    });

    it('two runs of one user completed at the same time both earn their points (no deadlock)', async () => {
      const me = await user();
      const start = async (dy: number) => {
        const points = simulateRun({ path: shifted([[0, dy], [1200, dy]], freshSpot()), speed: 3, noise: 2, startTime: Date.now() - 3600_000 }).points;
        const session = await call('POST', '/runs/sessions', me, { course_id: null, started_at: new Date(points[0]!.t).toISOString() });
        return { id: session.json().session_id as string, body: completionOf(points) };
      };
      const runs = [await start(0), await start(100)];
      const answers = await Promise.all(runs.map((r) => call('POST', `/runs/sessions/${r.id}/complete`, me, r.body)));
      for (const a of answers) assert.equal(a.statusCode, 201, a.body);
      const earned = answers.reduce((n, a) => n + (a.json().points_earned as number), 0);
      assert.ok(earned >= 22, String(earned));
      assert.equal((await call('GET', '/users/me', me)).json().total_points, earned);
      const { rows } = await t.db.query<{ balance_after: number }>('SELECT balance_after FROM point_transactions WHERE user_id = $1 ORDER BY balance_after', [me.id]);
      assert.equal(rows.length, 2);
      assert.equal(rows[1]!.balance_after, earned);
    });

    it('an implausible run earns no points', async () => {
      const me = await user();
      const points = simulateRun({ path: shifted([[0, 0], [3000, 0]], freshSpot()), speed: 40, noise: 2, startTime: Date.now() - 3600_000 }).points;
      const session = await call('POST', '/runs/sessions', me, { course_id: null, started_at: new Date(points[0]!.t).toISOString() });
      assert.equal(session.statusCode, 201, session.body);
      const res = await call('POST', `/runs/sessions/${session.json().session_id}/complete`, me, completionOf(points));
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().points_earned, 0);
      assert.equal((await call('GET', '/users/me', me)).json().total_points, 0);
    });
  });
});
