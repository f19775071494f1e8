// The OAuth `state` of a Strava connection (GAPS: the old server never checked it): an HMAC-signed token naming
// the user it was issued to, a random nonce and an expiry. The callback accepts it only for that same user and only
// until it expires, so nobody can link their Strava account into someone else's session or replay an old approval.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../infra/config.js';
import { derivedKey } from '../../infra/crypto.js';
import { AppError, badRequest } from '../../infra/errors.js';

/** Enough for the athlete to approve in Strava's page and come back to the app. */
export const STATE_TTL_SECONDS = 10 * 60;

interface StatePayload {
  /** user id */
  u: string;
  /** random nonce */
  n: string;
  /** expiry, Unix seconds */
  e: number;
}

const sign = (config: Pick<Config, 'JWT_SECRET_KEY'>, payload: string) =>
  createHmac('sha256', derivedKey(config, 'strava-oauth-state')).update(payload).digest();

export function issueState(config: Pick<Config, 'JWT_SECRET_KEY'>, userId: string, now = Date.now()): string {
  const payload: StatePayload = { u: userId, n: randomBytes(16).toString('base64url'), e: Math.floor(now / 1000) + STATE_TTL_SECONDS };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${sign(config, body).toString('base64url')}`;
}

/** Throws 400 for a state we did not issue or that expired, 403 for one issued to another user. */
export function verifyState(config: Pick<Config, 'JWT_SECRET_KEY'>, state: string, userId: string, now = Date.now()): void {
  const invalid = badRequest('INVALID_OAUTH_STATE', 'The Strava authorization state is invalid; start connecting again');
  const [body, mac] = state.split('.');
  if (!body || !mac) throw invalid;
  const given = Buffer.from(mac, 'base64url');
  const expected = sign(config, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
  let payload: StatePayload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StatePayload;
  } catch {
    throw invalid;
  }
  if (payload.u !== userId) throw new AppError(403, 'OAUTH_STATE_MISMATCH', 'This Strava authorization was started by another account');
  if (typeof payload.e !== 'number' || payload.e * 1000 < now) {
    throw badRequest('OAUTH_STATE_EXPIRED', 'The Strava authorization took too long; start connecting again');
  }
}
