// Leaderboard routes (API.md §7), registered under /courses. Every route needs a bearer token; a private
// course is 404 to everyone but its owner.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CourseId, MyBest, MyRanking, Rankings, RankingsQuery } from './schemas.js';
import * as service from './service.js';

const tags = ['rankings'];
const ErrorRef = Type.Ref('ErrorBody');

export const rankingsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.deps;

  app.get(
    '/:course_id/rankings',
    {
      schema: {
        tags,
        summary: 'The course leaderboard, fastest first',
        params: CourseId,
        querystring: RankingsQuery,
        response: { 200: Rankings, 404: ErrorRef, 422: ErrorRef },
      },
    },
    // Both app versions send `?limit=10` alike; only the host they were built for tells them apart (M2).
    (request) =>
      service.rankings(db, request.params.course_id, request.userId, request.query, {
        limitAloneIsArray: !config.newerAppHosts.includes(request.hostname.toLowerCase()),
      }),
  );

  app.get(
    '/:course_id/my-ranking',
    {
      schema: {
        tags,
        summary: 'The caller’s rank on the course',
        params: CourseId,
        response: { 200: MyRanking, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.myRanking(db, request.params.course_id, request.userId),
  );

  app.get(
    '/:course_id/my-best',
    {
      schema: {
        tags,
        summary: 'The caller’s fastest completed run on the course, or null',
        params: CourseId,
        response: { 200: MyBest, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.myBest(db, request.params.course_id, request.userId),
  );
};
