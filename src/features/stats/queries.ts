// SQL of a user's own statistics. Every run of theirs counts, Strava imports included (their own data).
// Calendar periods and days are those of the user's time zone: `ts AT TIME ZONE tz` is the wall-clock time
// there, and `date_trunc(unit, now AT TIME ZONE tz) AT TIME ZONE tz` the instant the current week (ISO, from
// Monday), month or year began.
import type { Queryable } from '../../infra/db/database.js';

export type Period = 'all' | 'week' | 'month' | 'year';

export interface PeriodRow {
  total_runs: number;
  total_distance_meters: number;
  total_duration_seconds: number;
  longest_run_meters: number;
  total_elevation_gain_meters: number;
  estimated_calories: number;
  best_pace_seconds_per_km: number | null;
}

/**
 * Totals of the runs finished since the start of the current calendar period. Best pace is the fastest
 * pace held over at least a kilometre: a run's best (per-km) pace, else its average, from plausible runs
 * of 1 km or more (the minimum of every run's average would crown a 200 m sprint or a GPS glitch).
 */
export async function periodTotals(db: Queryable, userId: string, period: Period, timeZone: string, now: Date): Promise<PeriodRow> {
  const { rows } = await db.query<PeriodRow & Record<string, unknown>>(
    `SELECT count(*) AS total_runs,
       coalesce(sum(distance_meters), 0) AS total_distance_meters,
       coalesce(sum(duration_seconds), 0) AS total_duration_seconds,
       coalesce(max(distance_meters), 0) AS longest_run_meters,
       coalesce(sum(elevation_gain_meters), 0) AS total_elevation_gain_meters,
       coalesce(sum(calories), 0) AS estimated_calories,
       min(coalesce(best_pace_seconds_per_km, avg_pace_seconds_per_km, round(duration_seconds * 1000.0 / distance_meters)::int))
         FILTER (WHERE is_plausible AND distance_meters >= 1000
                 AND coalesce(best_pace_seconds_per_km, avg_pace_seconds_per_km, duration_seconds) > 0) AS best_pace_seconds_per_km
     FROM run_records
     WHERE user_id = $1
       AND ($2::text IS NULL OR finished_at >= date_trunc($2, $3::timestamptz AT TIME ZONE $4) AT TIME ZONE $4)`,
    // 'all' is passed as null: date_trunc('all', …) would fail even where the OR makes it unneeded.
    [userId, period === 'all' ? null : period, now, timeZone],
  );
  return rows[0]!;
}

export interface AllTimeRow {
  courses_created: number;
  courses_completed: number;
  total_course_runs: number;
  ranking_top10_count: number;
}

/** Counts over all time. A top-10 place = at most 9 runners before the user in board order (see rankings). */
export async function allTimeCounts(db: Queryable, userId: string): Promise<AllTimeRow> {
  const { rows } = await db.query<AllTimeRow & Record<string, unknown>>(
    `SELECT
       (SELECT count(*) FROM courses WHERE creator_id = $1) AS courses_created,
       (SELECT count(DISTINCT course_id) FROM run_records WHERE user_id = $1 AND course_completed) AS courses_completed,
       (SELECT count(*) FROM run_records WHERE user_id = $1 AND course_id IS NOT NULL) AS total_course_runs,
       (SELECT count(*) FROM rankings r
        WHERE r.user_id = $1
          AND (SELECT count(*) FROM (
                 SELECT 1 FROM rankings o
                 WHERE o.course_id = r.course_id
                   AND (o.best_duration_seconds, o.achieved_at, o.user_id) < (r.best_duration_seconds, r.achieved_at, r.user_id)
                 LIMIT 10) ahead) <= 9) AS ranking_top10_count`,
    [userId],
  );
  return rows[0]!;
}

export interface StreakRow {
  current_streak_days: number;
  best_streak_days: number;
}

/**
 * Streaks over the distinct local days with a finished run: consecutive days share `day - row_number`.
 * The current streak is the one that ends today or yesterday (today's run may still be to come), else 0.
 */
