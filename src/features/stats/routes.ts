// The caller's own statistics (API.md §3), registered under /users.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { StatsQuery, UserStats, WeeklySummary } from './schemas.js';
import * as service from './service.js';

const tags = ['users'];
const ErrorRef = Type.Ref('ErrorBody');

export const statsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.deps;

  app.get(
    '/me/stats',
    {
      schema: {
        tags,
        summary: 'The caller’s running statistics for the current calendar period',
        querystring: StatsQuery,
        response: { 200: UserStats, 422: ErrorRef },
      },
    },
    async (request) => {
      const zone = await service.timeZoneOf(db, request.userId, config.DEFAULT_TIME_ZONE);
      return service.userStats(db, request.userId, request.query.period, zone);
    },
  );

  app.get(
    '/me/stats/weekly',
    {
      schema: {
        tags,
        summary: 'This calendar week against the previous one',
        response: { 200: WeeklySummary },
      },
    },
    async (request) => {
      const zone = await service.timeZoneOf(db, request.userId, config.DEFAULT_TIME_ZONE);
      return service.weeklySummary(db, request.userId, zone);
    },
  );
};
