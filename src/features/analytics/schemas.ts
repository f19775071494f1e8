// Schemas of the newer app's analytics screen (userService.getAnalytics, updateWeeklyGoal).
import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../../infra/http/schemas.js';

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD in the user’s time zone' });

export const Analytics = Type.Object({
  weekly_stats: Type.Array(
    Type.Object({
      week_start: Day,
      distance_meters: Type.Integer(),
      run_count: Type.Integer(),
      duration_seconds: Type.Integer(),
      avg_pace: Nullable(Type.Integer({ description: 'Seconds per km over the week' })),
    }),
    { description: 'The last 12 weeks with runs, oldest first' },
  ),
  pace_trend: Type.Array(
    Type.Object({ date: Type.String({ format: 'date-time' }), avg_pace: Type.Integer(), distance_meters: Type.Integer() }),
    { description: 'The last 30 runs with a pace, oldest first' },
  ),
  activity_calendar: Type.Array(
    Type.Object({ date: Day, distance_meters: Type.Integer(), run_count: Type.Integer() }),
    { description: 'Days with runs in the last 90 days' },
  ),
  best_efforts: Type.Array(
    Type.Object({
      distance_label: Type.String(),
      target_meters: Type.Integer(),
      best_time_seconds: Nullable(Type.Integer({ description: 'At the best average pace of a run at least that long' })),
      best_pace: Nullable(Type.Integer()),
      achieved_date: Nullable(Type.String({ format: 'date-time' })),
      run_id: Nullable(Type.String({ format: 'uuid' })),
    }),
    { description: '1K, 3K, 5K, 10K, Half, Full' },
  ),
  weekly_goal_km: Type.Number(),
  weekly_current_km: Type.Number({ description: 'This calendar week, two decimals' }),
});
export type Analytics = Static<typeof Analytics>;

export const WeeklyGoalBody = Type.Object({ goal_km: Type.Number({ minimum: 1, maximum: 500 }) });
export type WeeklyGoalBody = Static<typeof WeeklyGoalBody>;

export const WeeklyGoal = Type.Object({ weekly_goal_km: Type.Number() });
export type WeeklyGoal = Static<typeof WeeklyGoal>;
