// Completing a run: the server matches it against courses (M8), times it gate to gate, checks plausibility,
// ranks it, and answers a repeated or concurrent completion with the first answer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TrackPoint } from '../src/features/matching/geo.js';
import { finishRun } from '../src/features/runs/pipeline.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { chunksOf, completionOf, deleteTestCourses, freshSpot, insertCourse, shifted } from './helpers/runs.js';
import { course, join, simulateRun, type XY } from './helpers/tracks.js';
import { createUser, type TestUser } from './helpers/users.js';

// Point-to-point course of 1,200 m (east 500, north 300, east 400), stored with a vertex every 10 m.
const COURSE: XY[] = [[0, 0], [500, 0], [500, 300], [900, 300]];
const COURSE_LENGTH = 1200;
// The runner warms up 300 m before the start and runs on 200 m past the finish: 1,700 m in all.
const WARM_UP = 300;
const RUN_PATH: XY[] = join([[-WARM_UP, 0]], COURSE, [[900, 500]]);
const RUN_LENGTH = WARM_UP + COURSE_LENGTH + 200;

interface RunRow {
  [key: string]: unknown;
  course_id: string | null;
  course_completed: boolean | null;
  course_duration_seconds: number | null;
  course_started_at: Date | null;
  duration_seconds: number;
  distance_meters: number;
  avg_pace_seconds_per_km: number | null;
  route_match_percent: number | null;
  is_plausible: boolean;
  implausible_reasons: string[];
  ranking_at_time: number | null;
  source: string;
}

