// SQL of the runs feature: sessions, chunks and run records. JSON values are sent as JSON text (pg would send
// a JS array as a PostgreSQL array literal).
import type { Queryable } from '../../infra/db/database.js';
import type { ChunkBody, MyRunsQuery, RunGoal } from './schemas.js';
import { routePreviewSql } from '../courses/route-preview.js';

export type SessionStatus = 'active' | 'completed' | 'recovered' | 'imported' | 'discarded' | 'expired';
export type RunSource = 'app' | 'gpx_upload' | 'fit_upload' | 'tcx_upload' | 'strava';

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

export interface SessionRow {
  [key: string]: unknown;
  id: string;
  course_id: string | null;
  status: SessionStatus;
  started_at: Date;
  completion_response: unknown;
}

export async function insertSession(
  db: Queryable,
  userId: string,
  courseId: string | null,
  startedAt: Date,
  deviceInfo: unknown,
): Promise<{ session_id: string; created_at: Date }> {
  const { rows } = await db.query<{ session_id: string; created_at: Date }>(
    `INSERT INTO run_sessions (user_id, course_id, started_at, device_info) VALUES ($1, $2, $3, $4)
     RETURNING id AS session_id, created_at`,
    [userId, courseId, startedAt, json(deviceInfo)],
  );
  return rows[0]!;
}

export async function findCourseVisibility(db: Queryable, courseId: string) {
  const { rows } = await db.query<{ owner_id: string; is_public: boolean }>(
    'SELECT creator_id AS owner_id, is_public FROM courses WHERE id = $1',
    [courseId],
  );
  return rows[0];
}

/** The caller's session, locked until the transaction ends (completion and recovery serialise on it). */
export async function lockSession(tx: Queryable, sessionId: string, userId: string): Promise<SessionRow | undefined> {
  const { rows } = await tx.query<SessionRow>(
    `SELECT id, course_id, status, started_at, completion_response FROM run_sessions
      WHERE id = $1 AND user_id = $2 FOR UPDATE`,
    [sessionId, userId],
  );
  return rows[0];
}

/**
 * Marks the caller's unfinished session as heard from, and locks it: an expired one is active again (expiry only
 * means no news). Undefined when the session is not the caller's or is finished.
 */
export async function touchUnfinishedSession(tx: Queryable, sessionId: string, userId: string) {
  const { rows } = await tx.query<{ started_at: Date }>(
    `UPDATE run_sessions SET status = 'active', updated_at = now()
      WHERE id = $1 AND user_id = $2 AND status IN ('active', 'expired') RETURNING started_at`,
    [sessionId, userId],
  );
  return rows[0];
}

export async function sessionStatus(db: Queryable, sessionId: string, userId: string): Promise<SessionStatus | undefined> {
  const { rows } = await db.query<{ status: SessionStatus }>('SELECT status FROM run_sessions WHERE id = $1 AND user_id = $2', [
    sessionId,
    userId,
  ]);
  return rows[0]?.status;
}

function chunkValues(sessionId: string, sequence: number, c: ChunkBody): unknown[] {
  return [
    sessionId,
    sequence,
    c.chunk_type,
    json(c.raw_gps_points),
    json(c.filtered_points),
    json(c.chunk_summary),
    json(c.cumulative),
    json(c.completed_splits),
    json(c.pause_intervals),
  ];
}

export interface ChunkRef {
  [key: string]: unknown;
  chunk_id: string;
  sequence: number;
  received_at: Date;
  /** compareChunk only: whether the stored content equals the one sent */
  same?: boolean;
}

/** Stores a chunk; undefined when the session already has one with this sequence. */
export async function insertChunk(tx: Queryable, sessionId: string, sequence: number, c: ChunkBody): Promise<ChunkRef | undefined> {
  const { rows } = await tx.query<ChunkRef>(
    `INSERT INTO run_chunks (session_id, sequence, chunk_type, raw_gps_points, filtered_points, chunk_summary, cumulative,
                             completed_splits, pause_intervals)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (session_id, sequence) DO NOTHING
     RETURNING id AS chunk_id, sequence, created_at AS received_at`,
    chunkValues(sessionId, sequence, c),
  );
  return rows[0];
}

