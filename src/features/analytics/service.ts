// The newer app's analytics screen: charts of the caller's own runs in their time zone, and their weekly goal.
import type { AppDeps } from '../../infra/deps.js';
import { notFound } from '../../infra/errors.js';
import { timeZoneOf } from '../stats/service.js';
import * as q from './queries.js';
import type { Analytics, WeeklyGoal } from './schemas.js';

const pace = (seconds: number, meters: number) => (meters > 0 ? Math.round((seconds * 1000) / meters) : null);

export async function analytics(deps: Pick<AppDeps, 'db' | 'config'>, userId: string, now = new Date()): Promise<Analytics> {
  const zone = await timeZoneOf(deps.db, userId, deps.config.DEFAULT_TIME_ZONE);
  const [weeks, trend, calendar, efforts, goal] = await Promise.all([
    q.weeklyStats(deps.db, userId, zone, now),
    q.paceTrend(deps.db, userId),
    q.activityCalendar(deps.db, userId, zone, now),
    q.bestEfforts(deps.db, userId),
    q.weekGoalAndDistance(deps.db, userId, zone, now),
  ]);
  if (!goal) throw notFound('User');
  return {
    weekly_stats: weeks.map((w) => ({ ...w, avg_pace: pace(w.duration_seconds, w.distance_meters) })),
    pace_trend: trend.map((t) => ({ date: t.finished_at.toISOString(), avg_pace: t.avg_pace, distance_meters: t.distance_meters })),
    activity_calendar: calendar,
    best_efforts: efforts.map((e) => ({
      distance_label: e.label,
      target_meters: e.target,
      best_time_seconds: e.pace === null ? null : Math.round((e.target / 1000) * e.pace),
      best_pace: e.pace,
      achieved_date: e.finished_at?.toISOString() ?? null,
      run_id: e.id,
    })),
    weekly_goal_km: goal.weekly_goal_km,
    weekly_current_km: Math.round(goal.week_distance_meters / 10) / 100,
  };
}

export async function setWeeklyGoal(deps: Pick<AppDeps, 'db'>, userId: string, goalKm: number): Promise<WeeklyGoal> {
  const saved = await q.setWeeklyGoal(deps.db, userId, goalKm);
  if (saved === undefined) throw notFound('User');
  return { weekly_goal_km: saved };
}
