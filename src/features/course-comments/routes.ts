// Course comment routes, under /courses (the newer app's courseService.ts). Every route needs a bearer token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CommentParams, CourseComment, CourseCommentList, CourseId, CreateCommentBody, PageQuery, UpdateCommentBody } from './schemas.js';
import * as service from './service.js';

const tags = ['courses'];
const ErrorRef = Type.Ref('ErrorBody');
const VISIBLE = 'Anyone who may see the course (404 for someone else’s private course).';

export const courseCommentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;
  const { db } = deps;

  app.get(
    '/:course_id/comments',
    {
      schema: {
        tags,
        summary: 'A course’s comments, newest first, each with its first replies',
        description: VISIBLE,
        params: CourseId,
        querystring: PageQuery,
        response: { 200: CourseCommentList, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.list(db, request.userId, request.params.course_id, request.query),
  );

  app.post(
    '/:course_id/comments',
    {
      schema: {
        tags,
        summary: 'Comment on a course, or reply to a comment',
        description: `${VISIBLE} Text up to 1,000 characters, up to 5 images from POST /uploads/image; parent_id names a top-level comment of the course (422 INVALID_PARENT otherwise).`,
        params: CourseId,
        body: CreateCommentBody,
        response: { 201: CourseComment, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await service.create(deps, request.userId, request.params.course_id, request.body)),
  );

  app.patch(
    '/:course_id/comments/:comment_id',
    {
      schema: {
        tags,
        summary: 'Edit one’s own comment',
        description: 'Its author only (403 for others). image_urls absent: unchanged; null or []: removed.',
        params: CommentParams,
        body: UpdateCommentBody,
        response: { 200: CourseComment, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.update(deps, request.userId, request.params.course_id, request.params.comment_id, request.body),
  );

  app.delete(
    '/:course_id/comments/:comment_id',
    {
      schema: {
        tags,
        summary: 'Delete a comment (and its replies)',
        description: 'Its author, or the course’s creator (403 for others).',
        params: CommentParams,
        response: { 204: Type.Null({ description: 'Deleted' }), 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.remove(db, request.userId, request.params.course_id, request.params.comment_id);
      return reply.status(204).send(null);
    },
  );
};
