// A user's Strava connection: its tokens, encrypted at rest (GAPS: the old server stored them in plain text), and
// a fresh access token for every use. Strava's access tokens last 6 hours; one expiring within 10 minutes is
// refreshed under a row lock, so concurrent jobs refresh once and the newest (possibly rotated) refresh token is
// the one kept.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { tokenCipher } from '../../infra/crypto.js';
import { badRequest } from '../../infra/errors.js';
import { refreshTokens, StravaApi, StravaError, type StravaTokens } from './client.js';
import * as q from './queries.js';

type Deps = Pick<AppDeps, 'db' | 'config' | 'logger'>;

export const REFRESH_MARGIN_MS = 10 * 60 * 1000;

export const NOT_CONNECTED = 'STRAVA_NOT_CONNECTED';
export const notConnected = () => badRequest(NOT_CONNECTED, 'Strava is not connected');

/** The AES-GCM context of a token: a ciphertext only decrypts in its own user's row and field. */
const context = (userId: string, field: 'access' | 'refresh') => `strava:${userId}:${field}`;

function open(deps: Deps, userId: string, stored: string, field: 'access' | 'refresh'): string {
  try {
    return tokenCipher(deps.config, deps.logger).decrypt(stored, context(userId, field));
  } catch {
    // A changed TOKEN_ENCRYPTION_KEY (or a row written in plain text by the old server): only reconnecting helps.
    throw new StravaError('unauthorized', 'The stored Strava tokens cannot be read; connect Strava again');
  }
}

/** Stores the connection of a token exchange (a first connect or a reconnect), tokens encrypted. */
export async function saveConnection(deps: Deps, tx: Queryable, userId: string, t: StravaTokens): Promise<q.ConnectionRow> {
  const cipher = tokenCipher(deps.config, deps.logger);
  const name = [t.athlete?.firstname, t.athlete?.lastname].filter((s) => typeof s === 'string' && s.trim()).join(' ').trim();
  return q.upsertConnection(tx, {
    userId,
    athleteId: String(t.athlete?.id ?? ''),
    name: name ? name.slice(0, 100) : null,
    profileUrl: typeof t.athlete?.profile === 'string' && /^https?:\/\//.test(t.athlete.profile) ? t.athlete.profile : null,
    access: cipher.encrypt(t.access_token, context(userId, 'access')),
    refresh: cipher.encrypt(t.refresh_token, context(userId, 'refresh')),
    expiresAt: new Date(t.expires_at * 1000),
  });
}

const fresh = (c: q.ConnectionRow) => c.token_expires_at.getTime() - Date.now() > REFRESH_MARGIN_MS;

/** An access token valid for at least 10 more minutes; throws 400 STRAVA_NOT_CONNECTED or a StravaError. */
export async function freshAccessToken(deps: Deps, userId: string): Promise<string> {
  const current = await q.findConnection(deps.db, userId);
  if (!current) throw notConnected();
  if (fresh(current)) return open(deps, userId, current.access_token, 'access');
  // Strava is called inside the transaction: the lock makes a concurrent refresh wait, then find fresh tokens.
  return deps.db.transaction(async (tx) => {
    const c = await q.lockConnection(tx, userId);
    if (!c) throw notConnected();
    if (fresh(c)) return open(deps, userId, c.access_token, 'access');
    const t = await refreshTokens(deps.config, open(deps, userId, c.refresh_token, 'refresh'));
    const cipher = tokenCipher(deps.config, deps.logger);
    await q.updateTokens(
      tx,
      userId,
      cipher.encrypt(t.access_token, context(userId, 'access')),
      cipher.encrypt(t.refresh_token, context(userId, 'refresh')),
      new Date(t.expires_at * 1000),
    );
    return t.access_token;
  });
}

/** Strava's API with the user's fresh access token. */
export async function connectedApi(deps: Deps, userId: string): Promise<StravaApi> {
  return new StravaApi(deps.config, await freshAccessToken(deps, userId));
}
