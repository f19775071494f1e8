// Follow feed routes (API.md §4), registered under /follows. Every route needs a bearer token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ActivityFeed, ActivityFeedQuery, FriendsRunning, FriendsRunningQuery } from './schemas.js';
import * as service from './service.js';

const tags = ['follows'];
const ErrorRef = Type.Ref('ErrorBody');

export const feedRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.deps;

  app.get(
    '/friends-running',
    {
      schema: {
        tags,
        summary: 'Run sessions in progress of the users the caller follows, newest start first',
        description: 'Sessions not heard from for RUN_SESSION_EXPIRE_HOURS are not shown.',
        querystring: FriendsRunningQuery,
        response: { 200: FriendsRunning, 422: ErrorRef },
      },
    },
    (request) => service.friendsRunning(db, config, request.userId, request.query.limit),
  );

  app.get(
    '/activity-feed',
    {
      schema: {
        tags,
        summary: 'Runs finished and public courses created in the last 7 days by the users the caller follows, newest first',
        description: 'Never shows Strava-imported runs, runs on private courses, or private courses.',
        querystring: ActivityFeedQuery,
        response: { 200: ActivityFeed, 422: ErrorRef },
      },
    },
    (request) => service.activityFeed(db, request.userId, request.query.limit),
  );
};
