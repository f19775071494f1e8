// Friends routes (the newer app's src/services/friendService.ts). Every route needs a bearer token; the caller
// is always one of the two users of a request or friendship.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { FriendList, FriendRequestItem, FriendRequestList, FriendshipStatus, PageQuery, PendingCount, RequestId, UserId } from './schemas.js';
import * as service from './service.js';

const tags = ['friends'];
const ErrorRef = Type.Ref('ErrorBody');

export const friendsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.deps;

  app.post(
    '/friend-requests/:user_id',
    {
      schema: {
        tags,
        summary: 'Send a friend request',
        description:
          'Sends a request to the user (201). The pending request already sent is returned again (200); when the user ' +
          'had asked the caller, their request is accepted instead (200, status accepted).',
        params: UserId,
        response: { 200: FriendRequestItem, 201: FriendRequestItem, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      const { created, item } = await service.send(app.deps, request.userId, request.params.user_id);
      return reply.status(created ? 201 : 200).send(item);
    },
  );

  app.patch(
    '/friend-requests/:request_id/accept',
    {
      schema: {
        tags,
        summary: 'Accept a friend request you received (again: the same answer)',
        params: RequestId,
        response: { 200: FriendRequestItem, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.accept(app.deps, request.userId, request.params.request_id),
  );

  app.patch(
    '/friend-requests/:request_id/decline',
    {
      schema: {
        tags,
        summary: 'Decline a pending friend request you received',
        params: RequestId,
        response: { 204: Type.Null({ description: 'Declined' }), 403: ErrorRef, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.decline(db, request.userId, request.params.request_id);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/friend-requests/:request_id',
    {
      schema: {
        tags,
        summary: 'Cancel a pending friend request you sent',
        params: RequestId,
        response: { 204: Type.Null({ description: 'Cancelled' }), 403: ErrorRef, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.cancel(db, request.userId, request.params.request_id);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/friends/:user_id',
    {
      schema: {
        tags,
        summary: 'Unfriend a user, for both of you (204 also when you were not friends)',
        params: UserId,
        response: { 204: Type.Null({ description: 'Not friends (any more)' }), 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.unfriend(db, request.userId, request.params.user_id);
      return reply.status(204).send(null);
    },
  );

  for (const side of ['received', 'sent'] as const) {
    app.get(
      `/friend-requests/${side}`,
      {
        schema: {
          tags,
          summary: side === 'received' ? 'Pending friend requests you received, newest first' : 'Pending friend requests you sent, newest first',
          querystring: PageQuery,
          response: { 200: FriendRequestList, 422: ErrorRef },
        },
      },
      (request) => service.pendingRequests(db, request.userId, side, request.query),
    );
  }

  app.get(
    '/friend-requests/pending-count',
    {
      schema: { tags, summary: 'How many pending friend requests you received (the badge)', response: { 200: PendingCount } },
    },
    (request) => service.pendingCount(db, request.userId),
  );

  app.get(
    '/friends',
    {
      schema: {
        tags,
        summary: 'Your friends, the newest friendship first',
        querystring: PageQuery,
        response: { 200: FriendList, 422: ErrorRef },
      },
    },
    (request) => service.friends(db, request.userId, request.query),
  );

  app.get(
    '/users/:user_id/friendship-status',
    {
      schema: {
        tags,
        summary: 'Whether you and the user are friends or one of you asked, and the user’s number of friends',
        params: UserId,
        response: { 200: FriendshipStatus, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.status(db, request.userId, request.params.user_id),
  );
};
