// SQL of the events feature.
import type { Queryable } from '../../infra/db/database.js';

export interface EventRow {
  [key: string]: unknown;
  id: string;
  title: string;
  description: string | null;
  event_type: string;
  course_id: string | null;
  starts_at: Date;
  ends_at: Date;
  target_distance_meters: number | null;
  target_runs: number | null;
  badge_color: string;
  badge_icon: string;
  participant_count: number;
  is_active: boolean;
  center_lat: number | null;
  center_lng: number | null;
  max_participants: number | null;
  status: 'upcoming' | 'ongoing' | 'ended' | 'cancelled';
  cancelled_at: Date | null;
  created_at: Date;
  creator_id: string | null;
  creator_nickname: string | null;
  creator_avatar_url: string | null;
  /** The viewer's participation; null when not participating. */
  joined_at: Date | null;
  progress_distance_meters: number | null;
  progress_runs: number | null;
  completed: boolean | null;
}

// $1 is always the viewer. A course the viewer may not see (made private after the event was set up) is not named.
const EVENT_SELECT = `
  SELECT e.id, e.title, e.description, e.event_type,
         CASE WHEN c.is_public OR c.creator_id = $1::uuid THEN e.course_id END AS course_id,
         e.starts_at, e.ends_at, e.target_distance_meters, e.target_runs, e.badge_color, e.badge_icon,
         (SELECT count(*) FROM event_participants ep WHERE ep.event_id = e.id) AS participant_count,
         e.is_active, e.center_lat, e.center_lng, e.max_participants,
         CASE WHEN NOT e.is_active THEN 'cancelled' WHEN now() < e.starts_at THEN 'upcoming'
              WHEN now() < e.ends_at THEN 'ongoing' ELSE 'ended' END AS status,
         e.cancelled_at, e.created_at,
         u.id AS creator_id, u.nickname AS creator_nickname, u.avatar_url AS creator_avatar_url,
         me.joined_at, me.progress_distance_meters, me.progress_runs, me.completed
    FROM events e
    LEFT JOIN courses c ON c.id = e.course_id
    LEFT JOIN users u ON u.id = e.creator_id
    LEFT JOIN event_participants me ON me.event_id = e.id AND me.user_id = $1::uuid`;

export async function findEvent(db: Queryable, viewerId: string, eventId: string): Promise<EventRow | undefined> {
  const { rows } = await db.query<EventRow>(`${EVENT_SELECT} WHERE e.id = $2`, [viewerId, eventId]);
  return rows[0];
}

/** Active events that have not ended (upcoming included), soonest start first. */
export async function listActiveEvents(db: Queryable, viewerId: string, limit: number, offset: number) {
  const [count, page] = await Promise.all([
    db.query<{ n: number }>('SELECT count(*) AS n FROM events WHERE is_active AND ends_at > now()'),
    db.query<EventRow>(
      `${EVENT_SELECT} WHERE e.is_active AND e.ends_at > now() ORDER BY e.starts_at, e.id LIMIT $2 OFFSET $3`,
      [viewerId, limit, offset],
    ),
  ]);
  return { total_count: count.rows[0]!.n, rows: page.rows };
}

export type Envelope = [west: number, south: number, east: number, north: number];

export interface MarkerRow {
  [key: string]: unknown;
  id: string;
  title: string;
  event_type: string;
  badge_color: string;
  badge_icon: string;
  center_lat: number;
  center_lng: number;
  participant_count: number;
  ends_at: Date;
}

/**
 * Active, not-ended events whose meeting point lies inside any of the envelopes (bounds inclusive), through the
 * partial GIST index idx_events_active_center_geom; soonest end first.
 */
export async function markersInBounds(db: Queryable, envelopes: Envelope[], limit: number): Promise<MarkerRow[]> {
  const values: unknown[] = [limit];
  const boxes = envelopes.map((e) => {
    values.push(...e);
    const n = values.length;
    return `(e.center_point::geometry && ST_MakeEnvelope($${n - 3}, $${n - 2}, $${n - 1}, $${n}, 4326)
             AND e.center_lng BETWEEN $${n - 3} AND $${n - 1} AND e.center_lat BETWEEN $${n - 2} AND $${n})`;
  });
  const { rows } = await db.query<MarkerRow>(
    `SELECT e.id, e.title, e.event_type, e.badge_color, e.badge_icon, e.center_lat, e.center_lng,
            (SELECT count(*) FROM event_participants ep WHERE ep.event_id = e.id) AS participant_count, e.ends_at
       FROM events e
      WHERE e.is_active AND e.ends_at > now() AND (${boxes.join(' OR ')})
      ORDER BY e.ends_at, e.id
      LIMIT $1`,
    values,
  );
  return rows;
}

export interface CourseForEvent {
  [key: string]: unknown;
  owner_id: string;
  is_public: boolean;
  start_lat: number;
  start_lng: number;
}

export async function findCourseForEvent(db: Queryable, courseId: string): Promise<CourseForEvent | undefined> {
  const { rows } = await db.query<CourseForEvent>(
    `SELECT creator_id AS owner_id, is_public, ST_Y(start_point::geometry) AS start_lat, ST_X(start_point::geometry) AS start_lng
       FROM courses WHERE id = $1`,
    [courseId],
  );
  return rows[0];
}

/** Stored columns an event is created or edited with. */
export interface EventFields {
  title: string;
  description: string | null;
  event_type: string;
  course_id: string | null;
  starts_at: Date;
  ends_at: Date;
  target_distance_meters: number | null;
  target_runs: number | null;
  max_participants: number | null;
  badge_color: string;
  badge_icon: string;
  center_lat: number | null;
  center_lng: number | null;
}

