// /users routes (API.md §3): the caller's account and profile, and other users' public profiles.
// Every route needs a bearer token (the /api/v1 guard) and acts only on the caller's own row.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  ConsentBody,
  ConsentSaved,
  ProfileResponse,
  PublicProfile,
  SetupProfileBody,
  SocialCounts,
  UpdateProfileBody,
  UserId,
  UserResponse,
  UserSearch,
  UserSearchQuery,
} from './schemas.js';
import * as service from './service.js';

const tags = ['users'];
const ErrorRef = Type.Ref('ErrorBody');

export const usersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.deps;

  app.get(
    '/users/me',
    { schema: { tags, summary: 'The caller’s account', response: { 200: UserResponse, 404: ErrorRef } } },
    (request) => service.getMe(db, request.userId),
  );

  app.post(
    '/users/me/profile',
    {
      preValidation: async (request) => service.normaliseProfileBody(request.body),
      schema: {
        tags,
        summary: 'Onboarding: set the nickname (and avatar)',
        body: SetupProfileBody,
        response: { 201: ProfileResponse, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await service.setupProfile(app.deps, request.log, request.userId, request.body)),
  );

  app.patch(
    '/users/me/profile',
    {
      preValidation: async (request) => service.normaliseProfileBody(request.body),
      schema: {
        tags,
        summary: 'Edit the profile: absent keys stay, null clears',
        body: UpdateProfileBody,
        response: { 200: ProfileResponse, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.updateProfile(app.deps, request.log, request.userId, request.body),
  );

  app.get(
    '/users/me/social-counts',
    { schema: { tags, summary: 'Follower, following and received-like counts', response: { 200: SocialCounts } } },
    (request) => service.getSocialCounts(db, request.userId),
  );

  app.get(
    '/users/:user_id/profile',
    {
      schema: {
        tags,
        summary: 'A user’s public profile',
        params: UserId,
        response: { 200: PublicProfile, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.getPublicProfile(db, request.params.user_id, request.userId),
  );

  // The older app deletes at /users/me, the newer one at /users/me/account (answering 200 {deleted: true}).
  app.delete(
    '/users/me',
    {
      schema: {
        tags,
        summary: 'Delete the account and everything it owns',
        response: { 204: Type.Null({ description: 'Deleted' }), 404: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.deleteAccount(app.deps, request.log, request.userId);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/users/me/account',
    {
      schema: {
        tags,
        summary: 'Delete the account and everything it owns (the newer app’s path)',
        response: { 200: Type.Object({ deleted: Type.Literal(true) }), 404: ErrorRef },
      },
    },
    async (request) => {
      await service.deleteAccount(app.deps, request.log, request.userId);
      return { deleted: true as const };
    },
  );

  app.put(
    '/users/me/consent',
    {
      schema: {
        tags,
        summary: 'Record the onboarding consents',
        body: ConsentBody,
        response: { 200: ConsentSaved, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.saveConsent(db, request.userId, request.body),
  );

  app.get(
    '/users/search',
    {
      schema: {
        tags,
        summary: 'Users whose nickname contains the text',
        querystring: UserSearchQuery,
        response: { 200: UserSearch, 422: ErrorRef },
      },
    },
    (request) => service.searchUsers(db, request.userId, request.query),
  );
};