/** The stored chunk with this sequence, and whether its content equals `c` (jsonb equality: key order is free). */
export async function compareChunk(tx: Queryable, sessionId: string, sequence: number, c: ChunkBody) {
  const { rows } = await tx.query<ChunkRef>(
    `SELECT id AS chunk_id, sequence, created_at AS received_at,
            (chunk_type = $3 AND raw_gps_points = $4::jsonb AND filtered_points IS NOT DISTINCT FROM $5::jsonb
             AND chunk_summary = $6::jsonb AND cumulative = $7::jsonb AND completed_splits = $8::jsonb
             AND pause_intervals = $9::jsonb) AS same
       FROM run_chunks WHERE session_id = $1 AND sequence = $2`,
    chunkValues(sessionId, sequence, c),
  );
  return rows[0];
}

export interface ChunkPoint {
  lat: number;
  lng: number;
  timestamp: number;
}

export interface ChunkRow {
  [key: string]: unknown;
  sequence: number;
  /** the filtered points, or the raw ones when the chunk has none */
  points: ChunkPoint[];
  cumulative: { total_distance_meters?: number; total_duration_seconds?: number; avg_pace_seconds_per_km?: number };
  completed_splits: { split_number: number; duration_seconds: number; pace_seconds_per_km: number; elevation_change_meters?: number }[];
  pause_intervals: unknown[];
}

export async function loadChunks(tx: Queryable, sessionId: string): Promise<ChunkRow[]> {
  const { rows } = await tx.query<ChunkRow>(
    `SELECT sequence,
            CASE WHEN jsonb_array_length(coalesce(filtered_points, '[]')) > 0 THEN filtered_points ELSE raw_gps_points END
              AS points,
            cumulative, completed_splits, pause_intervals
       FROM run_chunks WHERE session_id = $1 ORDER BY sequence`,
    [sessionId],
  );
  return rows;
}

export async function closeSession(tx: Queryable, sessionId: string, status: SessionStatus, response: unknown): Promise<void> {
  await tx.query('UPDATE run_sessions SET status = $2, completion_response = $3, updated_at = now() WHERE id = $1', [
    sessionId,
    status,
    json(response),
  ]);
}

/** Discards the caller's unfinished session and its chunks; false when there is no such session to discard. */
export async function discardSession(tx: Queryable, sessionId: string, userId: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE run_sessions SET status = 'discarded', updated_at = now()
      WHERE id = $1 AND user_id = $2 AND status IN ('active', 'expired')`,
    [sessionId, userId],
  );
  if (!rowCount) return false;
  await tx.query('DELETE FROM run_chunks WHERE session_id = $1', [sessionId]);
  return true;
}

export interface RunRecordValues {
  distance_meters: number;
  duration_seconds: number;
  total_elapsed_seconds: number | null;
  avg_pace_seconds_per_km: number | null;
  best_pace_seconds_per_km: number | null;
  avg_speed_ms: number | null;
  max_speed_ms: number | null;
  calories: number | null;
  elevation_gain_meters: number;
  elevation_loss_meters: number;
  elevation_profile: number[] | null;
  splits: unknown[];
  pause_intervals: unknown[];
  filter_config: unknown;
  started_at: Date;
  finished_at: Date;
  external_import_id?: string | null;
  /** the goal the runner set, from the app; imports have none */
  goal_data?: RunGoal | null;
}

export async function insertRunRecord(
  tx: Queryable,
  run: {
    userId: string;
    sessionId: string;
    source: RunSource;
    /** the runner's own gear, or null */
    gearId: string | null;
    values: RunRecordValues;
    /** WKB of the route, or null */
    routeWkb: Buffer | null;
    implausibleReasons: string[];
  },
): Promise<string> {
  const v = run.values;
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO run_records (user_id, session_id, source, distance_meters, duration_seconds, total_elapsed_seconds,
       avg_pace_seconds_per_km, best_pace_seconds_per_km, avg_speed_ms, max_speed_ms, calories, elevation_gain_meters,
       elevation_loss_meters, elevation_profile, splits, pause_intervals, filter_config, started_at, finished_at,
       external_import_id, route_geometry, is_plausible, implausible_reasons, gear_id, goal_data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
             ST_GeogFromWKB($21), cardinality($22::text[]) = 0, $22::text[], $23, $24)
     RETURNING id`,
    [
      run.userId,
      run.sessionId,
      run.source,
      v.distance_meters,
      v.duration_seconds,
      v.total_elapsed_seconds,
      v.avg_pace_seconds_per_km,
      v.best_pace_seconds_per_km,
      v.avg_speed_ms,
      v.max_speed_ms,
      v.calories,
      v.elevation_gain_meters,
      v.elevation_loss_meters,
      json(v.elevation_profile),
      json(v.splits),
      json(v.pause_intervals),
      json(v.filter_config),
      v.started_at,
      v.finished_at,
      v.external_import_id ?? null,
      run.routeWkb,
      run.implausibleReasons,
      run.gearId,
      json(v.goal_data),
    ],
  );
  return rows[0]!.id;
}

