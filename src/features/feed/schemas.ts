// Response schemas of the follow feed routes (API.md §4, RULES.md §7).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../infra/http/schemas.js';

const Uuid = Type.String({ format: 'uuid' });

export const FriendsRunningQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Most sessions returned' }),
});
export type FriendsRunningQuery = Static<typeof FriendsRunningQuery>;

export const FriendRunning = Type.Object({
  user_id: Uuid,
  nickname: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
  session_id: Uuid,
  started_at: DateTime,
  course_id: Nullable(Type.String({ format: 'uuid', description: 'Null off-course or on a course the caller may not see' })),
  course_title: Nullable(Type.String({ description: 'Null like course_id' })),
});
export type FriendRunning = Static<typeof FriendRunning>;

export const FriendsRunning = Type.Object({ data: Type.Array(FriendRunning) });
export type FriendsRunning = Static<typeof FriendsRunning>;

export const ActivityFeedQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
});
export type ActivityFeedQuery = Static<typeof ActivityFeedQuery>;

export const ActivityFeedItem = Type.Object(
  {
    type: Type.Union([Type.Literal('run_completed'), Type.Literal('course_created')]),
    user_id: Uuid,
    nickname: Nullable(Type.String()),
    avatar_url: Nullable(Type.String()),
    run_id: Nullable(Uuid),
    distance_meters: Nullable(Type.Integer()),
    duration_seconds: Nullable(Type.Integer()),
    avg_pace_seconds_per_km: Nullable(Type.Integer({ description: 'Run items, when the run has one' })),
    course_title: Nullable(Type.String({ description: 'Run items: the title of the course the run was on' })),
    course_id: Nullable(Type.String({ format: 'uuid', description: 'Course items: the new course' })),
    course_title_created: Nullable(Type.String()),
    course_distance_meters: Nullable(Type.Integer()),
    created_at: Type.String({ format: 'date-time', description: "A run's finish, a course's creation" }),
  },
  { description: 'Run items fill run_id, distance_meters, duration_seconds, avg_pace_seconds_per_km, course_title; course items the course_* keys' },
);
export type ActivityFeedItem = Static<typeof ActivityFeedItem>;

export const ActivityFeed = Type.Object({ data: Type.Array(ActivityFeedItem) });
export type ActivityFeed = Static<typeof ActivityFeed>;
