// Request and response schemas of the user statistics routes (API.md §3).
import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../../infra/http/schemas.js';

export const StatsQuery = Type.Object({
  period: Type.Union([Type.Literal('all'), Type.Literal('week'), Type.Literal('month'), Type.Literal('year')], {
    default: 'all',
    description: 'The current calendar week (from Monday), month or year in the user’s time zone, or all time',
  }),
});
export type StatsQuery = Static<typeof StatsQuery>;

const Int = Type.Integer;

export const UserStats = Type.Object({
  total_distance_meters: Int(),
  total_duration_seconds: Int(),
  total_runs: Int(),
  avg_pace_seconds_per_km: Nullable(Int()),
  avg_distance_per_run_meters: Int(),
  best_pace_seconds_per_km: Nullable(Int({ description: 'Fastest pace held over at least a kilometre' })),
  longest_run_meters: Int(),
  total_elevation_gain_meters: Int(),
  estimated_calories: Int(),
  current_streak_days: Int({ description: 'Consecutive days with a run ending today or yesterday; 0 otherwise' }),
  best_streak_days: Int(),
  courses_created: Int(),
  courses_completed: Int(),
  total_course_runs: Int(),
  ranking_top10_count: Int(),
  monthly_distance: Type.Array(
    Type.Object({ month: Type.String({ pattern: '^\\d{4}-\\d{2}$' }), distance_meters: Int(), run_count: Int() }),
    { description: 'The current month and the five before it, oldest first' },
  ),
});
export type UserStats = Static<typeof UserStats>;

export const WeeklySummary = Type.Object({
  total_distance_meters: Int(),
  total_duration_seconds: Int(),
  run_count: Int(),
  avg_pace_seconds_per_km: Nullable(Int()),
  compared_to_last_week_percent: Type.Number({ description: 'Distance against the whole previous week, one decimal; 0 when it was 0' }),
});
export type WeeklySummary = Static<typeof WeeklySummary>;
