// Google: the id_token from Google Sign-In, verified locally (RS256, issuer, audience = our client ids: the apps'
// and the web client's, whose id_tokens come from the web login's code exchange).
import type { Config } from '../../../infra/config.js';
import { listOf, providerNotConfigured, text } from './http.js';
import { createIdTokenVerifier } from './id-token.js';
import type { SocialProfile } from './types.js';

export function googleVerifier(config: Pick<Config, 'GOOGLE_CLIENT_ID' | 'GOOGLE_WEB_CLIENT_ID' | 'GOOGLE_JWKS_URL'>) {
  const verify = createIdTokenVerifier({
    provider: 'Google',
    jwksUrl: config.GOOGLE_JWKS_URL,
    issuers: ['https://accounts.google.com', 'accounts.google.com'],
    algorithms: ['RS256'],
    failCode: 'GOOGLE_AUTH_FAILED',
  });
  const audiences = [...listOf(config.GOOGLE_CLIENT_ID), ...listOf(config.GOOGLE_WEB_CLIENT_ID)];

  return async (token: string): Promise<SocialProfile> => {
    if (audiences.length === 0) throw providerNotConfigured('Google');
    const claims = await verify(token, audiences);
    return {
      providerId: claims.sub!,
      email: text(claims.email),
      nickname: text(claims.name),
      pictureUrl: text(claims.picture),
    };
  };
}
