// Request and response schemas of the leaderboard routes (API.md §7, DECISIONS M2).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../infra/http/schemas.js';

export const CourseId = Type.Object({ course_id: Type.String({ format: 'uuid' }) });

/** No defaults here: which keys were given decides the response shape (M2). */
export const RankingsQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: '0-based page; with page or per_page the answer is the envelope' })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Entries per page (default 20)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Replaces per_page; alone it answers a bare array of the top entries' })),
  // The newer app's filters. Any of them makes the answer the envelope (only the newer app sends them).
  country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'Only runners of this country (ISO 3166-1 alpha-2); ranks are within them' })),
  crew_id: Type.Optional(Type.String({ format: 'uuid', description: 'Only members of this crew; ranks are within them' })),
  scope: Type.Optional(Type.Union([Type.Literal('all_time'), Type.Literal('season')], { description: 'Accepted; there are no seasons, so both are all time' })),
  gender: Type.Optional(Type.Union([Type.Literal('male'), Type.Literal('female')], { description: 'Accepted and ignored: no app version lets a user give a gender' })),
  age_group: Type.Optional(Type.String({ maxLength: 20, description: 'Accepted and ignored, as by the old server' })),
});
export type RankingsQuery = Static<typeof RankingsQuery>;

export const RankingEntry = Type.Object({
  rank: Type.Integer({ minimum: 1, description: 'Unique: equal times go to whoever achieved them first' }),
  user: Type.Object({
    id: Type.String({ format: 'uuid' }),
    nickname: Nullable(Type.String()),
    avatar_url: Nullable(Type.String()),
    country: Nullable(Type.String({ description: 'ISO 3166-1 alpha-2, as on the profile' })),
    crew_name: Nullable(Type.String({ description: 'The runner’s primary crew, as on the profile' })),
  }),
  best_duration_seconds: Type.Integer(),
  best_pace_seconds_per_km: Type.Integer(),
  run_count: Type.Integer(),
  achieved_at: DateTime,
});
export type RankingEntry = Static<typeof RankingEntry>;

export const RankingsPage = Type.Object({
  data: Type.Array(RankingEntry),
  my_ranking: Nullable(
    Type.Object({
      rank: Type.Integer(),
      best_duration_seconds: Type.Integer(),
      best_pace_seconds_per_km: Type.Integer(),
      percentile: Type.Number({ description: 'rank / total_runners × 100, one decimal; smaller is better' }),
    }),
  ),
  total_runners: Type.Integer(),
});
export type RankingsPage = Static<typeof RankingsPage>;

export const Rankings = Type.Union([Type.Array(RankingEntry), RankingsPage], {
  description: '`?limit=N` alone: a bare array of the top N entries (the older app), except on a NEWER_APP_HOSTS host; otherwise the envelope',
});
export type Rankings = Static<typeof Rankings>;

export const MyRanking = Type.Object({
  rank: Nullable(Type.Integer()),
  best_duration_seconds: Nullable(Type.Integer()),
  total_runners: Type.Integer(),
  percentile: Nullable(Type.Number({ description: 'rank / total_runners × 100, one decimal; smaller is better' })),
});
export type MyRanking = Static<typeof MyRanking>;

export const MyBest = Type.Union(
  [
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      duration_seconds: Type.Integer({ description: 'Time from the course start to its finish within the run' }),
      avg_pace_seconds_per_km: Nullable(Type.Integer()),
      finished_at: DateTime,
    }),
    Type.Null(),
  ],
  { description: 'The caller’s fastest completed run on the course (their own Strava runs included), or null' },
);
export type MyBest = Static<typeof MyBest>;
