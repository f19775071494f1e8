// Run sessions, chunks, recovery, discard, deletion, reading, the caller's run history and session expiry.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TrackPoint } from '../src/features/matching/geo.js';
import { expireStaleSessions } from '../src/features/runs/expiry.js';
import { MAX_CHUNK_POINTS } from '../src/features/runs/schemas.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { chunksOf, completionOf, deleteTestCourses, freshSpot, insertCourse, shifted } from './helpers/runs.js';
import { course, join, simulateRun, type XY } from './helpers/tracks.js';
import { createUser, type TestUser } from './helpers/users.js';

const COURSE: XY[] = [[0, 0], [600, 0], [600, 400]];
const RUN_PATH: XY[] = join([[-150, 0]], COURSE, [[600, 550]]);
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('runs', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await deleteTestCourses(t.db);
    await t.close();
  });

  const newUser = () => createUser(t.db, t.config);
  const track = (path: XY[], speed = 3, seed = 1): TrackPoint[] =>
    simulateRun({ path, speed, noise: 3, seed, startTime: Date.now() - 3 * 3600_000 }).points;

  async function startSession(user: TestUser, startedAt: number, courseId: string | null = null): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/runs/sessions',
      headers: user.auth,
      payload: { course_id: courseId, started_at: new Date(startedAt).toISOString(), device_info: null },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().session_id;
  }

  const post = (user: TestUser, url: string, payload: unknown) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: user.auth, payload: payload as object });

  async function status(sessionId: string): Promise<string> {
    const { rows } = await t.db.query<{ status: string }>('SELECT status FROM run_sessions WHERE id = $1', [sessionId]);
    return rows[0]!.status;
  }

  async function counters(userId: string) {
    const { rows } = await t.db.query<{ total_distance_meters: number; total_runs: number }>(
      'SELECT total_distance_meters, total_runs FROM users WHERE id = $1',
      [userId],
    );
    return rows[0]!;
  }

  /** A completed run on a course of its own (started from it), with its record id. */
  async function completedRun(user: TestUser, courseId: string | null, points: TrackPoint[]): Promise<string> {
    const sessionId = await startSession(user, points[0]!.t, courseId);
    const res = await post(user, `/runs/sessions/${sessionId}/complete`, completionOf(points));
    assert.equal(res.statusCode, 201, res.body);
    return res.json().run_record_id;
  }

  describe('sessions', () => {
    it('starts a session with the device info, on a course the caller can see', async () => {
      const [owner, runner] = [await newUser(), await newUser()];
      const spot = freshSpot();
      const open = await insertCourse(t.db, owner.id, course(shifted(COURSE, spot)));
      const hidden = await insertCourse(t.db, owner.id, course(shifted(COURSE, spot)), { isPublic: false });
      const started = new Date(Date.now() - 60_000).toISOString();
      const device = { platform: 'android', os_version: '15', device_model: 'Pixel 9', app_version: '1.4.0' };
      const res = await post(runner, '/runs/sessions', { course_id: open, started_at: started, device_info: device });
      assert.equal(res.statusCode, 201, res.body);
      assert.match(res.json().created_at, ISO_UTC);
      const { rows } = await t.db.query('SELECT course_id, status, started_at, device_info, user_id FROM run_sessions WHERE id = $1', [
        res.json().session_id,
      ]);
      assert.deepEqual(rows[0], { course_id: open, status: 'active', started_at: new Date(started), device_info: device, user_id: runner.id });

      // Another user's private course and an unknown one are both missing.
      for (const courseId of [hidden, '00000000-0000-4000-8000-000000000000']) {
        const refused = await post(runner, '/runs/sessions', { course_id: courseId, started_at: started });
        assert.equal(refused.statusCode, 404);
      }
      // The owner may run their private course.
      assert.equal((await post(owner, '/runs/sessions', { course_id: hidden, started_at: started })).statusCode, 201);
      // A start far in the future, or a malformed course id, is refused.
      const future = await post(runner, '/runs/sessions', { started_at: new Date(Date.now() + 3600_000).toISOString() });
      assert.equal(future.statusCode, 422);
      assert.deepEqual(future.json().detail[0].loc, ['body', 'started_at']);
      assert.equal((await post(runner, '/runs/sessions', { course_id: 'nope', started_at: started })).statusCode, 422);
    });
  });

  describe('chunks', () => {
    it('stores a chunk once per sequence: a retry gets the stored chunk, other content a 409', async () => {
      const user = await newUser();
      const points = track(shifted(RUN_PATH, freshSpot()));
      const sessionId = await startSession(user, points[0]!.t);
      const [c0, c1] = chunksOf(points);
      const first = await post(user, `/runs/sessions/${sessionId}/chunks`, c0);
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(first.json().sequence, 0);
      assert.match(first.json().received_at, ISO_UTC);

      const retry = await post(user, `/runs/sessions/${sessionId}/chunks`, c0);
      assert.equal(retry.statusCode, 201);
      assert.deepEqual(retry.json(), first.json());

      const other = await post(user, `/runs/sessions/${sessionId}/chunks`, { ...c1, sequence: 0 });
      assert.equal(other.statusCode, 409);
      assert.equal(other.json().code, 'DUPLICATE_CHUNK');
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM run_chunks WHERE session_id = $1', [sessionId]);
      assert.equal(rows[0]!.n, 1);
    });

    it('checks coordinates, sizes and timestamps', async () => {
      const user = await newUser();
      const points = track(shifted(RUN_PATH, freshSpot()));
      const sessionId = await startSession(user, points[0]!.t);
      const [c0] = chunksOf(points);
      const url = `/runs/sessions/${sessionId}/chunks`;
      const badLat = { ...c0, raw_gps_points: [{ ...c0!.raw_gps_points[0], lat: 91 }] };
      assert.deepEqual((await post(user, url, badLat)).json().detail[0].loc, ['body', 'raw_gps_points', 0, 'lat']);
      const tooMany = { ...c0, raw_gps_points: Array.from({ length: MAX_CHUNK_POINTS + 1 }, () => c0!.raw_gps_points[0]) };
      assert.equal((await post(user, url, tooMany)).statusCode, 422);
      const future = { ...c0, raw_gps_points: [{ ...c0!.raw_gps_points[0], timestamp: Date.now() + 24 * 3600_000 }] };
      assert.equal((await post(user, url, future)).statusCode, 422);
      const beforeStart = { ...c0, raw_gps_points: [{ ...c0!.raw_gps_points[0], timestamp: points[0]!.t - 2 * 3600_000 }] };
      assert.equal((await post(user, url, beforeStart)).statusCode, 422);
      assert.equal((await post(user, url, { ...c0, chunk_type: 'middle' })).statusCode, 422);
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM run_chunks WHERE session_id = $1', [sessionId]);
      assert.equal(rows[0]!.n, 0);
    });

    it('takes a batch: stored sequences count as received, conflicting or bad ones as failed', async () => {
      const user = await newUser();
      const points = track(shifted(RUN_PATH, freshSpot()));
      const sessionId = await startSession(user, points[0]!.t);
      const chunks = chunksOf(points, 100);
      assert.ok(chunks.length >= 5);
      const url = `/runs/sessions/${sessionId}/chunks/batch`;
      assert.equal((await post(user, `/runs/sessions/${sessionId}/chunks`, chunks[0])).statusCode, 201);
      const late = { ...chunks[3]!, raw_gps_points: [{ ...chunks[3]!.raw_gps_points[0], timestamp: Date.now() + 24 * 3600_000 }] };
      const res = await post(user, url, { session_id: sessionId, chunks: [chunks[0], chunks[1], chunks[2], late, { ...chunks[4], sequence: 1 }] });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { received_sequences: [0, 1, 2], failed_sequences: [3, 1] });
      // The same batch again changes nothing.
      const again = await post(user, url, { chunks: [chunks[0], chunks[1], chunks[2]] });
      assert.deepEqual(again.json(), { received_sequences: [0, 1, 2], failed_sequences: [] });
      const { rows } = await t.db.query<{ sequence: number }>('SELECT sequence FROM run_chunks WHERE session_id = $1 ORDER BY sequence', [sessionId]);
      assert.deepEqual(rows.map((r) => r.sequence), [0, 1, 2]);
    });

    it('refuses chunks for sessions that are not active', async () => {
      const user = await newUser();
      const points = track(shifted(RUN_PATH, freshSpot()));
      const sessionId = await startSession(user, points[0]!.t);
      assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/runs/sessions/${sessionId}`, headers: user.auth })).statusCode, 204);
      const res = await post(user, `/runs/sessions/${sessionId}/chunks`, chunksOf(points)[0]);
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, 'INVALID_SESSION_STATE');
      assert.equal((await post(user, `/runs/sessions/${sessionId}/chunks/batch`, { chunks: chunksOf(points) })).statusCode, 409);
    });
  });

  describe('recovery', () => {
    it('rebuilds the run from its chunks, once', async () => {
      const user = await newUser();
      const points = track(shifted(RUN_PATH, freshSpot()));
      const sessionId = await startSession(user, points[0]!.t);
      const chunks = chunksOf(points, 200);
      chunks[0]!.completed_splits = [{ split_number: 1, duration_seconds: 330, pace_seconds_per_km: 330, elevation_change_meters: 1.5 }];
      // The second chunk never arrived.
      for (const c of [chunks[0], ...chunks.slice(2)]) assert.equal((await post(user, `/runs/sessions/${sessionId}/chunks`, c)).statusCode, 201);
      const last = chunks[chunks.length - 1]!;

      const body = { finished_at: new Date(points[points.length - 1]!.t).toISOString(), total_chunks: chunks.length };
      const res = await post(user, `/runs/sessions/${sessionId}/recover`, body);
      assert.equal(res.statusCode, 200, res.body);
      const recovered = res.json();
      assert.equal(recovered.recovered_distance_meters, Math.trunc(last.cumulative.total_distance_meters));
      assert.equal(recovered.recovered_duration_seconds, last.cumulative.total_duration_seconds);
      assert.deepEqual(recovered.missing_chunk_sequences, [1]);
      assert.equal(await status(sessionId), 'recovered');
      assert.deepEqual(await counters(user.id), { total_distance_meters: recovered.recovered_distance_meters, total_runs: 1 });

      const detail = await t.app.inject({ method: 'GET', url: `/api/v1/runs/${recovered.run_record_id}`, headers: user.auth });
      assert.equal(detail.statusCode, 200, detail.body);
      assert.deepEqual(detail.json().splits, [
        { split_number: 1, distance_meters: 1000, duration_seconds: 330, pace_seconds_per_km: 330, elevation_change_meters: 1.5 },
      ]);
      assert.ok(detail.json().route_geometry.coordinates.length > 100);

      // A retry gets the same answer; completing or recovering into a second run is impossible.
      const retry = await post(user, `/runs/sessions/${sessionId}/recover`, body);
      assert.equal(retry.statusCode, 200);
      assert.deepEqual(retry.json(), recovered);
      const completeAfter = await post(user, `/runs/sessions/${sessionId}/complete`, completionOf(points));
      assert.equal(completeAfter.statusCode, 409);
      assert.equal(completeAfter.json().code, 'INVALID_SESSION_STATE');
      assert.deepEqual(await counters(user.id), { total_distance_meters: recovered.recovered_distance_meters, total_runs: 1 });
    });

    it('refuses a session without chunks (400) and one already completed (409)', async () => {
      const user = await newUser();
      const points = track(shifted(RUN_PATH, freshSpot()));
      const body = { finished_at: new Date(points[points.length - 1]!.t).toISOString(), total_chunks: 1 };
      const empty = await startSession(user, points[0]!.t);
      const noChunks = await post(user, `/runs/sessions/${empty}/recover`, body);
      assert.equal(noChunks.statusCode, 400);
      assert.equal(noChunks.json().code, 'NO_CHUNKS');

      const sessionId = await startSession(user, points[0]!.t);
      assert.equal((await post(user, `/runs/sessions/${sessionId}/chunks`, chunksOf(points)[0])).statusCode, 201);
      assert.equal((await post(user, `/runs/sessions/${sessionId}/complete`, completionOf(points))).statusCode, 201);
      const done = await post(user, `/runs/sessions/${sessionId}/recover`, body);
      assert.equal(done.statusCode, 409);
      assert.equal(done.json().code, 'ALREADY_COMPLETED');
    });
  });

  describe('discard (M7)', () => {
    it('discards an active session with its chunks; repeating is harmless; a finished one is a 409', async () => {
      const user = await newUser();
      const points = track(shifted(RUN_PATH, freshSpot()));
      const sessionId = await startSession(user, points[0]!.t);
      assert.equal((await post(user, `/runs/sessions/${sessionId}/chunks`, chunksOf(points)[0])).statusCode, 201);
      const del = (id: string) => t.app.inject({ method: 'DELETE', url: `/api/v1/runs/sessions/${id}`, headers: user.auth });
      assert.equal((await del(sessionId)).statusCode, 204);
      assert.equal(await status(sessionId), 'discarded');
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM run_chunks WHERE session_id = $1', [sessionId]);
      assert.equal(rows[0]!.n, 0);
      assert.equal((await del(sessionId)).statusCode, 204);
      const completeAfter = await post(user, `/runs/sessions/${sessionId}/complete`, completionOf(points));
      assert.equal(completeAfter.statusCode, 409);

      const finished = await startSession(user, points[0]!.t);
      assert.equal((await post(user, `/runs/sessions/${finished}/complete`, completionOf(points))).statusCode, 201);
      const refused = await del(finished);
      assert.equal(refused.statusCode, 409);
      assert.equal(refused.json().code, 'INVALID_SESSION_STATE');
      assert.equal(await status(finished), 'completed');
      assert.equal((await del('00000000-0000-4000-8000-000000000000')).statusCode, 404);
      assert.equal((await del('not-a-uuid')).statusCode, 422);
    });
  });

  describe('run records', () => {
    it('deleting runs takes them out of the totals, the leaderboard and the course statistics', async () => {
      const [owner, runner] = [await newUser(), await newUser()];
      const spot = freshSpot();
      const courseId = await insertCourse(t.db, owner.id, course(shifted(COURSE, spot), 10));
      const path = shifted(RUN_PATH, spot);
      const fast = await completedRun(runner, courseId, track(path, 4, 2));
      const slow = await completedRun(runner, courseId, track(path, 2.5, 3));
      const best = async () => {
        const { rows } = await t.db.query<{ run_record_id: string; best_duration_seconds: number; run_count: number }>(
          'SELECT run_record_id, best_duration_seconds, run_count FROM rankings WHERE course_id = $1 AND user_id = $2',
          [courseId, runner.id],
        );
        return rows[0];
      };
      assert.equal((await best())?.run_record_id, fast);
      assert.equal((await best())?.run_count, 2);
      const runs = await t.db.query<{ id: string; distance_meters: number; course_duration_seconds: number }>(
        'SELECT id, distance_meters, course_duration_seconds FROM run_records WHERE user_id = $1',
        [runner.id],
      );
      const distance = (id: string) => runs.rows.find((r) => r.id === id)!.distance_meters;
      assert.deepEqual(await counters(runner.id), { total_distance_meters: distance(fast) + distance(slow), total_runs: 2 });
      await t.db.query("DELETE FROM pgboss.job WHERE name = 'course-stats' AND data->>'courseId' = $1", [courseId]);

      const del = (id: string) => t.app.inject({ method: 'DELETE', url: `/api/v1/runs/${id}`, headers: runner.auth });
      assert.equal((await del(fast)).statusCode, 204);
      assert.deepEqual(await best(), {
        run_record_id: slow,
        best_duration_seconds: runs.rows.find((r) => r.id === slow)!.course_duration_seconds,
        run_count: 1,
      });
      assert.deepEqual(await counters(runner.id), { total_distance_meters: distance(slow), total_runs: 1 });
      const { rows: jobs } = await t.db.query("SELECT 1 FROM pgboss.job WHERE name = 'course-stats' AND data->>'courseId' = $1", [courseId]);
      assert.equal(jobs.length, 1, 'course statistics refresh queued');
      const { rows: gone } = await t.db.query('SELECT 1 FROM run_records WHERE id = $1', [fast]);
      assert.equal(gone.length, 0);

      assert.equal((await del(slow)).statusCode, 204);
      assert.equal(await best(), undefined);
      assert.deepEqual(await counters(runner.id), { total_distance_meters: 0, total_runs: 0 });
      assert.equal((await del(slow)).statusCode, 404);
    });

    it('shows a run to its owner: GeoJSON route, course and completion; old splits without distance', async () => {
      const [owner, runner] = [await newUser(), await newUser()];
      const spot = freshSpot();
      const courseId = await insertCourse(t.db, owner.id, course(shifted(COURSE, spot), 10), { title: 'Han river', distance: 1000 });
      const points = track(shifted(RUN_PATH, spot));
      const runId = await completedRun(runner, courseId, points);
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: runner.auth });
      assert.equal(res.statusCode, 200, res.body);
      const run = res.json();
      assert.equal(run.id, runId);
      assert.equal(run.user_id, runner.id);
      assert.equal(run.route_geometry.type, 'LineString');
      assert.equal(run.route_geometry.coordinates.length, points.length);
      const [lng, lat, alt] = run.route_geometry.coordinates[0];
      assert.ok(Math.abs(lng - points[0]!.lng) < 1e-9 && Math.abs(lat - points[0]!.lat) < 1e-9 && alt === 0);
      assert.deepEqual(run.course, { id: courseId, title: 'Han river', distance_meters: 1000 });
      assert.equal(run.course_completion.is_completed, true);
      assert.equal(run.course_completion.ranking_at_time, 1);
      assert.ok(run.course_completion.route_match_percent > 90);
      assert.match(run.started_at, ISO_UTC);

      // A run stored by the old server: splits without distance, no route, no course judgement.
      await t.db.query(`UPDATE run_records SET splits = '[{"split_number": 1, "duration_seconds": 300, "pace_seconds_per_km": 300}]',
                        route_geometry = NULL, course_completed = NULL, course_id = NULL, course_duration_seconds = NULL WHERE id = $1`, [runId]);
      const old = await t.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: runner.auth });
      assert.equal(old.statusCode, 200, old.body);
      assert.deepEqual(old.json().splits, [
        { split_number: 1, distance_meters: 1000, duration_seconds: 300, pace_seconds_per_km: 300, elevation_change_meters: 0 },
      ]);
      assert.equal(old.json().route_geometry, null);
      assert.equal(old.json().course, null);
      assert.equal('course_completion' in old.json(), false, 'left out: optional, not nullable, in the app');
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/runs/123', headers: runner.auth })).statusCode, 422);
    });

    it("refuses every mutation and read with another user's token, changing nothing", async () => {
      const [owner, intruder] = [await newUser(), await newUser()];
      const points = track(shifted(RUN_PATH, freshSpot()));
      const chunks = chunksOf(points);
      const active = await startSession(owner, points[0]!.t);
      assert.equal((await post(owner, `/runs/sessions/${active}/chunks`, chunks[0])).statusCode, 201);
      const runId = await completedRun(owner, null, points);
      const before = await t.db.query('SELECT id, status, updated_at FROM run_sessions WHERE user_id = $1 ORDER BY id', [owner.id]);
      const beforeRuns = await t.db.query('SELECT * FROM run_records WHERE user_id = $1', [owner.id]);
      const beforeUser = await counters(owner.id);

      const attempts = [
        { method: 'POST', url: `/runs/sessions/${active}/chunks`, payload: chunks[1] },
        { method: 'POST', url: `/runs/sessions/${active}/chunks/batch`, payload: { chunks: chunks.slice(1) } },
        { method: 'POST', url: `/runs/sessions/${active}/complete`, payload: completionOf(points) },
        { method: 'POST', url: `/runs/sessions/${active}/recover`, payload: { finished_at: new Date(points[0]!.t).toISOString(), total_chunks: 1 } },
        { method: 'DELETE', url: `/runs/sessions/${active}` },
        { method: 'DELETE', url: `/runs/${runId}` },
        { method: 'GET', url: `/runs/${runId}` },
      ] as const;
      for (const a of attempts) {
        const res = await t.app.inject({ method: a.method, url: `/api/v1${a.url}`, headers: intruder.auth, payload: 'payload' in a ? a.payload : undefined });
        assert.equal(res.statusCode, 404, `${a.method} ${a.url}: ${res.body}`);
        assert.equal(res.json().code, 'NOT_FOUND');
      }
      assert.deepEqual((await t.db.query('SELECT id, status, updated_at FROM run_sessions WHERE user_id = $1 ORDER BY id', [owner.id])).rows, before.rows);
      assert.deepEqual((await t.db.query('SELECT * FROM run_records WHERE user_id = $1', [owner.id])).rows, beforeRuns.rows);
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM run_chunks WHERE session_id = $1', [active]);
      assert.equal(rows[0]!.n, 1);
      assert.deepEqual(await counters(owner.id), beforeUser);
      assert.deepEqual(await counters(intruder.id), { total_distance_meters: 0, total_runs: 0 });
    });
  });

  describe('GET /users/me/runs', () => {
    it('pages the caller’s runs with limit, order_by and order', async () => {
      const [user, other] = [await newUser(), await newUser()];
      const spot = freshSpot();
      const ids: string[] = [];
      for (const [i, speed] of [3, 2.5, 3.5].entries()) ids.push(await completedRun(user, null, track(shifted(RUN_PATH, spot), speed, i + 10)));
      await completedRun(other, null, track(shifted(RUN_PATH, spot), 3, 20));
      const get = (query: string) => t.app.inject({ method: 'GET', url: `/api/v1/users/me/runs${query}`, headers: user.auth });

      const recent = await get('?limit=2&order_by=finished_at&order=desc');
      assert.equal(recent.statusCode, 200, recent.body);
      const page = recent.json();
      assert.equal(page.total_count, 3);
      assert.equal(page.has_next, true);
      assert.equal(page.data.length, 2);
      assert.deepEqual(Object.keys(page.data[0]).sort(), [
        'avg_pace_seconds_per_km', 'course', 'distance_meters', 'duration_seconds', 'elevation_gain_meters', 'finished_at', 'goal_data', 'id', 'route_preview', 'started_at',
      ]);

      const byDuration = (await get('?order_by=duration_seconds&order=asc&per_page=10')).json();
      const durations = byDuration.data.map((r: { duration_seconds: number }) => r.duration_seconds);
      assert.deepEqual(durations, [...durations].sort((a, b) => a - b));
      assert.equal(byDuration.has_next, false);
      assert.deepEqual(new Set(byDuration.data.map((r: { id: string }) => r.id)), new Set(ids));
      assert.deepEqual((await get('?page=1&per_page=2')).json().data.length, 1);
      assert.equal((await get('?order_by=calories')).statusCode, 422);
      assert.equal((await get('?limit=101')).statusCode, 422);
    });
  });

  describe('expiry', () => {
    const ageSession = (id: string, hours: number) =>
      t.db.query(`UPDATE run_sessions SET started_at = now() - $2 * interval '1 hour', updated_at = now() - $2 * interval '1 hour' WHERE id = $1`, [
        id,
        hours,
      ]);

    it('expires sessions silent for longer than the limit; they can still be completed or revived', async () => {
      const user = await newUser();
      const points = track(shifted(RUN_PATH, freshSpot()));
      const stale = await startSession(user, points[0]!.t);
      const fresh = await startSession(user, points[0]!.t);
      const heardFrom = await startSession(user, points[0]!.t);
      await ageSession(stale, 13);
      await ageSession(fresh, 11);
      await ageSession(heardFrom, 13);
      await t.db.query('UPDATE run_sessions SET started_at = started_at - interval \'1 hour\' WHERE id = $1', [heardFrom]);
      await t.db.query("UPDATE run_sessions SET updated_at = now() - interval '1 hour' WHERE id = $1", [heardFrom]);

      assert.ok((await expireStaleSessions(t.db, 12)) >= 1);
      assert.equal(await status(stale), 'expired');
      assert.equal(await status(fresh), 'active');
      assert.equal(await status(heardFrom), 'active');

      const finishedAt = new Date(Date.now() - 60_000).toISOString();
      const res = await post(user, `/runs/sessions/${stale}/complete`, completionOf(points, { finished_at: finishedAt }));
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(await status(stale), 'completed');

      // A chunk is news: an expired session is active again.
      const revived = await startSession(user, points[0]!.t);
      await ageSession(revived, 13);
      await expireStaleSessions(t.db, 12);
      assert.equal(await status(revived), 'expired');
      assert.equal((await post(user, `/runs/sessions/${revived}/chunks`, chunksOf(points)[0])).statusCode, 201);
      assert.equal(await status(revived), 'active');
    });

    it('is swept by the workers as soon as they start', async () => {
      const user = await newUser();
      const stale = await startSession(user, Date.now() - 60_000);
      await ageSession(stale, 30);
      const worker = await createTestApp({ RUN_WORKERS: 'true', RUN_SESSION_EXPIRE_HOURS: '24' });
      try {
        for (let i = 0; i < 100 && (await status(stale)) === 'active'; i++) await sleep(50);
        assert.equal(await status(stale), 'expired');
      } finally {
        await worker.close();
      }
    });
  });
});
