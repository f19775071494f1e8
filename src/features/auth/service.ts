// Login (social and dev), refresh-token rotation and logout.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { AppError, badRequest, conflict } from '../../infra/errors.js';
import { issueAccessToken } from './access-token.js';
import { unauthorized } from './guard.js';
import { appleServerConfigured, exchangeAppleCode, revokeAppleToken } from './providers/apple-server.js';
import type { SocialVerifier } from './providers/index.js';
import type { Provider, SocialProfile } from './providers/types.js';
import {
  findProviderRefreshToken,
  findSocialUser,
  findUserByEmail,
  insertSocialAccount,
  insertUser,
  storeProviderRefreshToken,
  type AccountUser,
} from './queries.js';
import { consumeRefreshToken, findRefreshToken, hashToken, insertRefreshToken, revokeFamily } from './refresh-tokens.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'logger'>;

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export interface LoginResult extends TokenPair {
  token_type: 'Bearer';
  user: { id: string; email: string | null; nickname: string | null; is_new_user: boolean };
}

/** Issues an access token and a refresh token of `familyId` (a new family, i.e. a new login, when omitted). */
async function issueTokens(deps: Deps, q: Queryable, userId: string, familyId?: string): Promise<TokenPair> {
  const { config } = deps;
  return {
    access_token: await issueAccessToken(config, userId),
    refresh_token: await insertRefreshToken(q, userId, config.REFRESH_TOKEN_EXPIRE_DAYS, familyId),
    expires_in: config.ACCESS_TOKEN_EXPIRE_MINUTES * 60,
  };
}

const loginResult = (tokens: TokenPair, user: AccountUser, isNew: boolean): LoginResult => ({
  ...tokens,
  token_type: 'Bearer',
  user: { id: user.id, email: user.email, nickname: user.nickname, is_new_user: isNew },
});

// Provider suggestions only become profile values when they would pass profile validation (the same
// nickname rule as the users feature: 2–12 code points, letters, marks, digits, `_ . -`, single inner spaces).
const NICKNAME = /^[\p{L}\p{M}\p{N}_.-]+(?: [\p{L}\p{M}\p{N}_.-]+)*$/u;
function suggestedNickname(value: string | null): string | null {
  const nickname = value?.normalize('NFC').trim();
  if (!nickname || [...nickname].length < 2 || [...nickname].length > 12) return null;
  return NICKNAME.test(nickname) ? nickname : null;
}
function suggestedAvatar(value: string | null): string | null {
  if (!value || value.length > 2048 || !URL.canParse(value)) return null;
  return new URL(value).protocol === 'https:' ? value : null;
}
const fits = (value: string | null, max: number) => (value && value.length <= max ? value : null);

class LostRace extends Error {}

/** The user linked to the social account, created (with the provider's suggestions) on first login. */
async function findOrCreateSocialUser(deps: Deps, provider: Provider, profile: SocialProfile): Promise<{ user: AccountUser; tokens: TokenPair; isNew: boolean }> {
  const { db } = deps;
  const existing = await findSocialUser(db, provider, profile.providerId);
  if (existing) return { user: existing, tokens: await issueTokens(deps, db, existing.id), isNew: false };
  const email = fits(profile.email, 255);
  try {
    return await db.transaction(async (tx) => {
      const fields = { email, nickname: suggestedNickname(profile.nickname), avatarUrl: suggestedAvatar(profile.pictureUrl) };
      // A taken nickname is simply not pre-filled.
      const user = (await insertUser(tx, fields)) ?? (await insertUser(tx, { ...fields, nickname: null }));
      if (!user) throw new Error('user insert returned no row');
      if (!(await insertSocialAccount(tx, user.id, provider, profile.providerId, email))) throw new LostRace();
      return { user, tokens: await issueTokens(deps, tx, user.id), isNew: true };
    });
  } catch (err) {
    if (!(err instanceof LostRace)) throw err;
  }
  // A concurrent first login of the same account created it: use that one.
  const winner = await findSocialUser(db, provider, profile.providerId);
  if (!winner) throw new Error('social account vanished after a concurrent insert');
  return { user: winner, tokens: await issueTokens(deps, db, winner.id), isNew: false };
}

export interface LoginInput {
  provider: Provider;
  token: string;
  nonce?: string | null;
  authorization_code?: string | null;
}