describe('run completion', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await deleteTestCourses(t.db);
    await t.close();
  });

  /** A course at a fresh spot, and the run path and course route placed there. */
  async function setting(owner: TestUser, isPublic = true) {
    const spot = freshSpot();
    const courseId = await insertCourse(t.db, owner.id, course(shifted(COURSE, spot), 10), { isPublic });
    return { courseId, path: shifted(RUN_PATH, spot) };
  }

  const run = (path: XY[], speed: number | [number, number] = 3, seed = 1) =>
    simulateRun({ path, speed, noise: 4, seed, startTime: Date.now() - 2 * 3600_000 });

  async function startSession(user: TestUser, points: TrackPoint[], courseId?: string): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/runs/sessions',
      headers: user.auth,
      payload: {
        course_id: courseId ?? null,
        started_at: new Date(points[0]!.t).toISOString(),
        device_info: { platform: 'ios', os_version: '18.2', device_model: 'iPhone15,2', app_version: '1.4.0' },
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().session_id;
  }

  async function uploadChunks(user: TestUser, sessionId: string, points: TrackPoint[]): Promise<number> {
    const chunks = chunksOf(points);
    for (const chunk of chunks) {
      const res = await t.app.inject({ method: 'POST', url: `/api/v1/runs/sessions/${sessionId}/chunks`, headers: user.auth, payload: chunk });
      assert.equal(res.statusCode, 201, res.body);
    }
    return chunks.length;
  }

  const complete = (user: TestUser, sessionId: string, body: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1/runs/sessions/${sessionId}/complete`, headers: user.auth, payload: body });

  async function runRow(id: string): Promise<RunRow> {
    const { rows } = await t.db.query<RunRow>('SELECT * FROM run_records WHERE id = $1', [id]);
    return rows[0]!;
  }

  async function rankingRow(courseId: string, userId: string) {
    const { rows } = await t.db.query<{ best_duration_seconds: number; run_count: number }>(
      'SELECT best_duration_seconds, run_count FROM rankings WHERE course_id = $1 AND user_id = $2',
      [courseId, userId],
    );
    return rows[0];
  }

  it('ranks a run on its chosen course with the start-gate to finish-gate time, not the whole duration', async () => {
    const [owner, runner] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const { courseId, path } = await setting(owner);
    const sim = run(path);
    const sessionId = await startSession(runner, sim.points, courseId);
    const total = await uploadChunks(runner, sessionId, sim.points);

    const res = await complete(runner, sessionId, completionOf(sim.points, { total_chunks: total }));
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.deepEqual(body.ranking, { rank: 1, total_runners: 1, is_personal_best: true });
    assert.deepEqual(body.missing_chunk_sequences, []);
    assert.equal(body.user_stats_update.total_runs, 1);
    assert.equal(body.user_stats_update.streak_days, 1);
    assert.equal(body.user_stats_update.runner_level, 1);

    const row = await runRow(body.run_record_id);
    const truth = (sim.timeAt(WARM_UP + COURSE_LENGTH) - sim.timeAt(WARM_UP)) / 1000;
    assert.equal(row.course_id, courseId);
    assert.equal(row.course_completed, true);
    assert.ok(Math.abs(row.course_duration_seconds! - truth) <= 5, `ranked ${row.course_duration_seconds} s, true ${truth.toFixed(1)} s`);
    assert.ok(row.duration_seconds - row.course_duration_seconds! > 100, 'the warm-up and cool-down are not timed');
    assert.ok(Math.abs(row.course_started_at!.getTime() - sim.timeAt(WARM_UP)) <= 5000);
    assert.ok(row.route_match_percent! >= 95);
    assert.equal(row.is_plausible, true);
    assert.equal(row.ranking_at_time, 1);
    assert.equal(row.source, 'app');
    // M1: fractional numbers are rounded half up.
    const sent = completionOf(sim.points);
    assert.equal(row.distance_meters, Math.round(sent.distance_meters));
    assert.equal(row.avg_pace_seconds_per_km, Math.round(sent.avg_pace_seconds_per_km));
    assert.equal((await rankingRow(courseId, runner.id))?.best_duration_seconds, row.course_duration_seconds);

    // A faster runner takes first place; the course statistics are queued for a refresh.
    const fast = await createUser(t.db, t.config);
    const fastSim = run(path, 4, 2);
    const fastSession = await startSession(fast, fastSim.points, courseId);
    const fastRes = await complete(fast, fastSession, completionOf(fastSim.points, { total_chunks: await uploadChunks(fast, fastSession, fastSim.points) }));
    assert.equal(fastRes.statusCode, 201, fastRes.body);
    assert.deepEqual(fastRes.json().ranking, { rank: 1, total_runners: 2, is_personal_best: true });
    const { rows: jobs } = await t.db.query(
      "SELECT 1 FROM pgboss.job WHERE name = 'course-stats' AND data->>'courseId' = $1",
      [courseId],
    );
    assert.ok(jobs.length >= 1, 'course-stats job queued');
  });

  it('matches a run to a course the runner did not choose, from its route alone (M8)', async () => {
    const [owner, runner] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const { courseId, path } = await setting(owner);
    const sim = run(path, 3, 3);
    const sessionId = await startSession(runner, sim.points);
    const res = await complete(runner, sessionId, completionOf(sim.points));
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json().ranking, { rank: 1, total_runners: 1, is_personal_best: true });
    const row = await runRow(res.json().run_record_id);
    assert.equal(row.course_id, courseId);
    assert.equal(row.course_completed, true);
    // Without chunks there are no GPS times: the route is timed evenly over the duration.
    const share = (row.duration_seconds * COURSE_LENGTH) / RUN_LENGTH;
    assert.ok(Math.abs(row.course_duration_seconds! - share) <= 15, `${row.course_duration_seconds} vs ${share.toFixed(0)}`);
  });

  it('credits a run that completes two courses with the longer one', async () => {
    const [owner, runner] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const spot = freshSpot();
    const whole = await insertCourse(t.db, owner.id, course(shifted(COURSE, spot), 10));
    // The first 500 m of the same route, as a course of its own (its start gate is the same).
    const part = await insertCourse(t.db, owner.id, course(shifted([[0, 0], [500, 0]], spot), 10));
    const sim = run(shifted(RUN_PATH, spot), 3, 11);
    const res = await complete(runner, await startSession(runner, sim.points), completionOf(sim.points));
    assert.equal(res.statusCode, 201, res.body);
    const row = await runRow(res.json().run_record_id);
    assert.equal(row.course_id, whole);
    assert.notEqual(row.course_id, part);
  });

  it('keeps a ranked run when the course creator deletes their account', async () => {
    const [owner, runner] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const { courseId, path } = await setting(owner);
    const sim = run(path, 3, 12);
    const res = await complete(runner, await startSession(runner, sim.points, courseId), completionOf(sim.points));
    assert.equal(res.statusCode, 201, res.body);
    assert.ok((await runRow(res.json().run_record_id)).course_duration_seconds);

    const deleted = await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: owner.auth });
    assert.equal(deleted.statusCode, 204, deleted.body);
    const row = await runRow(res.json().run_record_id);
    assert.equal(row.course_id, null);
    assert.equal(row.course_duration_seconds, null);
    assert.equal(row.course_started_at, null);
    assert.equal(await rankingRow(courseId, runner.id), undefined);
  });

  it('tells the dethroned leader, once, when a faster run takes first place', async () => {
    const [owner, leader, challenger] = [await createUser(t.db, t.config), await createUser(t.db, t.config), await createUser(t.db, t.config)];
    await t.db.query("INSERT INTO device_tokens (user_id, device_token, platform) VALUES ($1, $2, 'ios')", [leader.id, `tok-${leader.id}`]);
    const { courseId, path } = await setting(owner);
    const slow = run(path, 2.5, 13);
    assert.equal((await complete(leader, await startSession(leader, slow.points, courseId), completionOf(slow.points))).statusCode, 201);
    const fast = run(path, 4, 14);
    const res = await complete(challenger, await startSession(challenger, fast.points, courseId), completionOf(fast.points));
    assert.equal(res.json().ranking.rank, 1);
    const pushes = async (userId: string) =>
      (await t.db.query("SELECT cause_key FROM push_notifications WHERE user_id = $1 AND kind = 'ranking_first_place_lost'", [userId])).rows;
    assert.deepEqual(await pushes(leader.id), [{ cause_key: `${courseId}:${res.json().run_record_id}` }]);
    assert.deepEqual(await pushes(challenger.id), []);
  });

  it('moves the progress of an event the runner joined', async () => {
    const [creator, runner] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const now = Date.now();
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: creator.auth,
      payload: {
        title: 'Morning 5k',
        starts_at: new Date(now - 3 * 3600_000).toISOString(),
        ends_at: new Date(now + 3600_000).toISOString(),
        target_runs: 1,
        center_lat: 37.5,
        center_lng: 127,
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    const eventId = created.json().id;
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/join`, headers: runner.auth })).statusCode, 201);

    const { path } = await setting(creator);
    const sim = run(path, 3, 15);
    const res = await complete(runner, await startSession(runner, sim.points), completionOf(sim.points));
    assert.equal(res.statusCode, 201, res.body);
    const { rows } = await t.db.query<{ progress_runs: number; progress_distance_meters: number; completed: boolean }>(
      'SELECT progress_runs, progress_distance_meters, completed FROM event_participants WHERE event_id = $1 AND user_id = $2',
      [eventId, runner.id],
    );
    assert.deepEqual(rows[0], { progress_runs: 1, progress_distance_meters: (await runRow(res.json().run_record_id)).distance_meters, completed: true });
  });

  it('does not complete a course run in the opposite direction', async () => {
    const [owner, runner] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const { courseId, path } = await setting(owner);
    const backwards = [...path].reverse();

    const chosen = run(backwards, 3, 4);
    const s1 = await startSession(runner, chosen.points, courseId);
    const r1 = await complete(runner, s1, completionOf(chosen.points, { total_chunks: await uploadChunks(runner, s1, chosen.points) }));
    assert.equal(r1.statusCode, 201, r1.body);
    assert.equal('ranking' in r1.json(), false, 'left out: optional, not nullable, in the app');
    const row = await runRow(r1.json().run_record_id);
    assert.equal(row.course_id, courseId, 'the chosen course is kept as attempted');
    assert.equal(row.course_completed, false);
    assert.equal(row.course_duration_seconds, null);

    const free = run(backwards, 3, 5);
    const s2 = await startSession(runner, free.points);
    const r2 = await complete(runner, s2, completionOf(free.points));
    assert.equal(r2.statusCode, 201, r2.body);
    assert.equal((await runRow(r2.json().run_record_id)).course_id, null);
    assert.equal(await rankingRow(courseId, runner.id), undefined);
  });

  it('stores an implausibly fast run flagged, and never ranks it', async () => {
    const [owner, cyclist] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const { courseId, path } = await setting(owner);
    const sim = run(path, 11, 6); // a bicycle: 11 m/s for 150 s
    const sessionId = await startSession(cyclist, sim.points, courseId);
    const res = await complete(cyclist, sessionId, completionOf(sim.points, { total_chunks: await uploadChunks(cyclist, sessionId, sim.points) }));
    assert.equal(res.statusCode, 201, res.body);
    assert.equal('ranking' in res.json(), false);
    assert.equal(res.json().user_stats_update.total_runs, 1, 'it still counts in the owner’s history');
    const row = await runRow(res.json().run_record_id);
    assert.equal(row.is_plausible, false);
    assert.deepEqual(row.implausible_reasons, ['sustained_speed']);
    assert.equal(row.course_id, courseId);
    assert.equal(row.course_completed, true);
    assert.equal(row.ranking_at_time, null);
    assert.equal(await rankingRow(courseId, cyclist.id), undefined);
  });

  it('matches a Strava run but keeps it off the leaderboard', async () => {
    const [owner, runner] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const { courseId, path } = await setting(owner);
    const sim = run(path, 3, 7);
    const started = new Date(sim.points[0]!.t);
    const finished = new Date(sim.points[sim.points.length - 1]!.t);
    const result = await t.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        "INSERT INTO run_sessions (user_id, status, started_at) VALUES ($1, 'imported', $2) RETURNING id",
        [runner.id, started],
      );
      return finishRun(t.app.deps, tx, {
        userId: runner.id,
        sessionId: rows[0]!.id,
        chosenCourseId: null,
        source: 'strava',
        route: sim.points.map((p) => [p.lng, p.lat] as const),
        track: sim.points,
        values: {
          distance_meters: RUN_LENGTH,
          duration_seconds: Math.round((finished.getTime() - started.getTime()) / 1000),
          total_elapsed_seconds: null,
          avg_pace_seconds_per_km: null,
          best_pace_seconds_per_km: null,
          avg_speed_ms: null,
          max_speed_ms: null,
          calories: null,
          elevation_gain_meters: 0,
          elevation_loss_meters: 0,
          elevation_profile: null,
          splits: [],
          pause_intervals: [],
          filter_config: null,
          started_at: started,
          finished_at: finished,
        },
      });
    });
    assert.equal(result.courseId, courseId);
    assert.equal(result.courseCompleted, true);
    assert.equal(result.ranking, null);
    assert.equal(result.userStats.total_runs, 1);
    const row = await runRow(result.runRecordId);
    assert.equal(row.source, 'strava');
    assert.ok(row.course_duration_seconds! > 0);
    assert.equal(await rankingRow(courseId, runner.id), undefined);
  });

  it('turns five concurrent completions of one session into one run, answering all alike', async () => {
    const [owner, runner] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const { courseId, path } = await setting(owner);
    const sim = run(path, 3, 8);
    const sessionId = await startSession(runner, sim.points, courseId);
    const body = completionOf(sim.points);
    const answers = await Promise.all(Array.from({ length: 5 }, () => complete(runner, sessionId, body)));
    for (const a of answers) assert.equal(a.statusCode, 201, a.body + t.logs.lines.join('\n'));
    const first = answers[0]!.json();
    for (const a of answers) assert.deepEqual(a.json(), first);

    const { rows } = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM run_records WHERE session_id = $1', [sessionId]);
    assert.equal(rows[0]!.n, 1);
    const { rows: user } = await t.db.query<{ total_runs: number }>('SELECT total_runs FROM users WHERE id = $1', [runner.id]);
    assert.equal(user[0]!.total_runs, 1);
    assert.equal((await rankingRow(courseId, runner.id))?.run_count, 1);

    // A retry after success (even with another body) gets the same answer, not an error.
    const retry = await complete(runner, sessionId, { ...body, distance_meters: 1 });
    assert.equal(retry.statusCode, 201);
    assert.deepEqual(retry.json(), first);
  });

  it('answers a retry of a completion stored in the older form (ranking null, no runner level) in today’s form', async () => {
    const runner = await createUser(t.db, t.config);
    const sim = run(shifted(RUN_PATH, freshSpot()), 3, 10);
    const sessionId = await startSession(runner, sim.points);
    const first = await complete(runner, sessionId, completionOf(sim.points));
    assert.equal(first.statusCode, 201, first.body);
    const { run_record_id } = first.json() as { run_record_id: string };
    const older = { run_record_id, ranking: null, user_stats_update: { total_distance_meters: 12_000, total_runs: 3, streak_days: 2 }, missing_chunk_sequences: [] };
    await t.db.query('UPDATE run_sessions SET completion_response = $2 WHERE id = $1', [sessionId, JSON.stringify(older)]);
    const retry = await complete(runner, sessionId, completionOf(sim.points));
    assert.equal(retry.statusCode, 201, retry.body);
    assert.deepEqual(retry.json(), {
      run_record_id,
      user_stats_update: { total_distance_meters: 12_000, total_runs: 3, streak_days: 2, runner_level: 3 },
      missing_chunk_sequences: [],
      // stored before points existed: it earned none
      points_earned: 0,
    });
  });

  it('refuses completions that cannot be a run of this session', async () => {
    const runner = await createUser(t.db, t.config);
    const sim = run(shifted(RUN_PATH, freshSpot()), 3, 9);
    const sessionId = await startSession(runner, sim.points);
    const early = await complete(runner, sessionId, completionOf(sim.points, { finished_at: new Date(sim.points[0]!.t - 60_000).toISOString() }));
    assert.equal(early.statusCode, 422);
    assert.deepEqual(early.json().detail[0].loc, ['body', 'finished_at']);
    const coords = completionOf(sim.points).route_geometry.coordinates;
    coords[5] = [200, 37.5];
    const bad = await complete(runner, sessionId, completionOf(sim.points, { route_geometry: { type: 'LineString', coordinates: coords } }));
    assert.equal(bad.statusCode, 422);
    assert.deepEqual(bad.json().detail[0].loc, ['body', 'route_geometry', 'coordinates', 5]);
    const missing = await complete(runner, sessionId, { finished_at: new Date().toISOString() });
    assert.equal(missing.statusCode, 422);
    const { rows } = await t.db.query<{ status: string }>('SELECT status FROM run_sessions WHERE id = $1', [sessionId]);
    assert.equal(rows[0]!.status, 'active');
  });
});
