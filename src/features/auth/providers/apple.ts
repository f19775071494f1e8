// Apple: the id_token from Sign in with Apple, verified locally (RS256, issuer, audience = our bundle ids).
// The app sends the raw nonce while the token carries its SHA-256 hex, so either is accepted (DECISIONS M3).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../../infra/config.js';
import { authFailed, listOf, providerNotConfigured, text } from './http.js';
import { createIdTokenVerifier } from './id-token.js';
import type { SocialProfile } from './types.js';

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function nonceMatches(claim: unknown, sent: string): boolean {
  if (typeof claim !== 'string') return false;
  return sameText(claim, sent) || sameText(claim, createHash('sha256').update(sent).digest('hex'));
}

export function appleVerifier(config: Pick<Config, 'APPLE_BUNDLE_ID' | 'APPLE_JWKS_URL'>) {
  const verify = createIdTokenVerifier({
    provider: 'Apple',
    jwksUrl: config.APPLE_JWKS_URL,
    issuers: ['https://appleid.apple.com'],
    algorithms: ['RS256'],
    failCode: 'APPLE_AUTH_FAILED',
  });
  const audiences = listOf(config.APPLE_BUNDLE_ID);

  return async (token: string, nonce?: string | null): Promise<SocialProfile> => {
    if (audiences.length === 0) throw providerNotConfigured('Apple');
    const claims = await verify(token, audiences);
    if (nonce && !nonceMatches(claims.nonce, nonce)) throw authFailed('APPLE_AUTH_FAILED', 'Apple token nonce does not match');
    // Apple sends no name or picture in the id_token.
    return { providerId: claims.sub!, email: text(claims.email), nickname: null, pictureUrl: null };
  };
}