export async function socialLogin(deps: Deps, verify: SocialVerifier, input: LoginInput): Promise<LoginResult> {
  const profile = await verify(input.provider, input.token, input.nonce);
  if (profile.providerId.length > 255) throw new AppError(401, `${input.provider.toUpperCase()}_AUTH_FAILED`, 'Provider user id too long');
  const { user, tokens, isNew } = await findOrCreateSocialUser(deps, input.provider, profile);
  if (input.provider === 'apple' && input.authorization_code) await keepAppleRefreshToken(deps, profile.providerId, input.authorization_code);
  return loginResult(tokens, user, isNew);
}

/** Best effort: login succeeds even when the code cannot be exchanged; only account deletion needs the token. */
async function keepAppleRefreshToken(deps: Deps, providerId: string, code: string): Promise<void> {
  if (!appleServerConfigured(deps.config)) return;
  try {
    const token = await exchangeAppleCode(deps.config, code);
    if (token) await storeProviderRefreshToken(deps.db, 'apple', providerId, token);
    else deps.logger.warn('Apple refused the authorization code; its authorisation cannot be revoked later');
  } catch (err) {
    deps.logger.warn({ err }, 'Apple authorization code exchange failed');
  }
}

export async function devLogin(deps: Deps, input: { nickname: string; email: string }): Promise<LoginResult> {
  const { config, db } = deps;
  if (!config.ENABLE_DEV_LOGIN || config.APP_ENV === 'production') {
    throw badRequest('DEV_ONLY', 'Dev login is not enabled on this server');
  }
  const existing = await findUserByEmail(db, input.email);
  const user = existing ?? (await insertUser(db, { email: input.email, nickname: input.nickname }));
  if (!user) throw conflict('DUPLICATE_NICKNAME', 'Nickname is already taken');
  return loginResult(await issueTokens(deps, db, user.id), user, !existing);
}

/**
 * Rotation: the presented token is used up and a new one of the same family is issued. A token that was
 * already used (or logged out) means it leaked: the whole family is revoked, in its own statement so the
 * revocation stays committed although the request fails.
 */
export async function refresh(deps: Deps, refreshToken: string): Promise<TokenPair> {
  const { db } = deps;
  const hash = hashToken(refreshToken);
  const rotated = await db.transaction(async (tx) => {
    const used = await consumeRefreshToken(tx, hash);
    return used ? issueTokens(deps, tx, used.user_id, used.family_id) : null;
  });
  if (rotated) return rotated;

  const stored = await findRefreshToken(db, hash);
  if (stored?.is_revoked) {
    const revoked = await revokeFamily(db, stored.family_id);
    deps.logger.warn({ userId: stored.user_id, familyId: stored.family_id, revoked }, 'refresh token reused: family revoked');
    throw unauthorized('Refresh token already used');
  }
  throw unauthorized(stored ? 'Refresh token expired' : 'Refresh token invalid');
}

/** Revokes the family of the token (this device's login). Unknown or already revoked tokens are ignored. */
export async function logout(deps: Deps, refreshToken: string): Promise<void> {
  const stored = await findRefreshToken(deps.db, hashToken(refreshToken));
  if (stored) await revokeFamily(deps.db, stored.family_id);
}

export type AppleRevocation = 'revoked' | 'no_apple_account' | 'no_token' | 'not_configured' | 'failed';

/**
 * For account deletion: revokes the user's Sign in with Apple authorisation at Apple. Call it before the
 * user row is deleted. It needs the Apple refresh token, which exists only if the app sent an
 * `authorization_code` at an Apple login (id_tokens alone cannot be revoked). Never throws: the outcome is
 * logged and returned, so a deletion does not depend on Apple being reachable.
 */
export async function revokeAppleAuthorization(deps: Deps, userId: string): Promise<AppleRevocation> {
  let outcome: AppleRevocation;
  try {
    outcome = await revokeAtApple(deps, userId);
  } catch (err) {
    deps.logger.warn({ err, userId }, 'Apple revocation request failed');
    outcome = 'failed';
  }
  if (outcome !== 'no_apple_account') deps.logger.info({ userId, outcome }, 'Apple authorisation revocation');
  return outcome;
}

async function revokeAtApple(deps: Deps, userId: string): Promise<AppleRevocation> {
  const token = await findProviderRefreshToken(deps.db, userId, 'apple');
  if (token === undefined) return 'no_apple_account';
  if (!appleServerConfigured(deps.config)) return 'not_configured';
  if (token === null) return 'no_token';
  return (await revokeAppleToken(deps.config, token)) ? 'revoked' : 'failed';
}
