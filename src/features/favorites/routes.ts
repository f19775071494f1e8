// Favorite routes (API.md §11), registered under /favorites. Every route needs a bearer token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CourseId, FavoriteList, FavoriteStatus } from './schemas.js';
import * as service from './service.js';

const tags = ['favorites'];
const ErrorRef = Type.Ref('ErrorBody');

export const favoritesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.deps;

  app.post(
    '/courses/:course_id',
    {
      schema: {
        tags,
        summary: 'Add the course to the caller’s favorites, or remove it',
        params: CourseId,
        response: { 200: FavoriteStatus, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.toggle(db, request.params.course_id, request.userId),
  );

  app.get(
    '/courses',
    { schema: { tags, summary: 'The caller’s favorite courses', response: { 200: FavoriteList } } },
    (request) => service.list(db, request.userId),
  );

  app.get(
    '/courses/:course_id/status',
    {
      schema: {
        tags,
        summary: 'Whether the course is among the caller’s favorites',
        params: CourseId,
        response: { 200: FavoriteStatus, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.status(db, request.params.course_id, request.userId),
  );
};
