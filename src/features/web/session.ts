// Who is looking at a page. The web session is our own access token in an httpOnly cookie (set by the web login,
// login.ts): scripts cannot read it, and the API under /api/v1 never reads cookies (bearer tokens only), so a
// cookie cannot make another site's request act on the API. Pages only read with it; the one thing a page form
// changes (logging out) carries a CSRF token.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../infra/config.js';
import { verifyAccessToken } from '../auth/access-token.js';
import { knownUsers } from '../auth/known-users.js';

export const SESSION_COOKIE = 'rc_session';

/** Stands for "nobody" where a service takes a viewer id: no user has it, so it sees only what is public. */
export const NOBODY = '00000000-0000-0000-0000-000000000000';

export interface Viewer {
  id: string;
  nickname: string | null;
  /** Proves a form was written by our page for this session (derived from it, nothing stored). */
  csrf: string;
}

export const csrfToken = (config: Pick<Config, 'JWT_SECRET_KEY'>, sessionToken: string): string =>
  createHmac('sha256', config.JWT_SECRET_KEY).update(`csrf:${sessionToken}`).digest('base64url');

export function validCsrf(config: Pick<Config, 'JWT_SECRET_KEY'>, sessionToken: string, sent: unknown): boolean {
  const expected = Buffer.from(csrfToken(config, sessionToken));
  const given = Buffer.from(typeof sent === 'string' ? sent : '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The logged-in viewer, or null: no cookie, an expired or forged token, or a deleted account. */
export async function viewerOf(app: FastifyInstance, request: FastifyRequest): Promise<Viewer | null> {
  const token = request.cookies[SESSION_COOKIE];
  const userId = token ? await verifyAccessToken(app.deps.config, token) : null;
  if (!userId) return null;
  const sent = performance.now();
  const { rows } = await app.deps.db.query<{ nickname: string | null }>('SELECT nickname FROM users WHERE id = $1', [userId]);
  if (!rows[0]) return null;
  knownUsers(app.deps.db).add(userId, sent);
  return { id: userId, nickname: rows[0].nickname, csrf: csrfToken(app.deps.config, token!) };
}
