// Logging in on the web through the providers' authorization-code flows, and logging out. The callback ends in
// the app's own login (socialLogin: the provider's token verified, the user found or created), and its access
// token becomes the session cookie. Login CSRF is refused with a random state kept in a short-lived cookie, PKCE
// where the provider has it, and `next` is followed only to a path of this site.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Config } from '../../infra/config.js';
import { AppError } from '../../infra/errors.js';
import { authRateLimit } from '../../infra/http/rate-limit.js';
import { createSocialVerifier } from '../auth/providers/index.js';
import { logout, socialLogin } from '../auth/service.js';
import { loginPage, loginProblemPage } from './login-page.js';
import { frameOf, sendPage } from './layout.js';
import { webProviders, type Pending, type WebProviderName } from './oauth-providers.js';
import { SESSION_COOKIE, validCsrf } from './session.js';

/** The login under way: state, PKCE verifier and where to go afterwards. Only sent to /auth. */
const PENDING_COOKIE = 'rc_oauth';
const PENDING_SECONDS = 600;
const hide = { hide: true } as Record<string, unknown>;
const Next = Type.Optional(Type.String({ maxLength: 2000 }));

/** `value` if it is a path of this site, otherwise `/`: never `//evil`, `/\evil` or an absolute URL. */
function safeNext(value: unknown, publicBaseUrl: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(value)) return '/';
  const origin = new URL(publicBaseUrl).origin;
  const url = new URL(value, origin);
  return url.origin === origin ? `${url.pathname}${url.search}${url.hash}` : '/';
}

interface PendingLogin {
  provider: string;
  state: string;
  verifier: string;
  next: string;
}

function readPending(value: string | undefined): PendingLogin | null {
  if (!value) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    const { provider, state, verifier, next } = (parsed ?? {}) as Record<string, unknown>;
    if ([provider, state, verifier, next].every((v) => typeof v === 'string')) return parsed as PendingLogin;
  } catch {
    // A broken cookie is no login under way.
  }
  return null;
}

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
const cookieBase = (config: Config) => ({ httpOnly: true, sameSite: 'lax' as const, secure: config.publicBaseUrl.startsWith('https:') });

