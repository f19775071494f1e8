// Shared by the soak scenarios runs.ts and shutdown.ts (the server process is _server-process.ts): a small world of
// runners and courses at a spot nobody else uses, runs as the app sends them (simulated GPS), an HTTP client that records
// how every request ended, and checks that recompute counters, leaderboards and course statistics from run_records.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { issueAccessToken } from '../../src/features/auth/access-token.js';
import { computeDifficulty } from '../../src/features/courses/difficulty.js';
import { chunksOf, completionOf, shifted } from '../../test/helpers/runs.js';
import { course, join, simulateRun, slice, type XY } from '../../test/helpers/tracks.js';
import { SOAK_JWT_SECRET } from './_server-process.js';

const TIME_ZONE = 'Asia/Seoul';

/** The scenario database: SOAK_DATABASE_URL (the tests set it to their DATABASE_URL), else runcrew_soak. */
export const soakDatabaseUrl = () => process.env.SOAK_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/runcrew_soak';

// --- the world: runners and courses ---

/** An access token the spawned server accepts. */
export const soakToken = (userId: string) =>
  issueAccessToken({ JWT_SECRET_KEY: SOAK_JWT_SECRET, JWT_ALGORITHM: 'HS256', ACCESS_TOKEN_EXPIRE_MINUTES: 240 }, userId);

export interface Runner {
  id: string;
  token: string;
}

export type CourseKey = 'A' | 'B' | 'C';

export interface World {
  users: Runner[];
  courses: Record<CourseKey, string>;
  courseIds: string[];
  /** the spot's paths, in metres */
  paths: Record<CourseKey | 'free', XY[]>;
}

// A 2 km course A; B is the middle kilometre of A (a run of A completes B too, and the server must pick one);
// C is a 1.2 km course 3 km away; runs of the `free` path pass no course at all.
const A: XY[] = [[0, 0], [800, 0], [800, 400], [1600, 400]];
const B: XY[] = slice(A, 500, 1500);
const C: XY[] = shifted([[0, 0], [500, 0], [500, 300], [900, 300]], [0, 3000]);
const FREE: XY[] = [[0, 8000], [1500, 8000]];

/**
 * Runners and three public courses at a spot of their own: 40 km south of Seoul and a random 0–1,500 km west,
 * far from every test's courses (they lie east of Seoul), so no other course is a candidate for these runs.
 */