const FIELD_NAMES = [
  'title', 'description', 'event_type', 'course_id', 'starts_at', 'ends_at', 'target_distance_meters', 'target_runs',
  'max_participants', 'badge_color', 'badge_icon', 'center_lat', 'center_lng',
] as const satisfies readonly (keyof EventFields)[];

export async function insertEvent(db: Queryable, creatorId: string, f: EventFields): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO events (creator_id, ${FIELD_NAMES.join(', ')})
     VALUES ($1, ${FIELD_NAMES.map((_, i) => `$${i + 2}`).join(', ')}) RETURNING id`,
    [creatorId, ...FIELD_NAMES.map((name) => f[name])],
  );
  return rows[0]!.id;
}

export interface LockedEvent extends EventFields {
  [key: string]: unknown;
  id: string;
  creator_id: string | null;
  is_active: boolean;
  cancelled_at: Date | null;
  ended: boolean;
  reminder_sent_at: Date | null;
  participant_count: number;
}

/**
 * The event row, locked until the transaction ends against other joins, edits and cancellations (not against
 * foreign-key checks), with its participant count read after the lock was granted.
 */
export async function lockEvent(tx: Queryable, eventId: string): Promise<LockedEvent | undefined> {
  // Two statements: in READ COMMITTED a statement's snapshot is taken when it starts, so a count in the locking
  // statement would miss a participant committed by the transaction we waited for.
  const locked = await tx.query<{ id: string }>('SELECT id FROM events WHERE id = $1 FOR NO KEY UPDATE', [eventId]);
  if (!locked.rowCount) return undefined;
  const { rows } = await tx.query<LockedEvent>(
    `SELECT e.id, e.creator_id, ${FIELD_NAMES.map((n) => `e.${n}`).join(', ')}, e.is_active, e.cancelled_at, e.ends_at <= now() AS ended,
            e.reminder_sent_at, (SELECT count(*) FROM event_participants ep WHERE ep.event_id = e.id) AS participant_count
       FROM events e WHERE e.id = $1`,
    [eventId],
  );
  return rows[0];
}

/** Writes the changed fields; `remindAgain` (a new start time) lets the reminder sweep pick the event up again. */
export async function updateEvent(tx: Queryable, eventId: string, changes: Partial<EventFields>, remindAgain: boolean): Promise<void> {
  const names = FIELD_NAMES.filter((n) => changes[n] !== undefined);
  const sets = [...names.map((n, i) => `${n} = $${i + 2}`), 'updated_at = now()'];
  if (remindAgain) sets.push('reminder_sent_at = NULL');
  await tx.query(`UPDATE events SET ${sets.join(', ')} WHERE id = $1`, [eventId, ...names.map((n) => changes[n])]);
}

/** Re-evaluates completion after the targets changed: targets met by at least one counted run. */
export async function recomputeCompletion(tx: Queryable, eventId: string): Promise<void> {
  await tx.query(
    `UPDATE event_participants p
        SET completed = p.progress_runs > 0
                        AND (e.target_distance_meters IS NULL OR p.progress_distance_meters >= e.target_distance_meters)
                        AND (e.target_runs IS NULL OR p.progress_runs >= e.target_runs)
       FROM events e WHERE e.id = $1 AND p.event_id = e.id`,
    [eventId],
  );
}

export async function cancelEvent(tx: Queryable, eventId: string): Promise<void> {
  await tx.query('UPDATE events SET is_active = false, cancelled_at = now(), updated_at = now() WHERE id = $1', [eventId]);
}

export async function participantIds(tx: Queryable, eventId: string): Promise<string[]> {
  const { rows } = await tx.query<{ user_id: string }>('SELECT user_id FROM event_participants WHERE event_id = $1', [eventId]);
  return rows.map((r) => r.user_id);
}

export async function isParticipant(tx: Queryable, eventId: string, userId: string): Promise<boolean> {
  const { rowCount } = await tx.query('SELECT 1 FROM event_participants WHERE event_id = $1 AND user_id = $2', [eventId, userId]);
  return (rowCount ?? 0) > 0;
}

export interface ParticipationRow {
  [key: string]: unknown;
  event_id: string;
  user_id: string;
  progress_distance_meters: number;
  progress_runs: number;
  completed: boolean;
  joined_at: Date;
}

/** Inserts the participation; undefined when it already exists. */
export async function insertParticipant(tx: Queryable, eventId: string, userId: string): Promise<ParticipationRow | undefined> {
  const { rows } = await tx.query<ParticipationRow>(
    `INSERT INTO event_participants (event_id, user_id) VALUES ($1, $2)
     ON CONFLICT (event_id, user_id) DO NOTHING
     RETURNING event_id, user_id, progress_distance_meters, progress_runs, completed, joined_at`,
    [eventId, userId],
  );
  return rows[0];
}

/** Removes the participation and what the user's runs contributed to it (a later join starts afresh). */
export async function deleteParticipant(db: Queryable, eventId: string, userId: string): Promise<boolean> {
  const { rows } = await db.query<{ left: boolean }>(
    `WITH gone AS (DELETE FROM event_participants WHERE event_id = $1 AND user_id = $2 RETURNING 1),
          contributions AS (DELETE FROM event_run_contributions WHERE event_id = $1 AND user_id = $2 AND EXISTS (SELECT 1 FROM gone))
     SELECT EXISTS (SELECT 1 FROM gone) AS left`,
    [eventId, userId],
  );
  return rows[0]!.left;
}
