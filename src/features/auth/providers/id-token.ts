// Google and Apple id_tokens, verified locally against the provider's published keys (JWKS): signature with
// the provider's algorithm only, issuer, audience (one of our client ids) and expiry. The key set is cached
// and fetched again when a token names an unknown key id (at most every 30 s, so forged kids cannot make
// us hammer the provider). A key set that cannot be fetched is the provider's failure (502), never a 500.
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../../../infra/errors.js';
import { authFailed, providerUnavailable, PROVIDER_TIMEOUT_MS } from './http.js';

export interface IdTokenVerifierOptions {
  provider: string;
  jwksUrl: string;
  issuers: string[];
  algorithms: string[];
  /** The 401 code for a refused token, e.g. GOOGLE_AUTH_FAILED. */
  failCode: string;
}

export type IdTokenVerifier = (token: string, audiences: string[]) => Promise<JWTPayload>;

export function createIdTokenVerifier(options: IdTokenVerifierOptions): IdTokenVerifier {
  const remote = createRemoteJWKSet(new URL(options.jwksUrl), {
    timeoutDuration: PROVIDER_TIMEOUT_MS,
    cooldownDuration: 30_000,
    cacheMaxAge: 60 * 60_000,
  });
  // Errors about the token (no key with its kid, ambiguous key) stay 401; anything else from fetching the
  // key set (network, timeout, non-200, malformed set) is the provider's failure.
  const key: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
      throw providerUnavailable(options.provider, err);
    }
  };

  return async (token, audiences) => {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: options.algorithms,
        issuer: options.issuers,
        audience: audiences,
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: 30,
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('sub is not a string');
      return payload;
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw authFailed(options.failCode, `${options.provider} token rejected`);
    }
  };
}
