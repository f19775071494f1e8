// Run recording (RULES.md §1 with the GAPS fixes, DECISIONS M1/M7/M8): sessions, idempotent chunk uploads,
// idempotent completion and recovery through the shared finishRun pipeline, discard, deletion, and reading.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { AppError, conflict, notFound } from '../../infra/errors.js';
import { withoutNulls } from '../../infra/http/schemas.js';
import { requireVisible } from '../auth/authorize.js';
import { removeRunFromEvents } from '../events/progress.js';
import { haversineMeters, type LngLat, type TrackPoint } from '../matching/geo.js';
import { rebuildUserRanking, type RankedRunResult } from '../rankings/service.js';
import { recomputeOccupation } from '../crews/occupation.js';
import { enqueueCoursesStats } from '../rankings/stats-jobs.js';
import { isOwnGear } from '../gear/queries.js';
import { runnerLevel } from '../users/runner-level.js';
import { deleteRunItems } from '../notifications/followers-run.js';
import { finishRun } from './pipeline.js';
import * as q from './queries.js';
import type {
  ChunkBatchBody,
  ChunkBatchResult,
  ChunkBody,
  ChunkStored,
  CompleteBody,
  CreateSessionBody,
  MyRunsQuery,
  RecoverBody,
  RunCompleted,
  RunDetail,
  RunHistoryPage,
  RunRecovered,
} from './schemas.js';

type Deps = Pick<AppDeps, 'db' | 'jobs' | 'config'>;

/** Phone clocks are network-synchronised; this much ahead of the server is still believed. */
const CLOCK_SKEW_MS = 15 * 60 * 1000;
/** GPS fixes may start this long before the session's start (the app records during the countdown). */
const EARLY_FIX_MS = 60 * 60 * 1000;

const int = (x: number) => Math.round(x); // M1: half up
const intOrNull = (x: number | null | undefined) => (x === null || x === undefined ? null : Math.round(x));

/** A semantic check that failed, answered like a schema failure: 422 VALIDATION_ERROR with its `loc`. */
function invalid(loc: (string | number)[], msg: string): Error {
  return Object.assign(new Error(msg), {
    validationContext: 'body',
    validation: [{ instancePath: `/${loc.join('/')}`, keyword: 'value_error', params: {}, message: msg }],
  });
}

/** ISO 8601 text (already checked by the schema); without an offset it is UTC. */
function instant(text: string): Date {
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/.test(text);
  return new Date(hasOffset ? text : `${text}Z`);
}

function notInFuture(at: Date, field: string): Date {
  if (Number.isNaN(at.getTime())) throw invalid([field], 'must be a valid date-time');
  if (at.getTime() > Date.now() + CLOCK_SKEW_MS) throw invalid([field], 'must not be in the future');
  return at;
}

function missingSequences(totalChunks: number, stored: readonly number[]): number[] {
  const have = new Set(stored);
  const missing: number[] = [];
  for (let s = 0; s < totalChunks; s++) if (!have.has(s)) missing.push(s);
  return missing;
}

// --- sessions and chunks ---

export async function createSession(db: Queryable, userId: string, body: CreateSessionBody) {
  const startedAt = notInFuture(instant(body.started_at), 'started_at');
  const courseId = body.course_id ?? null;
  if (courseId) requireVisible(await q.findCourseVisibility(db, courseId), userId, 'Course');
  const created = await q.insertSession(db, userId, courseId, startedAt, body.device_info ?? null);
  return { session_id: created.session_id, created_at: created.created_at.toISOString() };
}

/** Why a session the caller owns cannot take this request: 404 when it is not theirs, else 409. */
async function sessionRefusal(db: Queryable, sessionId: string, userId: string): Promise<AppError> {
  const status = await q.sessionStatus(db, sessionId, userId);
  if (!status) return notFound('Run session');
  return conflict('INVALID_SESSION_STATE', `The run session is ${status}`);
}

/** A chunk whose fixes lie outside the session's time frame; null when they are all plausible. */
function chunkTimeProblem(c: ChunkBody, startedAt: Date): string | null {
  const earliest = startedAt.getTime() - EARLY_FIX_MS;
  const latest = Date.now() + CLOCK_SKEW_MS;
  for (const points of [c.raw_gps_points, c.filtered_points ?? []]) {
    for (const p of points) {
      if (p.timestamp < earliest || p.timestamp > latest) return 'GPS timestamps must lie between the session start and now';
    }
  }
  return null;
}

