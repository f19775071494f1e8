// /auth: social login, dev login, token refresh and logout. All public (they are how a client gets a token);
// login and refresh have their own, lower per-IP rate limit.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { authRateLimit } from '../../infra/http/rate-limit.js';
import { createSocialVerifier } from './providers/index.js';
import { DevLoginBody, LoginBody, LoginResponse, RefreshBody, RefreshResponse } from './schemas.js';
import { devLogin, logout, refresh, socialLogin } from './service.js';

const ErrorRef = Type.Ref('ErrorBody');

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;
  const verify = createSocialVerifier(deps.config);
  const limited = { public: true, rateLimit: authRateLimit(deps.config) };

  app.post(
    '/auth/login',
    {
      config: limited,
      schema: {
        tags: ['auth'],
        summary: 'Log in with a Kakao, Apple, Google or Naver token; creates the account on first login',
        body: LoginBody,
        response: { 200: LoginResponse, 401: ErrorRef, 422: ErrorRef, 429: ErrorRef, 502: ErrorRef, 503: ErrorRef },
      },
    },
    async (request) => socialLogin(deps, verify, request.body),
  );

  app.post(
    '/auth/dev-login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Development only (ENABLE_DEV_LOGIN): tokens for a user found or created by email',
        body: DevLoginBody,
        response: { 200: LoginResponse, 400: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request) => devLogin(deps, request.body),
  );

  app.post(
    '/auth/refresh',
    {
      config: limited,
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new access and refresh token (the old one is used up)',
        body: RefreshBody,
        response: { 200: RefreshResponse, 401: ErrorRef, 422: ErrorRef, 429: ErrorRef },
      },
    },
    async (request) => refresh(deps, request.body.refresh_token),
  );

  app.post(
    '/auth/logout',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: "Revoke the refresh token's login (all tokens rotated from it); unknown tokens are ignored",
        body: RefreshBody,
        response: { 204: Type.Null({ description: 'Logged out' }), 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await logout(deps, request.body.refresh_token);
      return reply.code(204).send(null);
    },
  );
};