export const loginRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app.deps;
  const providers = webProviders(config);
  const verify = createSocialVerifier(config);
  const callbackUrl = (name: WebProviderName) => `${config.publicBaseUrl}/auth/${name}/callback`;

  const problem = async (request: FastifyRequest, reply: FastifyReply, status: number, title: string, message: string, next?: string) =>
    sendPage(reply, loginProblemPage(await frameOf(app, request), title, message, next), status);

  // The logout form's body; nothing else here takes one.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  // A login that cannot finish is a page saying so, never a 500: a refused token (401), a busy limit (429), an
  // unreachable provider (502/503).
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error.validation) return problem(request, reply, 400, '잘못된 요청입니다', '주소가 올바르지 않습니다.');
    if (!(error instanceof AppError)) throw error;
    if (error.statusCode === 429) return problem(request, reply, 429, '잠시 후 다시 시도해 주세요', '로그인 시도가 너무 많습니다.');
    if (error.statusCode === 502 || error.statusCode === 503) {
      return problem(request, reply, 502, '로그인 서비스에 연결할 수 없습니다', '잠시 후 다시 시도해 주세요.');
    }
    if (error.statusCode < 500) return problem(request, reply, error.statusCode, '로그인하지 못했습니다', '계정을 확인하지 못했습니다. 다시 시도해 주세요.');
    throw error;
  });

  app.get('/login', { schema: { ...hide, querystring: Type.Object({ next: Next }) } }, async (request, reply) =>
    sendPage(reply, loginPage(await frameOf(app, request), [...providers.values()], safeNext(request.query.next, config.publicBaseUrl))),
  );

  app.get(
    '/auth/:provider/start',
    { schema: { ...hide, params: Type.Object({ provider: Type.String() }), querystring: Type.Object({ next: Next }) } },
    async (request, reply) => {
      const provider = providers.get(request.params.provider as WebProviderName);
      if (!provider) return problem(request, reply, 404, '찾을 수 없는 페이지입니다', '이 방법으로는 로그인할 수 없습니다.');
      const pending: PendingLogin = {
        provider: provider.name,
        state: randomBytes(24).toString('base64url'),
        verifier: randomBytes(32).toString('base64url'),
        next: safeNext(request.query.next, config.publicBaseUrl),
      };
      reply.setCookie(PENDING_COOKIE, Buffer.from(JSON.stringify(pending)).toString('base64url'), {
        ...cookieBase(config),
        path: '/auth',
        maxAge: PENDING_SECONDS,
      });
      reply.header('cache-control', 'no-store');
      return reply.redirect(provider.authorizeUrl({ redirectUri: callbackUrl(provider.name), state: pending.state, verifier: pending.verifier }), 302);
    },
  );

  app.get(
    '/auth/:provider/callback',
    {
      config: { rateLimit: authRateLimit(config) },
      schema: {
        ...hide,
        params: Type.Object({ provider: Type.String() }),
        querystring: Type.Object({
          code: Type.Optional(Type.String({ maxLength: 4096 })),
          state: Type.Optional(Type.String({ maxLength: 512 })),
          error: Type.Optional(Type.String({ maxLength: 256 })),
        }),
      },
    },
    async (request, reply) => {
      const provider = providers.get(request.params.provider as WebProviderName);
      if (!provider) return problem(request, reply, 404, '찾을 수 없는 페이지입니다', '이 방법으로는 로그인할 수 없습니다.');
      // One callback per start: whatever happens next, the pending login is used up.
      const pending = readPending(request.cookies[PENDING_COOKIE]);
      reply.clearCookie(PENDING_COOKIE, { ...cookieBase(config), path: '/auth' });
      const next = safeNext(pending?.next, config.publicBaseUrl);
      const { code, state, error } = request.query;
      if (error) {
        const cancelled = error === 'access_denied';
        return cancelled
          ? problem(request, reply, 400, '로그인을 취소했습니다', '동의하지 않아 로그인하지 않았습니다.', next)
          : problem(request, reply, 400, '로그인하지 못했습니다', '로그인이 완료되지 않았습니다. 다시 시도해 주세요.', next);
      }
      if (!pending || pending.provider !== provider.name || !state || !sameText(state, pending.state) || !code) {
        return problem(request, reply, 400, '로그인 요청이 올바르지 않습니다', '시간이 지났거나 다른 창에서 시작한 로그인입니다. 다시 시도해 주세요.', next);
      }
      const handoff: Pending = { redirectUri: callbackUrl(provider.name), state: pending.state, verifier: pending.verifier };
      const token = await provider.exchange(handoff, code);
      const login = await socialLogin(app.deps, verify, { provider: provider.name, token });
      // The web session is the access token alone: the refresh token of this login is never handed out, so it is
      // revoked rather than left live.
      await logout(app.deps, login.refresh_token);
      reply.setCookie(SESSION_COOKIE, login.access_token, { ...cookieBase(config), path: '/', maxAge: login.expires_in });
      reply.header('cache-control', 'no-store');
      return reply.redirect(next, 302);
    },
  );

  app.post('/logout', { schema: hide }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE] ?? '';
    const origin = request.headers.origin;
    // Pages are sent with no-referrer, under which a browser's form POST says `Origin: null`.
    const foreign = origin !== undefined && origin !== 'null' && origin !== new URL(config.publicBaseUrl).origin;
    const sent = (request.body as Record<string, unknown> | undefined)?.csrf;
    if (!token || foreign || !validCsrf(config, token, sent)) {
      return problem(request, reply, 403, '로그아웃하지 못했습니다', '페이지를 새로 고친 뒤 다시 시도해 주세요.');
    }
    reply.clearCookie(SESSION_COOKIE, { ...cookieBase(config), path: '/' });
    return reply.redirect('/', 303);
  });
};
