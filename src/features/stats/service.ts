// A user's own statistics (RULES.md §5 with the GAPS fixes): calendar periods and streak days in the user's
// time zone (users.time_zone, else DEFAULT_TIME_ZONE); all of their runs count, Strava imports included.
import type { Queryable } from '../../infra/db/database.js';
import { isTimeZone } from '../../infra/config.js';
import * as q from './queries.js';
import type { UserStats, WeeklySummary } from './schemas.js';

/** Seconds per km over a distance, rounded half up; null without distance. */
const pace = (seconds: number, meters: number) => (meters > 0 ? Math.round((seconds * 1000) / meters) : null);

/** The user's own zone when it is a real one, else the server default. */
export async function timeZoneOf(db: Queryable, userId: string, defaultZone: string): Promise<string> {
  const zone = await q.userTimeZone(db, userId);
  return zone && isTimeZone(zone) ? zone : defaultZone;
}

/** Consecutive days with a run, ending today or yesterday in `timeZone`; 0 otherwise. */
export async function currentStreakDays(db: Queryable, userId: string, timeZone: string, now = new Date()): Promise<number> {
  return (await q.streaks(db, userId, timeZone, now)).current_streak_days;
}

export async function userStats(db: Queryable, userId: string, period: q.Period, timeZone: string, now = new Date()): Promise<UserStats> {
  const [totals, allTime, streaks, monthly] = await Promise.all([
    q.periodTotals(db, userId, period, timeZone, now),
    q.allTimeCounts(db, userId),
    q.streaks(db, userId, timeZone, now),
    q.monthlyDistance(db, userId, timeZone, now),
  ]);
  return {
    total_distance_meters: totals.total_distance_meters,
    total_duration_seconds: totals.total_duration_seconds,
    total_runs: totals.total_runs,
    avg_pace_seconds_per_km: pace(totals.total_duration_seconds, totals.total_distance_meters),
    avg_distance_per_run_meters: totals.total_runs > 0 ? Math.round(totals.total_distance_meters / totals.total_runs) : 0,
    best_pace_seconds_per_km: totals.best_pace_seconds_per_km,
    longest_run_meters: totals.longest_run_meters,
    total_elevation_gain_meters: totals.total_elevation_gain_meters,
    estimated_calories: totals.estimated_calories,
    ...streaks,
    ...allTime,
    monthly_distance: monthly,
  };
}

export async function weeklySummary(db: Queryable, userId: string, timeZone: string, now = new Date()): Promise<WeeklySummary> {
  const week = await q.weekly(db, userId, timeZone, now);
  return {
    total_distance_meters: week.total_distance_meters,
    total_duration_seconds: week.total_duration_seconds,
    run_count: week.run_count,
    avg_pace_seconds_per_km: pace(week.total_duration_seconds, week.total_distance_meters),
    compared_to_last_week_percent: week.compared_to_last_week_percent,
  };
}
