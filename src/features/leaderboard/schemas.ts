// Schemas of the weekly leaderboard (the newer app's rankingService.getWeeklyLeaderboard).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, pageFields } from '../../infra/http/schemas.js';
import { RunnerLevel } from '../users/schemas.js';

export const WeeklyQuery = Type.Object({
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 30, description: 'Activity region contains this text' })),
  country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2' })),
  ...pageFields(),
});
export type WeeklyQuery = Static<typeof WeeklyQuery>;

export const WeeklyRunnerEntry = Type.Object({
  rank: Type.Integer({ minimum: 1 }),
  user: Type.Object({
    id: Type.String({ format: 'uuid' }),
    nickname: Nullable(Type.String()),
    avatar_url: Nullable(Type.String()),
    crew_name: Nullable(Type.String()),
    runner_level: RunnerLevel,
    country: Nullable(Type.String()),
  }),
  total_distance_meters: Type.Integer(),
  run_count: Type.Integer(),
  total_duration_seconds: Type.Integer(),
});
export type WeeklyRunnerEntry = Static<typeof WeeklyRunnerEntry>;

export const WeeklyLeaderboard = Type.Object({
  data: Type.Array(WeeklyRunnerEntry),
  // the caller, when they ran this week and pass the filters
  my_ranking: Nullable(WeeklyRunnerEntry),
  period_start: DateTime,
  period_end: DateTime,
});
export type WeeklyLeaderboard = Static<typeof WeeklyLeaderboard>;