export async function createWorld(pool: pg.Pool, userCount: number): Promise<World> {
  const spot: XY = [-Math.floor(Math.random() * 300) * 5000, -40_000];
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO users (nickname) SELECT 'sk' || substr(md5(random()::text), 1, 10) FROM generate_series(1, $1::int) RETURNING id`,
    [userCount],
  );
  const users = await Promise.all(rows.map(async (r) => ({ id: r.id, token: await soakToken(r.id) })));
  const courses = {} as Record<CourseKey, string>;
  for (const [key, path] of Object.entries({ A, B, C }) as [CourseKey, XY[]][]) {
    const route = course(shifted(path, spot), 10);
    const wkt = `LINESTRING(${route.map(([lng, lat]) => `${lng} ${lat}`).join(',')})`;
    const created = await pool.query<{ id: string }>(
      `INSERT INTO courses (creator_id, title, distance_meters, is_public, route_geometry, start_point)
       VALUES ($1, $2, round(ST_Length(ST_GeogFromText($3))), true, ST_GeogFromText($3), ST_StartPoint(ST_GeomFromText($3, 4326))::geography)
       RETURNING id`,
      [users[0]!.id, `Soak course ${key}`, wkt],
    );
    courses[key] = created.rows[0]!.id;
  }
  return {
    users,
    courses,
    courseIds: Object.values(courses),
    paths: { A: shifted(A, spot), B: shifted(B, spot), C: shifted(C, spot), free: shifted(FREE, spot) },
  };
}

/** Removes the world's courses and runners (their sessions, runs and leaderboard rows go with them). */
export async function removeWorld(pool: pg.Pool, world: World): Promise<void> {
  await pool.query('UPDATE run_records SET course_id = NULL WHERE course_id = ANY($1)', [world.courseIds]);
  await pool.query('DELETE FROM courses WHERE id = ANY($1)', [world.courseIds]);
  await pool.query('DELETE FROM users WHERE id = ANY($1)', [world.users.map((u) => u.id)]);
}

// --- runs as the app sends them ---

export interface PlannedRun {
  user: Runner;
  kind: string;
  chosenCourseId: string | null;
  startedAt: string;
  /** the completion body, as JSON text */
  completion: string;
  /** the app's chunks of the same run */
  chunks: ReturnType<typeof chunksOf>;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/**
 * One run of a random runner: mostly complete runs of A, B or C (chosen, not chosen, or another course chosen: a
 * run of A chosen for C and one of C chosen for A touch the same two courses in opposite orders), some that stop
 * half-way, some on no course, and some at a cyclist's speed (implausible: never ranked).
 * Starts lie at random in the last 20 days, so finishing times (and the tie-breaks on them) all differ.
 */
export function planRun(world: World, seed: number): PlannedRun {
  const { paths, courses } = world;
  const r = Math.random();
  let kind: string;
  let path: XY[];
  let chosen: (string | null)[];
  let speed: number | [number, number];
  const lo = 2.3 + Math.random() * 1.7;
  speed = [lo, lo + 0.8];
  if (r < 0.3) {
    [kind, path, chosen] = ['A', join([[paths.A[0]![0] - 150, paths.A[0]![1]]], paths.A, [[paths.A[3]![0], paths.A[3]![1] + 150]]), [courses.A, null, courses.B, courses.C]];
  } else if (r < 0.5) {
    [kind, path, chosen] = ['B', slice(paths.A, 350, 1650), [courses.B, null, courses.A]];
  } else if (r < 0.75) {
    [kind, path, chosen] = ['C', join([[paths.C[0]![0] - 150, paths.C[0]![1]]], paths.C, [[paths.C[3]![0], paths.C[3]![1] + 150]]), [courses.C, null, courses.A]];
  } else if (r < 0.83) {
    [kind, path, chosen] = ['partial', slice(paths.A, 0, 1100), [courses.A]];
  } else if (r < 0.93) {
    [kind, path, chosen] = ['free', paths.free, [null, courses.C]];
  } else {
    [kind, path, chosen] = ['implausible', join([[paths.A[0]![0] - 150, paths.A[0]![1]]], paths.A), [courses.A, null]];
    speed = 11;
  }
  const startTime = Date.now() - 3600_000 - Math.floor(Math.random() * 20 * 86_400_000);
  const sim = simulateRun({ path, speed, noise: 4, seed, startTime });
  const chunks = chunksOf(sim.points);
  return {
    user: pick(world.users),
    kind,
    chosenCourseId: pick(chosen),
    startedAt: new Date(sim.points[0]!.t).toISOString(),
    completion: JSON.stringify(completionOf(sim.points, { total_chunks: chunks.length })),
    chunks,
  };
}

export const sessionBody = (run: PlannedRun) =>
  JSON.stringify({
    course_id: run.chosenCourseId,
    started_at: run.startedAt,
    device_info: { platform: 'ios', os_version: '18.2', device_model: 'iPhone15,2', app_version: '1.4.0' },
  });

// --- the client ---

export type Ending =
  /** a whole response */
  | 'answered'
  /** the connection was refused: the server was not listening */
  | 'refused'
  /** the connection failed before any response (reset, closed) */
  | 'dropped'
  /** the response began but broke off */
  | 'broken'
  /** we gave up on purpose (AbortSignal or socket destroyed) */
  | 'aborted'
  /** no answer within the client's patience */
  | 'timeout';

export interface Outcome {
  ending: Ending;
  requestId: string;
  status?: number;
  retryAfter?: string | null;
  body?: unknown;
  error?: string;
}

export interface SendOptions {
  token?: string;
  body?: string;
  /** abort the request after this many ms (a client timing out) */
  abortAfterMs?: number;
  /** patience for a real answer */
  timeoutMs?: number;
}

let requestCounter = 0;
const newRequestId = () => `soak-${process.pid}-${++requestCounter}-${randomUUID().slice(0, 8)}`;

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

const errorCode = (err: unknown): string => {
  const e = err as { cause?: { code?: string; message?: string }; code?: string; message?: string };
  return e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(err);
};

/** One request through fetch (keep-alive connections, like a phone's HTTP stack). */
export async function send(base: string, method: string, path: string, o: SendOptions = {}): Promise<Outcome> {
  const requestId = newRequestId();
  const signal = AbortSignal.timeout(o.abortAfterMs ?? o.timeoutMs ?? 60_000);
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { method, headers, body: o.body, signal });
  } catch (err) {
    if (signal.aborted) return { ending: o.abortAfterMs !== undefined ? 'aborted' : 'timeout', requestId };
    const code = errorCode(err);
    return { ending: code === 'ECONNREFUSED' ? 'refused' : 'dropped', requestId, error: code };
  }
  try {
    const text = await res.text();
    return { ending: 'answered', requestId, status: res.status, retryAfter: res.headers.get('retry-after'), body: parse(text) };
  } catch (err) {
    if (signal.aborted) return { ending: o.abortAfterMs !== undefined ? 'aborted' : 'timeout', requestId, status: res.status };
    return { ending: 'broken', requestId, status: res.status, error: errorCode(err) };
  }
}

/**
 * A POST on a connection of its own that the client destroys: after `cutAt` bytes of the body (a phone losing the
 * network mid-upload) or, with cutAt null, `afterMs` after sending it all (the app killed while waiting).
 */
export function sendAndDestroy(base: string, path: string, token: string, body: string, cutAt: number | null, afterMs: number): Promise<Outcome> {
  const requestId = newRequestId();
  const bytes = Buffer.from(body);
  return new Promise((resolve) => {
    let outcome: Outcome = { ending: 'aborted', requestId };
    const req = httpRequest(`${base}${path}`, {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/json',
        'content-length': String(bytes.length),
        authorization: `Bearer ${token}`,
        'x-request-id': requestId,
      },
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        outcome = {
          ending: 'answered',
          requestId,
          status: res.statusCode,
          retryAfter: (res.headers['retry-after'] as string | undefined) ?? null,
          body: parse(Buffer.concat(parts).toString('utf8')),
        };
      });
      res.on('error', () => undefined);
    });
    req.on('error', (err) => {
      if (errorCode(err) === 'ECONNREFUSED') outcome = { ending: 'refused', requestId };
    });
    req.on('close', () => resolve(outcome));
    if (cutAt !== null) req.write(bytes.subarray(0, Math.max(1, Math.min(cutAt, bytes.length - 1))));
    else req.end(bytes);
    setTimeout(() => req.destroy(), afterMs);
  });
}

// --- consistency ---

export type SessionFate =
  /** a completion was answered with this run id */
  | { kind: 'completed'; runId: string }
  /** its run was deleted (and the session with it) */
  | { kind: 'deleted' }
  /** never completed: no run may exist */
  | { kind: 'open' }
  /** a completion was sent but its answer never came: either no run, or one whole run */
  | { kind: 'unknown' };

const show = (row: unknown) => JSON.stringify(row).slice(0, 400);

/**
 * Everything recomputable from run_records, for the world's runners and courses: one run per completed session
 * and none for any other, the runners' counters, the leaderboards and their per-time counts, and, when
 * `withStats`, the course statistics and difficulty. Returns every mismatch found (empty when consistent).
 */
export async function checkConsistency(pool: pg.Pool, world: World, fates: Map<string, SessionFate>, withStats: boolean): Promise<string[]> {
  const problems: string[] = [];
  const userIds = world.users.map((u) => u.id);
  const { rows: sessions } = await pool.query<{ id: string; status: string; runs: number; run_id: string | null }>(
    `SELECT s.id, s.status, count(r.id)::int AS runs, min(r.id::text) AS run_id
       FROM run_sessions s LEFT JOIN run_records r ON r.session_id = s.id
      WHERE s.user_id = ANY($1) GROUP BY s.id`,
    [userIds],
  );
  const seen = new Set<string>();
  for (const s of sessions) {
    seen.add(s.id);
    const fate = fates.get(s.id) ?? { kind: 'open' };
    const finished = s.status === 'completed';
    if (s.runs !== (finished ? 1 : 0)) problems.push(`session ${s.id} is ${s.status} with ${s.runs} runs`);
    if (fate.kind === 'completed' && (!finished || s.run_id !== fate.runId)) {
      problems.push(`session ${s.id} was answered with run ${fate.runId} but is ${s.status} with run ${s.run_id}`);
    }
    if (fate.kind === 'deleted') problems.push(`session ${s.id} of a deleted run still exists (${s.status}, ${s.runs} runs)`);
    if (fate.kind === 'open' && s.runs > 0) problems.push(`session ${s.id} was never completed but has a run`);
  }
  for (const [id, fate] of fates) {
    if (fate.kind === 'completed' && !seen.has(id)) problems.push(`completed session ${id} (run ${fate.runId}) is gone`);
  }
  const { rows: orphans } = await pool.query(
    `SELECT r.id FROM run_records r LEFT JOIN run_sessions s ON s.id = r.session_id WHERE r.user_id = ANY($1) AND s.id IS NULL`,
    [userIds],
  );
  for (const o of orphans) problems.push(`run without a session: ${show(o)}`);

  const { rows: counters } = await pool.query(
    `SELECT u.id, u.total_runs, u.total_distance_meters::float8 AS total_distance_meters, r.runs, r.distance
       FROM users u
       LEFT JOIN LATERAL (SELECT count(*)::int AS runs, coalesce(sum(distance_meters), 0)::float8 AS distance
                            FROM run_records WHERE user_id = u.id) r ON true
      WHERE u.id = ANY($1) AND (u.total_runs <> r.runs OR u.total_distance_meters <> r.distance)`,
    [userIds],
  );
  for (const c of counters) problems.push(`counters differ from the runs: ${show(c)}`);

  // Ranked: completed, plausible, not Strava, timed gate to gate. Best = fastest, then earliest finished.
  const { rows: rankings } = await pool.query(
    `WITH ranked AS (
       SELECT r.* FROM run_records r
        WHERE r.course_id = ANY($1) AND r.course_completed AND r.is_plausible AND r.source <> 'strava'
          AND r.course_duration_seconds IS NOT NULL
     ), best AS (
       SELECT DISTINCT ON (course_id, user_id) course_id, user_id, id, course_duration_seconds, finished_at
         FROM ranked ORDER BY course_id, user_id, course_duration_seconds, finished_at, id
     ), expected AS (
       SELECT b.course_id, b.user_id, b.id AS run_record_id, b.course_duration_seconds AS best_duration_seconds,
              round(b.course_duration_seconds * 1000.0 / c.distance_meters)::int AS best_pace_seconds_per_km,
              (SELECT count(*)::int FROM ranked x WHERE x.course_id = b.course_id AND x.user_id = b.user_id) AS run_count,
              b.finished_at AS achieved_at
         FROM best b JOIN courses c ON c.id = b.course_id
     ), actual AS (
       SELECT course_id, user_id, run_record_id, best_duration_seconds, best_pace_seconds_per_km, run_count, achieved_at
         FROM rankings WHERE course_id = ANY($1)
     )
     SELECT e AS expected, a AS actual
       FROM expected e FULL JOIN actual a ON a.course_id = e.course_id AND a.user_id = e.user_id
      WHERE e IS DISTINCT FROM a`,
    [world.courseIds],
  );
  for (const r of rankings) problems.push(`leaderboard row differs from the runs: ${show(r)}`);

  const { rows: timeCounts } = await pool.query(
    `WITH expected AS (
       SELECT course_id, best_duration_seconds, count(*)::int AS runners FROM rankings WHERE course_id = ANY($1) GROUP BY 1, 2
     ), actual AS (
       SELECT course_id, best_duration_seconds, runners FROM ranking_time_counts WHERE course_id = ANY($1) AND runners <> 0
     )
     SELECT e AS expected, a AS actual
       FROM expected e FULL JOIN actual a ON a.course_id = e.course_id AND a.best_duration_seconds = e.best_duration_seconds
      WHERE e IS DISTINCT FROM a`,
    [world.courseIds],
  );
  for (const r of timeCounts) problems.push(`ranking_time_counts differ from rankings: ${show(r)}`);

  if (withStats) problems.push(...(await checkCourseStats(pool, world)));
  return problems;
}

/** course_stats and courses.difficulty recomputed from the plausible, non-Strava runs of each course. */
async function checkCourseStats(pool: pg.Pool, world: World): Promise<string[]> {
  const problems: string[] = [];
  const { rows } = await pool.query<{
    id: string;
    distance_meters: number;
    elevation_gain_meters: number;
    difficulty: string | null;
    attempts: number;
    expected: Record<string, unknown>;
    actual: Record<string, unknown> | null;
  }>(
    `SELECT c.id, c.distance_meters, c.elevation_gain_meters, c.difficulty, x.attempts,
            jsonb_build_object(
              'total_runs', x.completed, 'unique_runners', x.runners, 'avg_duration_seconds', x.avg,
              'avg_pace_seconds_per_km', round(x.avg * 1000.0 / c.distance_meters),
              'best_duration_seconds', x.best, 'best_pace_seconds_per_km', round(x.best * 1000.0 / c.distance_meters),
              'completion_rate', CASE WHEN x.attempts > 0 THEN x.completed::float8 / x.attempts ELSE 0 END,
              'runs_by_hour', x.by_hour) AS expected,
            CASE WHEN s.course_id IS NOT NULL THEN jsonb_build_object(
              'total_runs', s.total_runs, 'unique_runners', s.unique_runners, 'avg_duration_seconds', s.avg_duration_seconds,
              'avg_pace_seconds_per_km', s.avg_pace_seconds_per_km, 'best_duration_seconds', s.best_duration_seconds,
              'best_pace_seconds_per_km', s.best_pace_seconds_per_km, 'completion_rate', s.completion_rate,
              'runs_by_hour', s.runs_by_hour) END AS actual
       FROM courses c
       LEFT JOIN course_stats s ON s.course_id = c.id
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS attempts,
                count(*) FILTER (WHERE r.course_completed)::int AS completed,
                count(DISTINCT r.user_id) FILTER (WHERE r.course_completed)::int AS runners,
                round(avg(r.course_duration_seconds) FILTER (WHERE r.course_completed)) AS avg,
                min(r.course_duration_seconds) FILTER (WHERE r.course_completed) AS best,
                (SELECT coalesce(jsonb_object_agg(h, n), '{}') FROM (
                   SELECT to_char(q.started_at AT TIME ZONE $2, 'HH24') AS h, count(*) AS n FROM run_records q
                    WHERE q.course_id = c.id AND q.is_plausible AND q.source <> 'strava' GROUP BY 1) hours) AS by_hour
           FROM run_records r WHERE r.course_id = c.id AND r.is_plausible AND r.source <> 'strava') x
      WHERE c.id = ANY($1)`,
    [world.courseIds, TIME_ZONE],
  );
  for (const r of rows) {
    if (r.actual === null) {
      if (r.attempts > 0) problems.push(`course ${r.id} has ${r.attempts} runs but no course_stats row`);
      continue;
    }
    const e = r.expected;
    const a = r.actual;
    const differs = Object.keys(e).filter((k) =>
      k === 'completion_rate' ? Math.abs(Number(e[k]) - Number(a[k])) > 1e-9 : JSON.stringify(e[k]) !== JSON.stringify(a[k]),
    );
    if (differs.length > 0) problems.push(`course_stats of ${r.id} differ in ${differs.join(', ')}: expected ${show(e)}, stored ${show(a)}`);
    const difficulty = computeDifficulty({
      distanceMeters: r.distance_meters,
      elevationGainMeters: r.elevation_gain_meters,
      completionRate: r.attempts > 0 ? Number(e.completion_rate) : null,
    });
    if (r.attempts > 0 && r.difficulty !== difficulty) problems.push(`course ${r.id} is ${r.difficulty}, its statistics make it ${difficulty}`);
  }
  return problems;
}

/** Waits until no course-stats job of the world's courses is waiting, retrying or running. */
export async function waitForStatsJobs(pool: pg.Pool, world: World, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgboss.job
        WHERE name = 'course-stats' AND state IN ('created', 'retry', 'active') AND data->>'courseId' = ANY($1)`,
      [world.courseIds],
    );
    if (rows[0]!.n === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
}

/** Course-stats jobs of the world's courses that exhausted their retries. */
export async function failedStatsJobs(pool: pg.Pool, world: World): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'course-stats' AND state = 'failed' AND data->>'courseId' = ANY($1)`,
    [world.courseIds],
  );
  return rows[0]!.n;
}

/** The first 20 failures for the report's notes, and how many more there were. */
export function failureNotes(failures: readonly string[]): string[] {
  const shown = failures.slice(0, 20).map((f) => `FAILURE ${f}`);
  return failures.length > 20 ? [...shown, `... and ${failures.length - 20} more failures`] : shown;
}