/**
 * Stores a chunk once per sequence. A retry of the same chunk (the app retries on timeouts) gets the stored
 * chunk back; different content under a stored sequence is a conflict.
 */
async function storeChunk(tx: Queryable, sessionId: string, c: ChunkBody): Promise<ChunkStored | 'duplicate'> {
  const sequence = int(c.sequence);
  const stored = (await q.insertChunk(tx, sessionId, sequence, c)) ?? (await q.compareChunk(tx, sessionId, sequence, c))!;
  if (stored.same === false) return 'duplicate';
  return { chunk_id: stored.chunk_id, sequence: stored.sequence, received_at: stored.received_at.toISOString() };
}

export async function uploadChunk(db: AppDeps['db'], userId: string, sessionId: string, c: ChunkBody): Promise<ChunkStored> {
  const result = await db.transaction(async (tx) => {
    // Locks the session, so a completion waits for this chunk (or this chunk sees the session completed).
    const session = await q.touchUnfinishedSession(tx, sessionId, userId);
    if (!session) return null;
    const problem = chunkTimeProblem(c, session.started_at);
    if (problem) throw invalid(['raw_gps_points'], problem);
    return storeChunk(tx, sessionId, c);
  });
  if (!result) throw await sessionRefusal(db, sessionId, userId);
  if (result === 'duplicate') throw conflict('DUPLICATE_CHUNK', `Chunk ${int(c.sequence)} was already stored with other content`);
  return result;
}

/** Chunks arriving late are still kept while the session is active or has produced its run (API.md §6). */
const BATCH_STATES: readonly q.SessionStatus[] = ['active', 'expired', 'completed', 'recovered'];

export async function uploadChunkBatch(db: AppDeps['db'], userId: string, sessionId: string, body: ChunkBatchBody): Promise<ChunkBatchResult> {
  const result = await db.transaction(async (tx) => {
    const session = await q.lockSession(tx, sessionId, userId);
    if (!session || !BATCH_STATES.includes(session.status)) return null;
    if (session.status === 'active' || session.status === 'expired') await q.touchUnfinishedSession(tx, sessionId, userId);
    const received: number[] = [];
    const failed: number[] = [];
    for (const c of body.chunks) {
      const sequence = int(c.sequence);
      const ok = !chunkTimeProblem(c, session.started_at) && (await storeChunk(tx, sessionId, c)) !== 'duplicate';
      (ok ? received : failed).push(sequence);
    }
    return { received_sequences: received, failed_sequences: failed };
  });
  if (!result) throw await sessionRefusal(db, sessionId, userId);
  return result;
}

// --- completion and recovery ---

/** Positions as [lng, lat]; a position out of range is a 422 naming it. */
function bodyRoute(coordinates: number[][]): LngLat[] {
  return coordinates.map((p, i) => {
    const [lng, lat] = p as [number, number];
    if (Math.abs(lng) > 180 || Math.abs(lat) > 90) {
      throw invalid(['route_geometry', 'coordinates', i], 'position must be [lng, lat] within [-180, 180] and [-90, 90]');
    }
    return [lng, lat] as const;
  });
}

const chunkTrack = (chunks: q.ChunkRow[]): TrackPoint[] =>
  chunks.flatMap((c) => c.points.map((p) => ({ lat: p.lat, lng: p.lng, t: p.timestamp })));

/**
 * The route timed evenly by distance over the moving time, from the start: the app's completion carries no
 * timestamps, so without uploaded chunks this is the best estimate of when each point was passed.
 */
function timedRoute(route: readonly LngLat[], startMs: number, durationMs: number): TrackPoint[] {
  const cum = [0];
  for (let i = 1; i < route.length; i++) {
    cum.push(cum[i - 1]! + haversineMeters(route[i - 1]![1], route[i - 1]![0], route[i]![1], route[i]![0]));
  }
  const total = cum[cum.length - 1] ?? 0;
  return route.map(([lng, lat], i) => ({
    lat,
    lng,
    t: startMs + (total > 0 ? cum[i]! / total : i / Math.max(1, route.length - 1)) * durationMs,
  }));
}

function finishedAfterStart(finishedAt: Date, session: q.SessionRow): Date {
  notInFuture(finishedAt, 'finished_at');
  if (finishedAt < session.started_at) throw invalid(['finished_at'], 'must not be before the session started');
  return finishedAt;
}

