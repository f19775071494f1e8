// SQL of live group runs, their participants and the positions they sent.
import type { Queryable } from '../../infra/db/database.js';
import type { RunStatus } from './schemas.js';

export interface RunRow {
  [key: string]: unknown;
  id: string;
  title: string;
  status: RunStatus;
  course_id: string;
  course_name: string;
  host_user_id: string;
  host_nickname: string;
  host_avatar_url: string | null;
  max_participants: number;
  participant_count: number;
  scheduled_at: Date | null;
  started_at: Date | null;
  created_at: Date;
}

// $1 is the viewer: a run on a course the viewer cannot see (private and not theirs) is not shown to them.
const RUN_SELECT = `
  SELECT r.id, r.title, r.status, r.course_id, c.title AS course_name, r.host_user_id,
         coalesce(h.nickname, '') AS host_nickname, h.avatar_url AS host_avatar_url, r.max_participants,
         (SELECT count(*)::int FROM live_group_run_participants p WHERE p.live_group_run_id = r.id) AS participant_count,
         r.scheduled_at, r.started_at, r.created_at
    FROM live_group_runs r
    JOIN courses c ON c.id = r.course_id AND (c.is_public OR c.creator_id = $1::uuid)
    JOIN users h ON h.id = r.host_user_id`;

export async function findRun(db: Queryable, viewerId: string, id: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(`${RUN_SELECT} WHERE r.id = $2`, [viewerId, id]);
  return rows[0];
}

/** Waiting and running live group runs the viewer can see, newest first. */
export async function listOpen(db: Queryable, viewerId: string, f: { courseId?: string; limit: number; offset: number }): Promise<RunRow[]> {
  const values: unknown[] = [viewerId, f.limit, f.offset];
  let filter = '';
  if (f.courseId) {
    values.push(f.courseId);
    filter = 'AND r.course_id = $4';
  }
  const { rows } = await db.query<RunRow>(
    `${RUN_SELECT} WHERE r.status IN ('waiting', 'running') ${filter} ORDER BY r.created_at DESC, r.id DESC LIMIT $2 OFFSET $3`,
    values,
  );
  return rows;
}

export interface ParticipantRow {
  [key: string]: unknown;
  user_id: string;
  nickname: string;
  avatar_url: string | null;
  status: RunStatus;
  current_distance_m: number;
  current_duration_s: number;
  last_lat: number | null;
  last_lng: number | null;
}

export type ParticipantOfRun = ParticipantRow & { live_group_run_id: string; run_status: RunStatus; run_started_at: Date | null };

/** The standings of several runs in one statement (the snapshots after a batch of positions), with each run's state. */
export async function participantsOfRuns(db: Queryable, runIds: string[]): Promise<ParticipantOfRun[]> {
  const { rows } = await db.query<ParticipantOfRun>(
    `SELECT p.live_group_run_id, r.status AS run_status, r.started_at AS run_started_at,
            p.user_id, coalesce(u.nickname, '') AS nickname, u.avatar_url, p.status, p.current_distance_m, p.current_duration_s,
            p.last_lat, p.last_lng
       FROM live_group_runs r
       JOIN live_group_run_participants p ON p.live_group_run_id = r.id
       JOIN users u ON u.id = p.user_id
      WHERE r.id = ANY($1::uuid[])
      ORDER BY p.live_group_run_id, p.current_distance_m DESC, p.joined_at, p.user_id`,
    [runIds],
  );
  return rows;
}

/** Standings: the longest distance first, then in the order they joined. */
export async function participants(db: Queryable, runId: string): Promise<ParticipantRow[]> {
  const { rows } = await db.query<ParticipantRow>(
    `SELECT p.user_id, coalesce(u.nickname, '') AS nickname, u.avatar_url, p.status, p.current_distance_m, p.current_duration_s, p.last_lat, p.last_lng
       FROM live_group_run_participants p JOIN users u ON u.id = p.user_id
      WHERE p.live_group_run_id = $1
      ORDER BY p.current_distance_m DESC, p.joined_at, p.user_id`,
    [runId],
  );
  return rows;
}

