// Sign in with Apple calls that need our client secret (a short-lived ES256 JWT signed with our Apple key):
// exchanging the authorization code the app may send at login for a refresh token, and revoking that token
// when the account is deleted. Both need APPLE_TEAM_ID, APPLE_KEY_ID and APPLE_PRIVATE_KEY.
import { importPKCS8, SignJWT } from 'jose';
import type { Config } from '../../../infra/config.js';
import { callProvider, listOf, providerUnavailable, text } from './http.js';

export type AppleServerConfig = Pick<
  Config,
  'APPLE_TEAM_ID' | 'APPLE_KEY_ID' | 'APPLE_PRIVATE_KEY' | 'APPLE_BUNDLE_ID' | 'APPLE_AUTH_BASE_URL'
>;

export const appleServerConfigured = (config: AppleServerConfig) =>
  Boolean(config.APPLE_TEAM_ID && config.APPLE_KEY_ID && config.APPLE_PRIVATE_KEY && listOf(config.APPLE_BUNDLE_ID).length);

/** Codes and tokens belong to the app's own bundle id: the first entry of APPLE_BUNDLE_ID. */
const clientId = (config: AppleServerConfig) => listOf(config.APPLE_BUNDLE_ID)[0]!;

async function clientSecret(config: AppleServerConfig): Promise<string> {
  const key = await importPKCS8(config.APPLE_PRIVATE_KEY.replace(/\\n/g, '\n'), 'ES256');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: config.APPLE_KEY_ID })
    .setIssuer(config.APPLE_TEAM_ID)
    .setSubject(clientId(config))
    .setAudience('https://appleid.apple.com')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

async function post(config: AppleServerConfig, path: string, fields: Record<string, string>) {
  const body = new URLSearchParams({ client_id: clientId(config), client_secret: await clientSecret(config), ...fields });
  return callProvider('Apple', `${config.APPLE_AUTH_BASE_URL.replace(/\/+$/, '')}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
}

/** The Apple refresh token for an authorization code, or null when Apple refuses the code. */
export async function exchangeAppleCode(config: AppleServerConfig, code: string): Promise<string | null> {
  const answer = await post(config, '/auth/token', { code, grant_type: 'authorization_code' });
  if (answer.status !== 200) return null;
  const token = text(answer.body.refresh_token);
  if (!token) throw providerUnavailable('Apple', new Error('token answer without refresh_token'));
  return token;
}

/** Revokes an Apple refresh token; false when Apple refuses it (already revoked or unknown). */
export async function revokeAppleToken(config: AppleServerConfig, refreshToken: string): Promise<boolean> {
  const answer = await post(config, '/auth/revoke', { token: refreshToken, token_type_hint: 'refresh_token' });
  return answer.status === 200;
}