/** The locked session if it may be finished now; a stored answer of the same kind is returned instead. */
async function sessionToFinish(tx: Queryable, sessionId: string, userId: string, doneStatus: 'completed' | 'recovered') {
  const session = await q.lockSession(tx, sessionId, userId);
  if (!session) throw notFound('Run session');
  if (session.status === doneStatus && session.completion_response) return { session, stored: session.completion_response };
  if (session.status === 'active' || session.status === 'expired') return { session, stored: null };
  if (doneStatus === 'recovered' && ['completed', 'recovered', 'imported'].includes(session.status)) {
    throw conflict('ALREADY_COMPLETED', 'The run session already has its run');
  }
  throw conflict('INVALID_SESSION_STATE', `The run session is ${session.status}`);
}

/** What a completed session keeps: the facts of its answer, which completedAnswer turns into the reply. */
interface StoredCompletion {
  run_record_id: string;
  ranking: RankedRunResult | null;
  user_stats_update: { total_distance_meters: number; total_runs: number; streak_days: number };
  missing_chunk_sequences: number[];
  /** absent in answers stored before points existed */
  points_earned?: number;
}

/**
 * The reply to a completion, the first time and on every retry (answers stored before runner_level existed
 * included). `ranking` is left out for a run that ranks on no course: the app declares it optional.
 */
function completedAnswer(stored: StoredCompletion): RunCompleted {
  const { total_distance_meters, total_runs, streak_days } = stored.user_stats_update;
  return {
    run_record_id: stored.run_record_id,
    ...withoutNulls({ ranking: stored.ranking }),
    user_stats_update: { total_distance_meters, total_runs, streak_days, runner_level: runnerLevel(total_distance_meters) },
    missing_chunk_sequences: stored.missing_chunk_sequences,
    points_earned: stored.points_earned ?? 0,
  };
}

/**
 * Completes a session once: the session row is locked for the whole transaction, so a retried or concurrent
 * completion waits, then finds the session completed and gets the first one's answer (201) unchanged.
 */
export async function completeRun(deps: Deps, userId: string, sessionId: string, body: CompleteBody): Promise<RunCompleted> {
  return deps.db.transaction(async (tx) => {
    const { session, stored } = await sessionToFinish(tx, sessionId, userId, 'completed');
    if (stored) return completedAnswer(stored as StoredCompletion);
    const finishedAt = finishedAfterStart(instant(body.finished_at), session);
    // Someone else's gear is refused like an unknown one: the run is never counted on it.
    if (body.gear_id && !(await isOwnGear(tx, userId, body.gear_id))) throw invalid(['gear_id'], 'must be one of your gear');
    const route = bodyRoute(body.route_geometry.coordinates);
    const chunks = await q.loadChunks(tx, sessionId);
    const missing = missingSequences(int(body.total_chunks), chunks.map((c) => c.sequence));
    const fromChunks = chunkTrack(chunks);
    // Uploaded chunks carry the real GPS times: they are the track when none is missing (or there is no route).
    const chunksWhole = missing.length === 0 && chunks.every((c, i) => c.sequence === i);
    const useChunks = route.length < 2 || (chunksWhole && fromChunks.length >= 2);
    const duration = int(body.duration_seconds);
    const startMs = session.started_at.getTime();
    const finished = await finishRun(deps, tx, {
      userId,
      sessionId,
      chosenCourseId: session.course_id,
      source: 'app',
      gearId: body.gear_id,
      route: route.length >= 2 ? route : fromChunks.map((p) => [p.lng, p.lat] as const),
      track: useChunks ? fromChunks : timedRoute(route, startMs, duration > 0 ? duration * 1000 : finishedAt.getTime() - startMs),
      values: {
        distance_meters: int(body.distance_meters),
        duration_seconds: duration,
        total_elapsed_seconds: intOrNull(body.total_elapsed_seconds),
        avg_pace_seconds_per_km: intOrNull(body.avg_pace_seconds_per_km),
        best_pace_seconds_per_km: intOrNull(body.best_pace_seconds_per_km),
        avg_speed_ms: body.avg_speed_ms ?? null,
        max_speed_ms: body.max_speed_ms ?? null,
        calories: intOrNull(body.calories),
        elevation_gain_meters: int(body.elevation_gain_meters),
        elevation_loss_meters: int(body.elevation_loss_meters),
        elevation_profile: body.elevation_profile,
        splits: body.splits.map((s) => ({
          split_number: intOrNull(s.split_number),
          distance_meters: s.distance_meters,
          duration_seconds: int(s.duration_seconds),
          pace_seconds_per_km: int(s.pace_seconds_per_km),
          elevation_change_meters: s.elevation_change_meters,
        })),
        pause_intervals: body.pause_intervals,
        filter_config: body.filter_config ?? null,
        started_at: session.started_at,
        finished_at: finishedAt,
        goal_data: body.goal_data ?? null,
      },
    });
    const completion: StoredCompletion = {
      run_record_id: finished.runRecordId,
      ranking: finished.ranking,
      user_stats_update: finished.userStats,
      missing_chunk_sequences: missing,
      points_earned: finished.pointsEarned,
    };
    await q.closeSession(tx, sessionId, 'completed', completion);
    return completedAnswer(completion);
  });
}

