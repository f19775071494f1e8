// The providers' web logins (OAuth 2.0 authorization code): where the browser is sent to agree, and how the code
// it comes back with is exchanged at the provider's token endpoint for the token the app's login already verifies
// (a Kakao or Naver access token, a Google id_token). Apple is not offered: its web flow answers with a cross-site
// POST (form_post), which the SameSite=Lax state cookie does not follow.
import { createHash } from 'node:crypto';
import type { Config } from '../../infra/config.js';
import { authFailed, callProvider, listOf, providerUnavailable, text, type ProviderAnswer } from '../auth/providers/http.js';

export type WebProviderName = 'kakao' | 'naver' | 'google';

export interface Pending {
  redirectUri: string;
  state: string;
  /** The PKCE code verifier (sent only to providers that take PKCE). */
  verifier: string;
}

export interface WebProvider {
  name: WebProviderName;
  /** The button text on /login. */
  label: string;
  authorizeUrl(pending: Pending): string;
  /** The token for socialLogin; a refused code is 401, an unreachable provider 502. */
  exchange(pending: Pending, code: string): Promise<string>;
}

const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
const trimmed = (base: string) => base.replace(/\/+$/, '');

function withQuery(url: string, params: Record<string, string>): string {
  const target = new URL(url);
  for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
  return target.toString();
}

const postForm = (provider: string, url: string, fields: Record<string, string>) =>
  callProvider(provider, url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8', accept: 'application/json' },
    body: new URLSearchParams(fields),
  });

/** `field` of a token answer. Naver reports a refused code with `error` in a 200, the others with a 4xx. */
function tokenOf(provider: string, answer: ProviderAnswer, field: string): string {
  if (answer.status !== 200 || answer.body.error !== undefined) {
    throw authFailed(`${provider.toUpperCase()}_AUTH_FAILED`, `${provider} refused the authorization code`);
  }
  const token = text(answer.body[field]);
  if (!token) throw providerUnavailable(provider, new Error(`token answer without ${field}`));
  return token;
}

function kakao(config: Config): WebProvider | null {
  // Its tokens must pass the app's Kakao check, which needs the app id.
  if (!config.KAKAO_REST_API_KEY || listOf(config.KAKAO_CLIENT_ID).length === 0) return null;
  const base = trimmed(config.KAKAO_AUTH_BASE_URL);
  const clientId = config.KAKAO_REST_API_KEY;
  return {
    name: 'kakao',
    label: '카카오로 로그인',
    authorizeUrl: ({ redirectUri, state, verifier }) =>
      withQuery(`${base}/oauth/authorize`, {
        client_id: clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        state,
        code_challenge: challengeOf(verifier),
        code_challenge_method: 'S256',
      }),
    exchange: async ({ redirectUri, verifier }, code) => {
      const secret: Record<string, string> = config.KAKAO_CLIENT_SECRET ? { client_secret: config.KAKAO_CLIENT_SECRET } : {};
      const fields = { grant_type: 'authorization_code', client_id: clientId, redirect_uri: redirectUri, code, code_verifier: verifier, ...secret };
      return tokenOf('Kakao', await postForm('Kakao', `${base}/oauth/token`, fields), 'access_token');
    },
  };
}

// The same Naver application as the app's login: Naver's user ids differ per application.
function naver(config: Config): WebProvider | null {
  if (!config.NAVER_CLIENT_ID || !config.NAVER_CLIENT_SECRET) return null;
  const base = trimmed(config.NAVER_AUTH_BASE_URL);
  return {
    name: 'naver',
    label: '네이버로 로그인',
    authorizeUrl: ({ redirectUri, state }) =>
      withQuery(`${base}/oauth2.0/authorize`, { response_type: 'code', client_id: config.NAVER_CLIENT_ID, redirect_uri: redirectUri, state }),
    exchange: async ({ state }, code) => {
      const fields = { grant_type: 'authorization_code', client_id: config.NAVER_CLIENT_ID, client_secret: config.NAVER_CLIENT_SECRET, code, state };
      return tokenOf('Naver', await postForm('Naver', `${base}/oauth2.0/token`, fields), 'access_token');
    },
  };
}

function google(config: Config): WebProvider | null {
  if (!config.GOOGLE_WEB_CLIENT_ID || !config.GOOGLE_WEB_CLIENT_SECRET) return null;
  const clientId = config.GOOGLE_WEB_CLIENT_ID;
  return {
    name: 'google',
    label: 'Google로 로그인',
    authorizeUrl: ({ redirectUri, state, verifier }) =>
      withQuery(config.GOOGLE_AUTH_URL, {
        client_id: clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid email profile',
        state,
        code_challenge: challengeOf(verifier),
        code_challenge_method: 'S256',
      }),
    exchange: async ({ redirectUri, verifier }, code) => {
      const fields = {
        grant_type: 'authorization_code',
        client_id: clientId,
        client_secret: config.GOOGLE_WEB_CLIENT_SECRET,
        redirect_uri: redirectUri,
        code,
        code_verifier: verifier,
      };
      return tokenOf('Google', await postForm('Google', config.GOOGLE_TOKEN_URL, fields), 'id_token');
    },
  };
}

/** The providers whose web credentials are configured, in the order of the buttons. */
export function webProviders(config: Config): Map<WebProviderName, WebProvider> {
  const configured = [kakao(config), naver(config), google(config)].filter((p): p is WebProvider => p !== null);
  return new Map(configured.map((p) => [p.name, p]));
}
