// SQL of the analytics screen: every query reads only the caller's runs (all of them, Strava included: it is
// their own data), walking idx_runs_user_finished.
import type { Queryable } from '../../infra/db/database.js';

export const BEST_EFFORTS: readonly [string, number][] = [
  ['1K', 1000], ['3K', 3000], ['5K', 5000], ['10K', 10000], ['Half', 21097], ['Full', 42195],
];

export async function weeklyStats(db: Queryable, userId: string, timeZone: string, now: Date) {
  const { rows } = await db.query<{ week_start: string; distance_meters: number; run_count: number; duration_seconds: number }>(
    `SELECT date_trunc('week', finished_at AT TIME ZONE $2)::date::text AS week_start,
            sum(distance_meters) AS distance_meters, count(*) AS run_count, sum(duration_seconds) AS duration_seconds
       FROM run_records
      WHERE user_id = $1
        AND finished_at >= (date_trunc('week', $3::timestamptz AT TIME ZONE $2) - interval '11 weeks') AT TIME ZONE $2
      GROUP BY 1 ORDER BY 1`,
    [userId, timeZone, now],
  );
  return rows;
}

export async function paceTrend(db: Queryable, userId: string) {
  const { rows } = await db.query<{ finished_at: Date; avg_pace: number; distance_meters: number }>(
    `SELECT * FROM (SELECT finished_at, avg_pace_seconds_per_km AS avg_pace, distance_meters
                      FROM run_records WHERE user_id = $1 AND avg_pace_seconds_per_km > 0
                     ORDER BY finished_at DESC, id DESC LIMIT 30) t
      ORDER BY finished_at`,
    [userId],
  );
  return rows;
}

export async function activityCalendar(db: Queryable, userId: string, timeZone: string, now: Date) {
  const { rows } = await db.query<{ date: string; distance_meters: number; run_count: number }>(
    `SELECT (finished_at AT TIME ZONE $2)::date::text AS date, sum(distance_meters) AS distance_meters, count(*) AS run_count
       FROM run_records
      WHERE user_id = $1 AND finished_at >= $3::timestamptz - interval '90 days'
      GROUP BY 1 ORDER BY 1`,
    [userId, timeZone, now],
  );
  return rows;
}

/** For each target distance, the run at least that long with the best average pace (the earliest on a tie). */
export async function bestEfforts(db: Queryable, userId: string) {
  const { rows } = await db.query<{ label: string; target: number; id: string | null; pace: number | null; finished_at: Date | null }>(
    `SELECT t.label, t.target, b.id, b.pace, b.finished_at
       FROM unnest($2::text[], $3::int[]) WITH ORDINALITY AS t(label, target, n)
       LEFT JOIN LATERAL (SELECT id, avg_pace_seconds_per_km AS pace, finished_at FROM run_records
                           WHERE user_id = $1 AND distance_meters >= t.target AND avg_pace_seconds_per_km > 0
                           ORDER BY avg_pace_seconds_per_km, finished_at LIMIT 1) b ON true
      ORDER BY t.n`,
    [userId, BEST_EFFORTS.map(([l]) => l), BEST_EFFORTS.map(([, m]) => m)],
  );
  return rows;
}

export async function weekGoalAndDistance(db: Queryable, userId: string, timeZone: string, now: Date) {
  const { rows } = await db.query<{ weekly_goal_km: number; week_distance_meters: number }>(
    `SELECT u.weekly_goal_km,
            (SELECT coalesce(sum(distance_meters), 0) FROM run_records
              WHERE user_id = u.id AND finished_at >= date_trunc('week', $3::timestamptz AT TIME ZONE $2) AT TIME ZONE $2)
              AS week_distance_meters
       FROM users u WHERE u.id = $1`,
    [userId, timeZone, now],
  );
  return rows[0];
}

export async function setWeeklyGoal(db: Queryable, userId: string, goalKm: number): Promise<number | undefined> {
  const { rows } = await db.query<{ weekly_goal_km: number }>(
    'UPDATE users SET weekly_goal_km = $2, updated_at = now() WHERE id = $1 RETURNING weekly_goal_km',
    [userId, goalKm],
  );
  return rows[0]?.weekly_goal_km;
}
