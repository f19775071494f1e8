// Request and response schemas of the friends routes, as the newer app's src/types/api.ts declares them
// (FriendRequestItem, FriendRequestListResponse, FriendListResponse, FriendshipStatusResponse).
import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../../infra/http/schemas.js';

export { UserId } from '../users/schemas.js';
export { PageQuery } from '../follows/schemas.js';

export const RequestId = Type.Object({ request_id: Type.String({ format: 'uuid' }) });

const FriendUser = Type.Object({
  id: Type.String({ format: 'uuid' }),
  nickname: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
});

export const FriendRequestItem = Type.Object({
  id: Type.String({ format: 'uuid' }),
  requester: FriendUser,
  recipient: FriendUser,
  status: Type.Union([Type.Literal('pending'), Type.Literal('accepted')]),
  created_at: Type.String({ format: 'date-time', description: 'When the request was sent' }),
});
export type FriendRequestItem = Static<typeof FriendRequestItem>;

export const FriendRequestList = Type.Object({ data: Type.Array(FriendRequestItem), total_count: Type.Integer() });
export type FriendRequestList = Static<typeof FriendRequestList>;

/** A friend; `id` is the friendship's (the accepted request's), `user` the other side. */
export const FriendItem = Type.Object({
  id: Type.String({ format: 'uuid' }),
  user: FriendUser,
  since: Type.String({ format: 'date-time', description: 'When the request was accepted' }),
});
export type FriendItem = Static<typeof FriendItem>;

export const FriendList = Type.Object({ data: Type.Array(FriendItem), total_count: Type.Integer() });
export type FriendList = Static<typeof FriendList>;

export const FriendshipStatus = Type.Object({
  is_friend: Type.Boolean(),
  request_status: Nullable(
    Type.Union([Type.Literal('pending_sent'), Type.Literal('pending_received'), Type.Literal('accepted')]),
  ),
  friends_count: Type.Integer({ description: "The user's number of friends" }),
});
export type FriendshipStatus = Static<typeof FriendshipStatus>;

export const PendingCount = Type.Object({ count: Type.Integer({ description: 'Pending requests the caller received' }) });