export async function insertRun(
  tx: Queryable,
  r: { courseId: string; hostId: string; title: string; maxParticipants: number; scheduledAt: Date | null; now: Date },
): Promise<{ id: string; status: RunStatus }> {
  const { rows } = await tx.query<{ id: string; status: RunStatus }>(
    `INSERT INTO live_group_runs (course_id, host_user_id, title, max_participants, scheduled_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, status`,
    [r.courseId, r.hostId, r.title, r.maxParticipants, r.scheduledAt, r.now],
  );
  return rows[0]!;
}

export async function insertParticipant(tx: Queryable, runId: string, userId: string, now: Date): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO live_group_run_participants (live_group_run_id, user_id, joined_at) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING`,
    [runId, userId, now],
  );
  return (rowCount ?? 0) > 0;
}

export interface LockedRun {
  [key: string]: unknown;
  id: string;
  host_user_id: string;
  course_id: string;
  status: RunStatus;
  max_participants: number;
  started_at: Date | null;
}

/** Locks the run's row until the transaction ends: joins and the start queue up behind each other. */
export async function lockRun(tx: Queryable, id: string): Promise<LockedRun | undefined> {
  const { rows } = await tx.query<LockedRun>(
    'SELECT id, host_user_id, course_id, status, max_participants, started_at FROM live_group_runs WHERE id = $1 FOR UPDATE',
    [id],
  );
  return rows[0];
}

export async function countParticipants(tx: Queryable, runId: string): Promise<number> {
  const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM live_group_run_participants WHERE live_group_run_id = $1', [runId]);
  return rows[0]!.n;
}

export async function isParticipant(tx: Queryable, runId: string, userId: string): Promise<boolean> {
  const { rowCount } = await tx.query('SELECT 1 FROM live_group_run_participants WHERE live_group_run_id = $1 AND user_id = $2', [runId, userId]);
  return (rowCount ?? 0) > 0;
}

export async function markStarted(tx: Queryable, runId: string, now: Date): Promise<void> {
  await tx.query(`UPDATE live_group_runs SET status = 'running', started_at = $2 WHERE id = $1`, [runId, now]);
  await tx.query(`UPDATE live_group_run_participants SET status = 'running' WHERE live_group_run_id = $1 AND status = 'waiting'`, [runId]);
}

export interface LockedParticipant {
  [key: string]: unknown;
  status: RunStatus;
  current_distance_m: number;
  last_lat: number | null;
  last_lng: number | null;
  last_position_at: Date | null;
  position_count: number;
  run_session_id: string | null;
  run_started_at: Date | null;
  run_status: RunStatus;
  course_id: string;
}

export interface ParticipantKey {
  runId: string;
  userId: string;
}

export type LockedParticipantOf = LockedParticipant & { live_group_run_id: string; user_id: string };

/**
 * The participants' rows, locked until the transaction ends (positions and the finish of one runner queue up).
 * Locked in key order, so two batches that share participants never wait on each other in a cycle.
 */
export async function lockParticipants(tx: Queryable, keys: ParticipantKey[]): Promise<LockedParticipantOf[]> {
  const { rows } = await tx.query<LockedParticipantOf>(
    `SELECT p.live_group_run_id, p.user_id, p.status, p.current_distance_m, p.last_lat, p.last_lng, p.last_position_at,
            p.position_count, p.run_session_id, r.started_at AS run_started_at, r.status AS run_status, r.course_id
       FROM unnest($1::uuid[], $2::uuid[]) AS k (run_id, user_id)
       JOIN live_group_run_participants p ON p.live_group_run_id = k.run_id AND p.user_id = k.user_id
       JOIN live_group_runs r ON r.id = p.live_group_run_id
      ORDER BY p.live_group_run_id, p.user_id
        FOR UPDATE OF p`,
    [keys.map((k) => k.runId), keys.map((k) => k.userId)],
  );
  return rows;
}

export async function lockParticipant(tx: Queryable, runId: string, userId: string): Promise<LockedParticipant | undefined> {
  return (await lockParticipants(tx, [{ runId, userId }]))[0];
}

export interface PositionWrite extends ParticipantKey {
  seq: number;
  lat: number;
  lng: number;
  at: Date;
  distance: number;
  duration: number;
}

/** Stores positions (one per participant) and moves those participants' standings: two statements for any number. */
export async function recordPositions(tx: Queryable, writes: PositionWrite[]): Promise<void> {
  const columns = [
    writes.map((w) => w.runId),
    writes.map((w) => w.userId),
    writes.map((w) => w.seq),
    writes.map((w) => w.lat),
    writes.map((w) => w.lng),
    writes.map((w) => w.at),
  ];
  await tx.query(
    `INSERT INTO live_group_run_positions (live_group_run_id, user_id, seq, lat, lng, received_at)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::float8[], $5::float8[], $6::timestamptz[])`,
    columns,
  );
  await tx.query(
    `UPDATE live_group_run_participants p
        SET current_distance_m = w.distance, current_duration_s = w.duration, last_lat = w.lat, last_lng = w.lng,
            last_position_at = w.at, position_count = w.seq + 1
       FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::float8[], $5::float8[], $6::timestamptz[], $7::float8[], $8::int[])
            AS w (run_id, user_id, seq, lat, lng, at, distance, duration)
      WHERE p.live_group_run_id = w.run_id AND p.user_id = w.user_id`,
    [...columns, writes.map((w) => w.distance), writes.map((w) => w.duration)],
  );
}

export async function positions(tx: Queryable, runId: string, userId: string): Promise<{ lat: number; lng: number; received_at: Date }[]> {
  const { rows } = await tx.query<{ lat: number; lng: number; received_at: Date }>(
    'SELECT lat, lng, received_at FROM live_group_run_positions WHERE live_group_run_id = $1 AND user_id = $2 ORDER BY seq',
    [runId, userId],
  );
  return rows;
}

export async function markCompleted(
  tx: Queryable,
  runId: string,
  userId: string,
  c: { sessionId: string; duration: number; at: Date },
): Promise<void> {
  await tx.query(
    `UPDATE live_group_run_participants SET status = 'completed', run_session_id = $3, current_duration_s = $4, completed_at = $5
      WHERE live_group_run_id = $1 AND user_id = $2`,
    [runId, userId, c.sessionId, c.duration, c.at],
  );
}

/** Completes the run once no participant is still running; true when it did. */
export async function completeRunIfAllDone(tx: Queryable, runId: string, at: Date): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE live_group_runs SET status = 'completed', completed_at = $2
      WHERE id = $1 AND status = 'running'
        AND NOT EXISTS (SELECT 1 FROM live_group_run_participants p WHERE p.live_group_run_id = $1 AND p.status <> 'completed')`,
    [runId, at],
  );
  return (rowCount ?? 0) > 0;
}

/** For the socket's upgrade: whether the run exists on a course the user can see, and whether they take part. */
export async function membership(db: Queryable, runId: string, userId: string): Promise<{ visible: boolean; participant: boolean }> {
  const { rows } = await db.query<{ participant: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM live_group_run_participants p WHERE p.live_group_run_id = r.id AND p.user_id = $2) AS participant
       FROM live_group_runs r JOIN courses c ON c.id = r.course_id AND (c.is_public OR c.creator_id = $2)
      WHERE r.id = $1`,
    [runId, userId],
  );
  return { visible: rows.length > 0, participant: rows[0]?.participant ?? false };
}

export async function runState(db: Queryable, runId: string): Promise<{ status: RunStatus; started_at: Date | null } | undefined> {
  const { rows } = await db.query<{ status: RunStatus; started_at: Date | null }>('SELECT status, started_at FROM live_group_runs WHERE id = $1', [runId]);
  return rows[0];
}
