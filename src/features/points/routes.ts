// Points routes, registered at the /api/v1 root. Every route needs a bearer token and acts on the caller only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DailyCheckin } from './schemas.js';
import * as service from './service.js';

const tags = ['users'];

export const pointsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/users/me/daily-checkin',
    {
      schema: {
        tags,
        summary: 'Daily check-in: 5 points once per day',
        response: { 200: DailyCheckin, 404: Type.Ref('ErrorBody') },
      },
    },
    (request) => service.dailyCheckin(app.deps, request.userId),
  );
};
