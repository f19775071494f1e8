// Deny by default: every route under /api/v1 needs a valid access token unless it is declared
// `config: { public: true }`. The OpenAPI document marks each protected route with bearerAuth.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../infra/errors.js';
import { verifyAccessToken } from './access-token.js';
import { knownUsers } from './known-users.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers without authentication. */
    public?: boolean;
  }
  interface FastifyRequest {
    /** The authenticated user's id; set on every non-public route. */
    userId: string;
  }
}

export const unauthorized = (message: string) =>
  new AppError(401, 'AUTH_EXPIRED', message, { 'www-authenticate': 'Bearer' });

/** The user id of the request's bearer token; throws 401 AUTH_EXPIRED otherwise. */
export async function authenticate(app: FastifyInstance, request: FastifyRequest): Promise<string> {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) throw unauthorized('Not authenticated');
  const userId = await verifyAccessToken(app.deps.config, match[1]);
  if (!userId) throw unauthorized('Token invalid or expired');
  // A deleted user is refused: at once by this process, within KNOWN_FOR_MS by the others (known-users.ts).
  const known = knownUsers(app.deps.db);
  const now = performance.now();
  if (known.has(userId, now)) return userId;
  const { rowCount } = await app.deps.db.query('SELECT 1 FROM users WHERE id = $1', [userId]);
  if (!rowCount) throw unauthorized('User not found');
  known.add(userId, now);
  return userId;
}

/** Installs the guard on every route registered in `app` (call inside the /api/v1 scope). */
export function registerAuthGuard(app: FastifyInstance): void {
  app.decorateRequest('userId', '');
  app.addHook('onRoute', (route) => {
    if (route.config?.public) return;
    route.schema = {
      ...route.schema,
      security: [{ bearerAuth: [] }],
      response: { 401: { $ref: 'ErrorBody' }, ...(route.schema?.response as object | undefined) },
    };
  });
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public) return;
    request.userId = await authenticate(app, request);
  });
}