export interface CourseOutcome {
  course_id: string;
  course_completed: boolean;
  route_match_percent: number;
  max_deviation_meters: number | null;
  course_duration_seconds: number | null;
  course_started_at: Date | null;
}

export async function setCourseOutcome(tx: Queryable, runId: string, o: CourseOutcome, rankingAtTime: number | null): Promise<void> {
  await tx.query(
    `UPDATE run_records SET course_id = $2, course_completed = $3, route_match_percent = $4, max_deviation_meters = $5,
            course_duration_seconds = $6, course_started_at = $7, ranking_at_time = $8
      WHERE id = $1`,
    [runId, o.course_id, o.course_completed, o.route_match_percent, o.max_deviation_meters, o.course_duration_seconds, o.course_started_at, rankingAtTime],
  );
}

/** Adds one run to the user's counters in place (never read-modify-write) and returns the new totals. */
export async function addRunToUser(tx: Queryable, userId: string, distance: number) {
  const { rows } = await tx.query<{ total_distance_meters: number; total_runs: number; time_zone: string | null }>(
    `UPDATE users SET total_distance_meters = total_distance_meters + $2, total_runs = total_runs + 1 WHERE id = $1
     RETURNING total_distance_meters, total_runs, time_zone`,
    [userId, distance],
  );
  return rows[0]!;
}

export async function removeRunFromUser(tx: Queryable, userId: string, distance: number): Promise<void> {
  await tx.query(
    `UPDATE users SET total_distance_meters = greatest(0, total_distance_meters - $2), total_runs = greatest(0, total_runs - 1)
      WHERE id = $1`,
    [userId, distance],
  );
}

/** The caller's run and the course chosen for its session, both rows locked for deletion. */
export async function lockRunForDelete(tx: Queryable, runId: string, userId: string) {
  const { rows } = await tx.query<{ session_id: string; course_id: string | null; chosen_course_id: string | null; distance_meters: number }>(
    `SELECT r.session_id, r.course_id, s.course_id AS chosen_course_id, r.distance_meters
       FROM run_records r JOIN run_sessions s ON s.id = r.session_id
      WHERE r.id = $1 AND r.user_id = $2
        FOR UPDATE OF r, s`,
    [runId, userId],
  );
  return rows[0];
}

/** Deletes a session; its chunks and its run record go with it (ON DELETE CASCADE). */
export async function deleteSession(tx: Queryable, sessionId: string): Promise<void> {
  await tx.query('DELETE FROM run_sessions WHERE id = $1', [sessionId]);
}

