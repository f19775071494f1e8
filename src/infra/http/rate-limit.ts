// Per-client-IP rate limits (@fastify/rate-limit): one budget for everything under the API prefix, and a lower,
// separate one for login and token refresh. The limiter keys on request.ip, which Fastify takes from
// X-Forwarded-For only when the socket peer is one of TRUSTED_PROXIES (app.ts passes the list as `trustProxy`),
// so a client cannot pick its own key. Counters live in memory, or in Redis with REDIS_URL so that every
// instance shares them (the server's one connection, infra/redis.ts). If Redis fails the request goes through
// (fail open) and a warning is logged.
import type { FastifyInstance } from 'fastify';
import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

const WINDOW_MS = 60_000;
export const REDIS_KEY_PREFIX = 'runcrew:rl:';

/**
 * Route config for login and token refresh: a per-IP budget of AUTH_RATE_LIMIT_PER_MINUTE, counted for that
 * route alone and instead of the global budget. Put it in the route options:
 *
 *   app.post('/auth/login', { config: { rateLimit: authRateLimit(app.deps.config) }, schema: ... }, handler)
 */
export function authRateLimit(config: Pick<Config, 'AUTH_RATE_LIMIT_PER_MINUTE'>): RateLimitOptions {
  return { max: config.AUTH_RATE_LIMIT_PER_MINUTE, timeWindow: WINDOW_MS };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route outside the API prefix that still counts against the budget (the web pages). */
    rateLimited?: boolean;
  }
}

/**
 * Limits every request under `prefix` (and routes marked `rateLimited`) to RATE_LIMIT_PER_MINUTE per client IP, unknown paths included; the other
 * routes (health probes, the docs, CORS preflights) are never limited.
 */
export async function registerRateLimit(app: FastifyInstance, prefix: string): Promise<void> {
  const { config } = app.deps;
  await app.register(rateLimit, {
    // Routes with their own `config.rateLimit` get it from the plugin; the global budget is applied below.
    global: false,
    max: config.RATE_LIMIT_PER_MINUTE,
    timeWindow: WINDOW_MS,
    ...(app.redis ? { redis: app.redis, nameSpace: REDIS_KEY_PREFIX } : {}),
    skipOnError: true,
    // Thrown into the error handler, which answers with the one error body; the plugin has already set
    // Retry-After and the x-ratelimit-* headers on the reply.
    errorResponseBuilder: (_request, context) =>
      new AppError(429, 'RATE_LIMITED', `Rate limit exceeded: ${context.max} per minute, retry in ${context.after}`),
  });

  const limit = app.rateLimit();
  // A root hook runs before the hooks of the API scope (authentication), so every request counts, with or
  // without a valid token, and a limited client costs no database query.
  // A callback hook, so a request the budget does not cover (a health probe) costs no promise.
  app.addHook('onRequest', function (request, reply, done) {
    const route = request.routeOptions;
    // The route pattern, not the raw URL, which can be spelled differently (percent-encoding) and still match.
    const underPrefix = route.url === undefined || route.url === prefix || route.url.startsWith(`${prefix}/`);
    if (!underPrefix && !route.config.rateLimited) return done();
    if (route.config.rateLimit != null) return done();
    limit.call(this, request, reply).then(() => done(), done);
  });
}
