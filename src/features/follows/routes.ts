// Follow routes (API.md §4). Every route needs a bearer token; the caller is always the follower.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Follow, FollowByCodeBody, FollowList, FollowStatus, PageQuery, UserByCode, UserCodeParams, UserId } from './schemas.js';
import * as service from './service.js';

const tags = ['follows'];
const ErrorRef = Type.Ref('ErrorBody');

export const followsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.deps;

  app.post(
    '/users/:user_id/follow',
    {
      schema: {
        tags,
        summary: 'Follow a user',
        params: UserId,
        response: { 201: Follow, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await service.follow(app.deps, request.userId, request.params.user_id)),
  );

  app.delete(
    '/users/:user_id/follow',
    {
      schema: {
        tags,
        summary: 'Unfollow a user',
        params: UserId,
        response: { 204: Type.Null({ description: 'Unfollowed' }), 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.unfollow(db, request.userId, request.params.user_id);
      return reply.status(204).send(null);
    },
  );

  for (const side of ['followers', 'following'] as const) {
    app.get(
      `/users/:user_id/${side}`,
      {
        schema: {
          tags,
          summary: side === 'followers' ? 'Who follows the user, newest first' : 'Whom the user follows, newest first',
          params: UserId,
          querystring: PageQuery,
          response: { 200: FollowList, 404: ErrorRef, 422: ErrorRef },
        },
      },
      (request) => service.list(db, request.params.user_id, side, request.query),
    );
  }

  app.get(
    '/users/:user_id/follow-status',
    {
      schema: {
        tags,
        summary: 'Whether the caller follows the user, and the user’s counts',
        params: UserId,
        response: { 200: FollowStatus, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.status(db, request.userId, request.params.user_id),
  );

  app.get(
    '/follows/search-by-code/:user_code',
    {
      schema: {
        tags,
        summary: 'The user with this code (the code they read to you)',
        params: UserCodeParams,
        response: { 200: UserByCode, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.findByCode(db, request.userId, request.params.user_code),
  );

  app.post(
    '/follows/by-code',
    {
      schema: {
        tags,
        summary: 'Follow the user with this code',
        body: FollowByCodeBody,
        response: { 201: Follow, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await service.followByCode(app.deps, request.userId, request.body.user_code)),
  );
};
