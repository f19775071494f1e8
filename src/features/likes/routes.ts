// Like routes (API.md §9), registered under /courses. Every route needs a bearer token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CourseId, LikeStatus } from './schemas.js';
import * as service from './service.js';

const tags = ['likes'];
const ErrorRef = Type.Ref('ErrorBody');

export const likesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.deps;

  app.post(
    '/:course_id/like',
    {
      schema: {
        tags,
        summary: 'Like the course, or take the like back',
        params: CourseId,
        response: { 200: LikeStatus, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.toggle(db, request.params.course_id, request.userId),
  );

  app.get(
    '/:course_id/like/status',
    {
      schema: {
        tags,
        summary: 'Whether the caller likes the course, and its like count',
        params: CourseId,
        response: { 200: LikeStatus, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.status(db, request.params.course_id, request.userId),
  );
};
