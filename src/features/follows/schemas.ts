// Request and response schemas of the follows routes (API.md §4).
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, pageFields } from '../../infra/http/schemas.js';

export { UserId } from '../users/schemas.js';

export const PageQuery = Type.Object({
  ...pageFields(),
});
export type PageQuery = Static<typeof PageQuery>;

const UserSummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  nickname: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
});

/** A follow; `user` is the other side (the followed user, or the follower in a followers list). */
export const Follow = Type.Object({
  id: Type.String({ format: 'uuid' }),
  user: UserSummary,
  created_at: Type.String({ format: 'date-time' }),
});
export type Follow = Static<typeof Follow>;

export const FollowList = Type.Object({ data: Type.Array(Follow), total_count: Type.Integer() });
export type FollowList = Static<typeof FollowList>;

export const FollowStatus = Type.Object({
  is_following: Type.Boolean(),
  followers_count: Type.Integer(),
  following_count: Type.Integer(),
});
export type FollowStatus = Static<typeof FollowStatus>;

/** A user's code as people read it to each other (case and spaces forgiven). */
export const UserCodeParams = Type.Object({ user_code: Type.String({ minLength: 1, maxLength: 20 }) });
export const FollowByCodeBody = Type.Object({ user_code: Type.String({ minLength: 1, maxLength: 20, description: 'The code GET /users/me shows' }) });
export type FollowByCodeBody = Static<typeof FollowByCodeBody>;

export const UserByCode = Type.Object({
  id: Type.String({ format: 'uuid' }),
  user_code: Type.String(),
  nickname: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
  bio: Nullable(Type.String()),
  total_distance_meters: Type.Integer({ description: 'Strava runs left out, as on the public profile' }),
  total_runs: Type.Integer(),
  is_following: Type.Boolean(),
});
export type UserByCode = Static<typeof UserByCode>;