export async function streaks(db: Queryable, userId: string, timeZone: string, now: Date): Promise<StreakRow> {
  const { rows } = await db.query<StreakRow & Record<string, unknown>>(
    `WITH days AS (
       SELECT DISTINCT (finished_at AT TIME ZONE $2)::date AS day FROM run_records WHERE user_id = $1
     ), streaks AS (
       SELECT max(day) AS last_day, count(*) AS days
       FROM (SELECT day, day - (row_number() OVER (ORDER BY day))::int AS streak FROM days) d
       GROUP BY streak
     )
     SELECT coalesce(max(days) FILTER (WHERE last_day >= ($3::timestamptz AT TIME ZONE $2)::date - 1), 0) AS current_streak_days,
            coalesce(max(days), 0) AS best_streak_days
     FROM streaks`,
    [userId, timeZone, now],
  );
  return rows[0]!;
}

export interface MonthRow {
  month: string;
  distance_meters: number;
  run_count: number;
}

/** The current local month and the five before it, oldest first, months without runs included. */
export async function monthlyDistance(db: Queryable, userId: string, timeZone: string, now: Date): Promise<MonthRow[]> {
  const { rows } = await db.query<MonthRow & Record<string, unknown>>(
    `SELECT to_char(m.start, 'YYYY-MM') AS month,
       coalesce(sum(r.distance_meters), 0) AS distance_meters, count(r.id) AS run_count
     FROM generate_series(date_trunc('month', $3::timestamptz AT TIME ZONE $2) - interval '5 months',
                          date_trunc('month', $3::timestamptz AT TIME ZONE $2), interval '1 month') AS m(start)
     LEFT JOIN run_records r ON r.user_id = $1
       AND r.finished_at >= m.start AT TIME ZONE $2 AND r.finished_at < (m.start + interval '1 month') AT TIME ZONE $2
     GROUP BY m.start ORDER BY m.start`,
    [userId, timeZone, now],
  );
  return rows;
}

export interface WeeklyRow {
  total_distance_meters: number;
  total_duration_seconds: number;
  run_count: number;
  last_week_distance_meters: number;
  compared_to_last_week_percent: number;
}

/** This calendar week (from local Monday 00:00) and the whole week before it. */
export async function weekly(db: Queryable, userId: string, timeZone: string, now: Date): Promise<WeeklyRow> {
  const { rows } = await db.query<WeeklyRow & Record<string, unknown>>(
    `WITH bounds AS (
       SELECT date_trunc('week', $3::timestamptz AT TIME ZONE $2) AT TIME ZONE $2 AS this_week,
              (date_trunc('week', $3::timestamptz AT TIME ZONE $2) - interval '7 days') AT TIME ZONE $2 AS last_week
     ), totals AS (
       SELECT
         coalesce(sum(r.distance_meters) FILTER (WHERE r.finished_at >= b.this_week), 0) AS total_distance_meters,
         coalesce(sum(r.duration_seconds) FILTER (WHERE r.finished_at >= b.this_week), 0) AS total_duration_seconds,
         count(*) FILTER (WHERE r.finished_at >= b.this_week) AS run_count,
         coalesce(sum(r.distance_meters) FILTER (WHERE r.finished_at < b.this_week), 0) AS last_week_distance_meters
       FROM bounds b LEFT JOIN run_records r ON r.user_id = $1 AND r.finished_at >= b.last_week
     )
     SELECT *, CASE WHEN last_week_distance_meters > 0
       THEN round((total_distance_meters - last_week_distance_meters) * 100.0 / last_week_distance_meters, 1)
       ELSE 0 END AS compared_to_last_week_percent
     FROM totals`,
    [userId, timeZone, now],
  );
  return rows[0]!;
}

export async function userTimeZone(db: Queryable, userId: string): Promise<string | null> {
  const { rows } = await db.query<{ time_zone: string | null }>('SELECT time_zone FROM users WHERE id = $1', [userId]);
  return rows[0]?.time_zone ?? null;
}
