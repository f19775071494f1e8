// SQL of challenges. A challenge's period is calendar days in the viewer's time zone, as the statistics read
// periods (stats/queries.ts): `date::timestamp AT TIME ZONE tz` is the instant that day began there, so the period is
// [start_date 00:00, end_date + 1 00:00) local, and a run counts when its finish falls inside it.
import type { Queryable } from '../../infra/db/database.js';
import type { GoalType } from './schemas.js';

export interface ChallengeRow {
  [key: string]: unknown;
  id: string;
  title: string;
  description: string;
  goal_type: GoalType;
  goal_value: number;
  reward_points: number;
  is_active: boolean;
  /** the period's bounds in the viewer's zone, end exclusive */
  starts_at: Date;
  ends_at: Date;
  participant_count: number;
  /** the viewer's participation; null when they have not joined */
  joined_at: Date | null;
}

// $1 is the viewer, $2 their time zone.
const CHALLENGE_SELECT = `
  SELECT c.id, c.title, c.description, c.goal_type, c.goal_value, c.reward_points, c.is_active,
         c.start_date::timestamp AT TIME ZONE $2::text AS starts_at,
         (c.end_date + 1)::timestamp AT TIME ZONE $2::text AS ends_at,
         (SELECT count(*) FROM challenge_participants a WHERE a.challenge_id = c.id) AS participant_count,
         me.joined_at
    FROM challenges c
    LEFT JOIN challenge_participants me ON me.challenge_id = c.id AND me.user_id = $1::uuid`;

export async function findChallenge(db: Queryable, viewerId: string, timeZone: string, id: string): Promise<ChallengeRow | undefined> {
  const { rows } = await db.query<ChallengeRow>(`${CHALLENGE_SELECT} WHERE c.id = $3`, [viewerId, timeZone, id]);
  return rows[0];
}

/** Active challenges whose last day has not ended in the viewer's zone (upcoming included), soonest start first. */
export async function listOpen(db: Queryable, viewerId: string, timeZone: string, now: Date, limit: number, offset: number) {
  const open = (zone: string, at: string) => `c.is_active AND (c.end_date + 1)::timestamp AT TIME ZONE ${zone}::text > ${at}::timestamptz`;
  const [count, page] = await Promise.all([
    db.query<{ n: number }>(`SELECT count(*) AS n FROM challenges c WHERE ${open('$1', '$2')}`, [timeZone, now]),
    db.query<ChallengeRow>(`${CHALLENGE_SELECT} WHERE ${open('$2', '$3')} ORDER BY c.start_date, c.end_date, c.id LIMIT $4 OFFSET $5`, [
      viewerId, timeZone, now, limit, offset,
    ]),
  ]);
  return { total: count.rows[0]!.n, rows: page.rows };
}

export interface ProgressRow {
  [key: string]: unknown;
  challenge_id: string;
  title: string;
  current_value: number;
  completed: boolean;
}

/**
 * The user's progress in each of the challenges, read from their own runs: plausible ones (any source, Strava
 * included: the progress is theirs) finished in the period of the user's zone. Distance in metres, duration in
 * seconds, runs counted, or the longest streak of consecutive local days with a run (consecutive days share
 * `day - row_number`, as in the statistics' streaks).
 */
export async function progressOf(db: Queryable, userId: string, timeZone: string, challengeIds: string[]): Promise<ProgressRow[]> {
  if (challengeIds.length === 0) return [];
  const { rows } = await db.query<ProgressRow>(
    `WITH progress AS (
       SELECT c.id AS challenge_id, c.title, c.goal_value,
              CASE c.goal_type WHEN 'total_distance' THEN t.distance WHEN 'total_runs' THEN t.runs
                               WHEN 'total_duration' THEN t.duration ELSE s.days END AS current_value
         FROM challenges c
        CROSS JOIN LATERAL (SELECT c.start_date::timestamp AT TIME ZONE $2::text AS from_at,
                                   (c.end_date + 1)::timestamp AT TIME ZONE $2::text AS to_at) p
        CROSS JOIN LATERAL (
          SELECT coalesce(sum(r.distance_meters), 0) AS distance, count(*) AS runs, coalesce(sum(r.duration_seconds), 0) AS duration
            FROM run_records r
           WHERE c.goal_type <> 'streak_days'
             AND r.user_id = $1 AND r.is_plausible AND r.finished_at >= p.from_at AND r.finished_at < p.to_at) t
        CROSS JOIN LATERAL (
          SELECT coalesce(max(n), 0) AS days
            FROM (SELECT count(*) AS n
                    FROM (SELECT day - (row_number() OVER (ORDER BY day))::int AS streak
                            FROM (SELECT DISTINCT (r.finished_at AT TIME ZONE $2::text)::date AS day
                                    FROM run_records r
                                   WHERE c.goal_type = 'streak_days'
                                     AND r.user_id = $1 AND r.is_plausible AND r.finished_at >= p.from_at AND r.finished_at < p.to_at) d) g
                   GROUP BY streak) x) s
        WHERE c.id = ANY($3::uuid[])
     )
     SELECT challenge_id, title, current_value, current_value >= goal_value AS completed FROM progress ORDER BY challenge_id`,
    [userId, timeZone, challengeIds],
  );
  return rows;
}

/** Joins; false when the user had already joined (nothing changes then). */
export async function insertParticipant(db: Queryable, challengeId: string, userId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'INSERT INTO challenge_participants (challenge_id, user_id) VALUES ($1, $2) ON CONFLICT (challenge_id, user_id) DO NOTHING',
    [challengeId, userId],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * The user's participations not completed yet in active challenges whose period (in the user's zone) holds
 * `finishedAt`, locked until the transaction ends, in one order (two runs of one user finishing together queue up
 * here, and the second reads the first's run once it is committed).
 */
export async function lockOpenParticipations(tx: Queryable, userId: string, timeZone: string, finishedAt: Date): Promise<string[]> {
  const { rows } = await tx.query<{ challenge_id: string }>(
    `SELECT p.challenge_id
       FROM challenge_participants p JOIN challenges c ON c.id = p.challenge_id
      WHERE p.user_id = $1 AND p.completed_at IS NULL AND c.is_active
        AND $3::timestamptz >= c.start_date::timestamp AT TIME ZONE $2::text
        AND $3::timestamptz < (c.end_date + 1)::timestamp AT TIME ZONE $2::text
      ORDER BY p.challenge_id
      FOR UPDATE OF p`,
    [userId, timeZone, finishedAt],
  );
  return rows.map((r) => r.challenge_id);
}

/** Records that the goals were reached; returns the challenges for which this is the first time. */
export async function markCompleted(tx: Queryable, userId: string, challengeIds: string[]): Promise<string[]> {
  if (challengeIds.length === 0) return [];
  const { rows } = await tx.query<{ challenge_id: string }>(
    `UPDATE challenge_participants SET completed_at = now()
      WHERE user_id = $1 AND challenge_id = ANY($2::uuid[]) AND completed_at IS NULL
      RETURNING challenge_id`,
    [userId, challengeIds],
  );
  return rows.map((r) => r.challenge_id);
}
