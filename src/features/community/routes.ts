// Community board routes (APP_V2.md; paths, keys and envelopes of the newer app's communityService.ts), under
// /community, and the administrators' moderation routes, under /admin/community. Every route needs a bearer token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import * as moderation from './moderation.js';
import {
  CommentBody, CommentId, CommentParams, CommunityCommentItem, CommunityCommentList, CommunityPostItem, CommunityPostList,
  CreatePostBody, LikeState, PageQuery, PostId, PostListQuery, ReportBody, ReportedCommentList, ReportedPostList, UpdatePostBody,
} from './schemas.js';
import * as service from './service.js';

const tags = ['community'];
const ErrorRef = Type.Ref('ErrorBody');
const NoContent = (description: string) => Type.Null({ description });

export const communityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;
  const { db } = deps;

  app.get(
    '/posts',
    {
      schema: {
        tags,
        summary: 'Community posts, newest first',
        description:
          'Posts of the general board and of crews the caller may read (public crews, and crews they are a member of). ' +
          'crew_id gives that crew’s board (404 when the crew is hidden from the caller). Pages are 0-based; with `before` ' +
          '(the created_at of the first post of the first page) later pages do not shift while others post.',
        querystring: PostListQuery,
        response: { 200: CommunityPostList, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.list(db, request.userId, request.query),
  );

  app.post(
    '/posts',
    {
      schema: {
        tags,
        summary: 'Write a post',
        description:
          'Plain text (content 1–5000 characters, title up to 100), stored as sent. Up to 10 images, each a URL returned by ' +
          'POST /uploads/image (422 INVALID_IMAGE_URL otherwise); image_urls wins over image_url. On a crew’s board only ' +
          'its members post (403; 404 for a crew hidden from the caller); event_id must exist and course_id be a course ' +
          'the caller can see (404).',
        body: CreatePostBody,
        response: { 201: CommunityPostItem, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await service.create(deps, request.userId, request.body)),
  );

  app.get(
    '/posts/:post_id',
    {
      schema: {
        tags,
        summary: 'A post',
        description: '404 when it was deleted or removed by an administrator, or is on a crew’s board hidden from the caller.',
        params: PostId,
        response: { 200: CommunityPostItem, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.get(db, request.userId, request.params.post_id),
  );

  app.patch(
    '/posts/:post_id',
    {
      schema: {
        tags,
        summary: 'Edit a post (its author only)',
        description:
          'Absent keys stay; null clears the title or the images. image_urls replaces the images; image_url (as the app’s ' +
          'edit screen sends it) replaces the first. 403 for anyone but the author.',
        params: PostId,
        body: UpdatePostBody,
        response: { 200: CommunityPostItem, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.update(deps, request.log, request.userId, request.params.post_id, request.body),
  );

  app.delete(
    '/posts/:post_id',
    {
      schema: {
        tags,
        summary: 'Delete a post (its author, or the owner and admins of its crew)',
        description: 'Its comments, likes and reports go with it, and its image files unless a crew or another post shows them. 403 for anyone else.',
        params: PostId,
        response: { 204: NoContent('Deleted'), 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.remove(deps, request.log, request.userId, request.params.post_id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/posts/:post_id/like',
    {
      schema: {
        tags,
        summary: 'Like the post, or take the like back',
        description: 'Returns the state after the toggle and the number of likes.',
        params: PostId,
        response: { 200: LikeState, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.toggleLike(db, request.userId, request.params.post_id),
  );

  app.get(
    '/posts/:post_id/comments',
    {
      schema: {
        tags,
        summary: 'A post’s comments, oldest first',
        params: PostId,
        querystring: PageQuery,
        response: { 200: CommunityCommentList, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.comments(db, request.userId, request.params.post_id, request.query),
  );

  app.post(
    '/posts/:post_id/comments',
    {
      schema: {
        tags,
        summary: 'Comment on a post',
        description: 'Plain text of 1–1000 characters, stored as sent. The post’s author gets a community_comment push (not for their own comments).',
        params: PostId,
        body: CommentBody,
        response: { 201: CommunityCommentItem, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await service.addComment(deps, request.userId, request.params.post_id, request.body)),
  );

  app.delete(
    '/posts/:post_id/comments/:comment_id',
    {
      schema: {
        tags,
        summary: 'Delete a comment (its author, or the owner and admins of the post’s crew)',
        params: CommentParams,
        response: { 204: NoContent('Deleted'), 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.removeComment(db, request.userId, request.params.post_id, request.params.comment_id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/posts/:post_id/report',
    {
      schema: {
        tags,
        summary: 'Report a post to the administrators',
        description: 'Once per user and post: reporting again changes nothing (204 both times). Not one’s own post (422 OWN_CONTENT).',
        params: PostId,
        body: ReportBody,
        response: { 204: NoContent('Reported'), 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.reportPost(db, request.userId, request.params.post_id, request.body);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/posts/:post_id/comments/:comment_id/report',
    {
      schema: {
        tags,
        summary: 'Report a comment to the administrators',
        description: 'Once per user and comment (204 both times). Not one’s own comment (422 OWN_CONTENT).',
        params: CommentParams,
        body: ReportBody,
        response: { 204: NoContent('Reported'), 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.reportComment(db, request.userId, request.params.post_id, request.params.comment_id, request.body);
      return reply.status(204).send(null);
    },
  );
};

const adminTags = ['admin'];

export const communityModerationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.deps;

  app.get(
    '/reports/posts',
    {
      schema: {
        tags: adminTags,
        summary: 'Reported posts not removed, latest report first (administrators)',
        description: '403 for anyone who is not an administrator.',
        querystring: PageQuery,
        response: { 200: ReportedPostList, 403: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => moderation.reportedPosts(db, request.userId, request.query),
  );

  app.get(
    '/reports/comments',
    {
      schema: {
        tags: adminTags,
        summary: 'Reported comments not removed, latest report first (administrators)',
        description: '403 for anyone who is not an administrator.',
        querystring: PageQuery,
        response: { 200: ReportedCommentList, 403: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => moderation.reportedComments(db, request.userId, request.query),
  );

  app.delete(
    '/posts/:post_id',
    {
      schema: {
        tags: adminTags,
        summary: 'Remove a post (administrators)',
        description:
          'Hidden from everyone from then on, its author included: 404 on read, absent from lists; its comments go with ' +
          'it. Removing it again is 204. 403 for anyone who is not an administrator.',
        params: PostId,
        response: { 204: NoContent('Removed'), 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await moderation.removePost(db, request.userId, request.params.post_id);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/comments/:comment_id',
    {
      schema: {
        tags: adminTags,
        summary: 'Remove a comment (administrators)',
        description: 'Hidden from everyone and no longer counted in its post’s comment_count. 403 for anyone who is not an administrator.',
        params: CommentId,
        response: { 204: NoContent('Removed'), 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await moderation.removeComment(db, request.userId, request.params.comment_id);
      return reply.status(204).send(null);
    },
  );
};
