// Analytics routes, registered under /users/me. Every route needs a bearer token and reads the caller only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Analytics, WeeklyGoal, WeeklyGoalBody } from './schemas.js';
import * as service from './service.js';

const tags = ['stats'];
const ErrorRef = Type.Ref('ErrorBody');

export const analyticsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/analytics',
    { schema: { tags, summary: 'Charts of the caller’s runs and their weekly goal', response: { 200: Analytics, 404: ErrorRef } } },
    (request) => service.analytics(app.deps, request.userId),
  );

  app.patch(
    '/weekly-goal',
    {
      schema: {
        tags,
        summary: 'Set the weekly distance goal (km)',
        body: WeeklyGoalBody,
        response: { 200: WeeklyGoal, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.setWeeklyGoal(app.deps, request.userId, request.body.goal_km),
  );
};