/** A chunk split has no distance; a split's distance is its duration over its pace. */
function splitDistance(durationSeconds: number, paceSecondsPerKm: number): number {
  return paceSecondsPerKm > 0 ? Math.round((durationSeconds * 1000) / paceSecondsPerKm) : 0;
}

/** Rebuilds the run from its uploaded chunks (RULES.md §1.5) and finishes it like a completion. */
export async function recoverRun(deps: Deps, userId: string, sessionId: string, body: RecoverBody): Promise<RunRecovered> {
  return deps.db.transaction(async (tx) => {
    const { session, stored } = await sessionToFinish(tx, sessionId, userId, 'recovered');
    if (stored) return stored as RunRecovered;
    const finishedAt = finishedAfterStart(instant(body.finished_at), session);
    const chunks = await q.loadChunks(tx, sessionId);
    const last = chunks[chunks.length - 1];
    if (!last) throw new AppError(400, 'NO_CHUNKS', 'The run session has no chunks to recover from');
    const track = chunkTrack(chunks);
    const distance = Math.trunc(last.cumulative.total_distance_meters ?? 0);
    const duration = Math.trunc(last.cumulative.total_duration_seconds ?? 0);
    const finished = await finishRun(deps, tx, {
      userId,
      sessionId,
      chosenCourseId: session.course_id,
      source: 'app',
      route: track.map((p) => [p.lng, p.lat] as const),
      track,
      values: {
        distance_meters: distance,
        duration_seconds: duration,
        total_elapsed_seconds: null,
        avg_pace_seconds_per_km: Math.trunc(last.cumulative.avg_pace_seconds_per_km ?? 0) || null,
        best_pace_seconds_per_km: null,
        avg_speed_ms: null,
        max_speed_ms: null,
        calories: null,
        elevation_gain_meters: 0,
        elevation_loss_meters: 0,
        elevation_profile: null,
        splits: chunks.flatMap((c) =>
          c.completed_splits.map((s) => ({
            split_number: s.split_number,
            distance_meters: splitDistance(s.duration_seconds, s.pace_seconds_per_km),
            duration_seconds: s.duration_seconds,
            pace_seconds_per_km: s.pace_seconds_per_km,
            elevation_change_meters: s.elevation_change_meters ?? 0,
          })),
        ),
        pause_intervals: chunks.flatMap((c) => c.pause_intervals),
        filter_config: null,
        started_at: session.started_at,
        finished_at: finishedAt,
      },
    });
    const response: RunRecovered = {
      run_record_id: finished.runRecordId,
      recovered_distance_meters: distance,
      recovered_duration_seconds: duration,
      missing_chunk_sequences: missingSequences(int(body.total_chunks), chunks.map((c) => c.sequence)),
    };
    await q.closeSession(tx, sessionId, 'recovered', response);
    return response;
  });
}

/** M7: the app gives up an unfinished session; its chunks are deleted. Repeating the discard is harmless. */
export async function discardSession(db: AppDeps['db'], userId: string, sessionId: string): Promise<void> {
  if (await db.transaction((tx) => q.discardSession(tx, sessionId, userId))) return;
  const status = await q.sessionStatus(db, sessionId, userId);
  if (!status) throw notFound('Run session');
  if (status !== 'discarded') throw conflict('INVALID_SESSION_STATE', `The run session is ${status}`);
}

// --- run records ---

