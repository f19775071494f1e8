// Review routes (API.md §8), registered under /courses. Every route needs a bearer token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CourseId, CourseReviewId, CreateReviewBody, PageQuery, ReplyBody, Review, ReviewId, ReviewList, UpdateReviewBody } from './schemas.js';
import * as service from './service.js';
import { Nullable } from '../../infra/http/schemas.js';

const tags = ['reviews'];
const ErrorRef = Type.Ref('ErrorBody');

export const reviewsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;

  app.post(
    '/:course_id/reviews',
    {
      schema: {
        tags,
        summary: 'Review a course (once per user)',
        params: CourseId,
        body: CreateReviewBody,
        response: { 201: Review, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await service.create(deps, request.params.course_id, request.userId, request.body)),
  );

  app.get(
    '/:course_id/reviews',
    {
      schema: {
        tags,
        summary: 'A course’s reviews, newest first, with their mean rating',
        params: CourseId,
        querystring: PageQuery,
        response: { 200: ReviewList, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.list(deps.db, request.params.course_id, request.userId, request.query),
  );

  app.get(
    '/:course_id/reviews/mine',
    {
      schema: {
        tags,
        summary: 'The caller’s review of the course, or null',
        params: CourseId,
        response: { 200: Nullable(Review), 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.mine(deps.db, request.params.course_id, request.userId),
  );

  app.patch(
    '/reviews/:review_id',
    {
      schema: {
        tags,
        summary: 'Edit the caller’s review',
        params: ReviewId,
        body: UpdateReviewBody,
        response: { 200: Review, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.update(deps.db, request.params.review_id, request.userId, request.body),
  );

  app.delete(
    '/reviews/:review_id',
    {
      schema: {
        tags,
        summary: 'Delete the caller’s review',
        params: ReviewId,
        response: { 204: Type.Null({ description: 'Deleted' }), 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.remove(deps.db, request.params.review_id, request.userId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/:course_id/reviews/:review_id/reply',
    {
      schema: {
        tags,
        summary: 'Reply to a review of your course (replaces an earlier reply)',
        params: CourseReviewId,
        body: ReplyBody,
        response: { 200: Review, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.reply(deps, request.params.course_id, request.params.review_id, request.userId, request.body),
  );
};
