// Leaderboard routes, registered under /leaderboard. A bearer token is needed (my_ranking is the caller's).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { WeeklyLeaderboard, WeeklyQuery } from './schemas.js';
import * as service from './service.js';

const tags = ['rankings'];

export const leaderboardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/weekly',
    {
      schema: {
        tags,
        summary: 'This week’s most active runners (runs, then distance)',
        querystring: WeeklyQuery,
        response: { 200: WeeklyLeaderboard, 422: Type.Ref('ErrorBody') },
      },
    },
    (request) => service.weekly(app.deps, request.userId, request.query),
  );
};