/**
 * Deletes the caller's run with its session and chunks, and undoes what it counted: the user's totals, their
 * place on the course's leaderboard (and so which crew holds the course), the course statistics, their progress in
 * events and their crews' XP.
 */
export async function deleteRun(deps: Deps, userId: string, runId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const run = await q.lockRunForDelete(tx, runId, userId);
    if (!run) throw notFound('Run');
    await removeRunFromEvents(tx, runId); // before the run row: its contributions cascade away with it
    await q.deleteSession(tx, run.session_id);
    await deleteRunItems(tx, runId);
    if (run.course_id) {
      await rebuildUserRanking(tx, run.course_id, userId);
      await recomputeOccupation(deps, tx, run.course_id, userId);
    }
    await q.removeRunFromUser(tx, userId, run.distance_meters);
    await enqueueCoursesStats(deps.jobs, tx, [run.course_id, run.chosen_course_id]);
  });
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Stored splits as the API shows them; splits recovered by the old server have no distance (GAPS). */
function splitOut(s: Record<string, unknown>) {
  const duration = Math.round(finite(s.duration_seconds) ?? 0);
  const pace = Math.round(finite(s.pace_seconds_per_km) ?? 0);
  const splitNumber = finite(s.split_number);
  return {
    split_number: splitNumber === null ? null : Math.round(splitNumber),
    distance_meters: finite(s.distance_meters) ?? splitDistance(duration, pace),
    duration_seconds: duration,
    pace_seconds_per_km: pace,
    elevation_change_meters: finite(s.elevation_change_meters) ?? 0,
  };
}

const courseRef = (id: string | null, title: string | null, distance: number | null) =>
  id && title !== null ? { id, title, distance_meters: distance ?? 0 } : null;

export async function getRun(db: Queryable, userId: string, runId: string): Promise<RunDetail> {
  const r = await q.findRunDetail(db, runId, userId);
  if (!r) throw notFound('Run');
  const route = r.route ? (JSON.parse(r.route) as { coordinates: number[][] }).coordinates : null;
  return {
    id: r.id,
    user_id: r.user_id,
    course_id: r.course_id,
    distance_meters: r.distance_meters,
    duration_seconds: r.duration_seconds,
    total_elapsed_seconds: r.total_elapsed_seconds,
    avg_pace_seconds_per_km: r.avg_pace_seconds_per_km,
    best_pace_seconds_per_km: r.best_pace_seconds_per_km,
    avg_speed_ms: r.avg_speed_ms,
    max_speed_ms: r.max_speed_ms,
    calories: r.calories,
    elevation_gain_meters: r.elevation_gain_meters,
    elevation_loss_meters: r.elevation_loss_meters,
    route_geometry: route && { type: 'LineString', coordinates: route.map(([lng, lat]) => [lng!, lat!, 0]) },
    elevation_profile: Array.isArray(r.elevation_profile) ? r.elevation_profile : null,
    splits: Array.isArray(r.splits) ? r.splits.map(splitOut) : null,
    started_at: r.started_at.toISOString(),
    finished_at: r.finished_at.toISOString(),
    course: courseRef(r.course_id, r.course_title, r.course_distance),
    goal_data: r.goal_data,
    // Left out for a run matched to no course: the app declares it optional.
    ...withoutNulls({
      course_completion:
        r.course_completed === null
          ? null
          : { is_completed: r.course_completed, route_match_percent: r.route_match_percent ?? 0, ranking_at_time: r.ranking_at_time },
    }),
  };
}

export async function listMyRuns(db: Queryable, userId: string, query: MyRunsQuery): Promise<RunHistoryPage> {
  const size = query.limit ?? query.per_page;
  const { rows, total } = await q.listUserRuns(db, userId, query.order_by, query.order, size, query.page * size);
  return {
    data: rows.map((r) => ({
      id: r.id,
      distance_meters: r.distance_meters,
      duration_seconds: r.duration_seconds,
      avg_pace_seconds_per_km: r.avg_pace_seconds_per_km,
      elevation_gain_meters: r.elevation_gain_meters,
      started_at: r.started_at.toISOString(),
      finished_at: r.finished_at.toISOString(),
      course: courseRef(r.course_id, r.course_title, r.course_distance),
      route_preview: r.route_preview,
      goal_data: r.goal_data,
    })),
    total_count: total,
    has_next: (query.page + 1) * size < total,
  };
}