// A course is shown with a run only while its owner-or-public visibility lets the runner see it.
const VISIBLE_COURSE_JOIN = 'LEFT JOIN courses c ON c.id = r.course_id AND (c.is_public OR c.creator_id = r.user_id)';

export interface RunDetailRow {
  [key: string]: unknown;
  id: string;
  user_id: string;
  course_id: string | null;
  distance_meters: number;
  duration_seconds: number;
  total_elapsed_seconds: number | null;
  avg_pace_seconds_per_km: number | null;
  best_pace_seconds_per_km: number | null;
  avg_speed_ms: number | null;
  max_speed_ms: number | null;
  calories: number | null;
  elevation_gain_meters: number;
  elevation_loss_meters: number;
  elevation_profile: number[] | null;
  splits: Record<string, unknown>[] | null;
  started_at: Date;
  finished_at: Date;
  route: string | null;
  course_completed: boolean | null;
  route_match_percent: number | null;
  ranking_at_time: number | null;
  course_title: string | null;
  course_distance: number | null;
  goal_data: RunGoal | null;
}

export async function findRunDetail(db: Queryable, runId: string, userId: string): Promise<RunDetailRow | undefined> {
  const { rows } = await db.query<RunDetailRow>(
    `SELECT r.id, r.user_id, c.id AS course_id, r.distance_meters, r.duration_seconds, r.total_elapsed_seconds,
            r.avg_pace_seconds_per_km, r.best_pace_seconds_per_km, r.avg_speed_ms, r.max_speed_ms, r.calories,
            r.elevation_gain_meters, r.elevation_loss_meters, r.elevation_profile, r.splits, r.started_at, r.finished_at,
            ST_AsGeoJSON(r.route_geometry) AS route, r.course_completed, r.route_match_percent, r.ranking_at_time,
            c.title AS course_title, c.distance_meters AS course_distance, r.goal_data
       FROM run_records r ${VISIBLE_COURSE_JOIN}
      WHERE r.id = $1 AND r.user_id = $2`,
    [runId, userId],
  );
  return rows[0];
}

export interface RunHistoryRow {
  [key: string]: unknown;
  id: string;
  distance_meters: number;
  duration_seconds: number;
  avg_pace_seconds_per_km: number | null;
  elevation_gain_meters: number;
  started_at: Date;
  finished_at: Date;
  course_id: string | null;
  course_title: string | null;
  course_distance: number | null;
  route_preview: number[][] | null;
  goal_data: RunGoal | null;
}

// Sort keys by whitelist: the query value never reaches the SQL text.
const ORDER_COLUMNS: Record<MyRunsQuery['order_by'], string> = {
  finished_at: 'r.finished_at',
  distance_meters: 'r.distance_meters',
  duration_seconds: 'r.duration_seconds',
};

export async function listUserRuns(
  db: Queryable,
  userId: string,
  orderBy: MyRunsQuery['order_by'],
  order: MyRunsQuery['order'],
  limit: number,
  offset: number,
): Promise<{ rows: RunHistoryRow[]; total: number }> {
  const dir = order === 'asc' ? 'ASC' : 'DESC';
  const [page, count] = await Promise.all([
    db.query<RunHistoryRow>(
      `SELECT r.id, r.distance_meters, r.duration_seconds, r.avg_pace_seconds_per_km, r.elevation_gain_meters,
              r.started_at, r.finished_at, c.id AS course_id, c.title AS course_title, c.distance_meters AS course_distance,
              ${routePreviewSql('r')} AS route_preview, r.goal_data
         FROM run_records r ${VISIBLE_COURSE_JOIN}
        WHERE r.user_id = $1
        ORDER BY ${ORDER_COLUMNS[orderBy]} ${dir}, r.id ${dir}
        LIMIT $2 OFFSET $3`,
      [userId, limit, offset],
    ),
    db.query<{ n: number }>('SELECT count(*) AS n FROM run_records WHERE user_id = $1', [userId]),
  ]);
  return { rows: page.rows, total: count.rows[0]!.n };
}
