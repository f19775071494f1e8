// Local stand-ins for the social login providers, speaking their real protocols on 127.0.0.1:
// Google and Apple JWKS (real RS256 keys) and id_tokens signed with them, Apple's token and revoke
// endpoints (checking our ES256 client secret), Kakao token info + user profile and Naver's profile API
// with their real JSON shapes and error answers, and the web logins: Kakao, Naver and Google authorize endpoints
// (redirecting back with a code, or `error=access_denied` when `deny`) and token endpoints checking the client
// credentials, redirect_uri, code and PKCE verifier. `down` makes every endpoint answer 503.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, exportPKCS8, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

export const GOOGLE_CLIENT_IDS = ['google-ios.apps.googleusercontent.com', 'google-android.apps.googleusercontent.com'];
export const APPLE_BUNDLE_IDS = ['app.runcrew.test', 'app.runcrew.test.web'];
export const APPLE_TEAM_ID = 'TEAM123456';
export const APPLE_KEY_ID = 'APPLEKEY01';
export const KAKAO_APP_ID = '1234567';
export const NAVER_CLIENT_ID = 'naver-client-id';
export const NAVER_CLIENT_SECRET = 'naver-client-secret';
export const KAKAO_REST_API_KEY = 'kakao-rest-api-key';
export const KAKAO_CLIENT_SECRET = 'kakao-client-secret';
export const GOOGLE_WEB_CLIENT_ID = 'google-web.apps.googleusercontent.com';
export const GOOGLE_WEB_CLIENT_SECRET = 'google-web-secret';

export interface KakaoUser {
  id: number;
  appId?: number;
  email?: string;
  nickname?: string;
  imageUrl?: string;
  defaultImage?: boolean;
}

export interface NaverUser {
  id: string;
  email?: string;
  nickname?: string;
  imageUrl?: string;
}

export interface SignOptions {
  /** Sign with a key the provider never published, under the published kid. */
  foreignKey?: boolean;
  kid?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}

type WebProvider = 'kakao' | 'naver' | 'google';

/** Who agrees at each web authorize endpoint (Google: the id_token's claims, e.g. sub and name). */
export interface Consent {
  kakao?: KakaoUser;
  naver?: NaverUser;
  google?: JWTPayload;
}

interface WebCode {
  provider: WebProvider;
  redirectUri: string;
  state: string;
  challenge: string | null;
  user: KakaoUser | NaverUser | JWTPayload;
}

/** [status, JSON body] or a redirect: [302, undefined, location]. */
type Answer = [number, unknown] | [number, undefined, string];

type Keys = { privateKey: CryptoKey; publicKey: CryptoKey };

async function rsa(): Promise<Keys> {
  return generateKeyPair('RS256', { extractable: true });
}

async function jwks(keys: Keys, kid: string) {
  return { keys: [{ ...(await exportJWK(keys.publicKey)), kid, use: 'sig', alg: 'RS256' }] };
}

export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export class FakeProviders {
  down = false;
  readonly requests: RecordedRequest[] = [];
  readonly kakaoTokens = new Map<string, KakaoUser>();
  readonly naverTokens = new Map<string, NaverUser>();
  /** Apple authorization codes -> the refresh token the token endpoint gives for them. */
  readonly appleCodes = new Map<string, string>();
  readonly appleRevoked: string[] = [];
  readonly consent: Consent = {};
  /** The person refuses at the web authorize endpoints. */
  deny = false;
  private readonly webCodes = new Map<string, WebCode>();
  url = '';
  /** The PKCS#8 PEM of our Apple key, newlines escaped as in an .env file. */
  applePrivateKeyEnv = '';

  private server!: Server;
  private google!: Keys;
  private apple!: Keys;
  private foreign!: Keys;
  private appleServerKey!: Keys;
  private jwks: Record<string, unknown> = {};

  static async start(): Promise<FakeProviders> {
    const fake = new FakeProviders();
    [fake.google, fake.apple, fake.foreign] = await Promise.all([rsa(), rsa(), rsa()]);
    fake.appleServerKey = await generateKeyPair('ES256', { extractable: true });
    fake.applePrivateKeyEnv = (await exportPKCS8(fake.appleServerKey.privateKey)).trim().replace(/\n/g, '\\n');
    fake.jwks = {
      '/google/oauth2/v3/certs': await jwks(fake.google, 'google-1'),
      '/apple/auth/keys': await jwks(fake.apple, 'apple-1'),
    };
    fake.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const { pathname: path, searchParams: query } = new URL(req.url ?? '/', 'http://x');
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        fake.requests.push({ method: req.method ?? '', path, query, headers: req.headers, form });
        fake
          .answer(req.method ?? '', path, req.headers, form, query)
          .then(([status, body, location]) => {
            if (location) return void res.writeHead(status, { location }).end();
            res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
            res.end(body === undefined ? '' : JSON.stringify(body));
          })
          .catch(() => {
            res.writeHead(500).end();
          });
      });
    });
    // Idle sockets stay open until close(): a server closing one just as a client reuses it (when a busy event loop
    // delays the client's own idle timer) would be a random ECONNRESET.
    fake.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Configuration pointing the server at these providers (as createTestApp overrides). */
  config(base = this.url): Record<string, string> {
    return {
      GOOGLE_CLIENT_ID: GOOGLE_CLIENT_IDS.join(','),
      GOOGLE_JWKS_URL: `${base}/google/oauth2/v3/certs`,
      APPLE_BUNDLE_ID: APPLE_BUNDLE_IDS.join(','),
      APPLE_JWKS_URL: `${base}/apple/auth/keys`,
      APPLE_AUTH_BASE_URL: `${base}/apple`,
      APPLE_TEAM_ID,
      APPLE_KEY_ID,
      APPLE_PRIVATE_KEY: this.applePrivateKeyEnv,
      KAKAO_CLIENT_ID: KAKAO_APP_ID,
      KAKAO_API_BASE_URL: `${base}/kakao`,
      NAVER_CLIENT_ID,
      NAVER_CLIENT_SECRET,
      NAVER_API_BASE_URL: `${base}/naver`,
    };
  }

  /** With config(): the web logins' credentials and endpoints. */
  webConfig(base = this.url): Record<string, string> {
    return {
      KAKAO_REST_API_KEY,
      KAKAO_CLIENT_SECRET,
      KAKAO_AUTH_BASE_URL: `${base}/kauth`,
      NAVER_AUTH_BASE_URL: `${base}/nid`,
      GOOGLE_WEB_CLIENT_ID,
      GOOGLE_WEB_CLIENT_SECRET,
      GOOGLE_AUTH_URL: `${base}/accounts/o/oauth2/v2/auth`,
      GOOGLE_TOKEN_URL: `${base}/oauth2/token`,
    };
  }

  private async sign(keys: Keys, kid: string, claims: JWTPayload, options: SignOptions): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? kid, typ: 'JWT' })
      .setIssuedAt(now - 60)
      .setExpirationTime(now + (options.expiresIn ?? 3600))
      .sign(options.foreignKey ? this.foreign.privateKey : keys.privateKey);
  }

  /** A Google id_token; claims override the defaults (a fresh `sub`, our first client id). */
  googleToken(claims: JWTPayload = {}, options: SignOptions = {}): Promise<string> {
    return this.sign(this.google, 'google-1', {
      iss: 'https://accounts.google.com',
      aud: GOOGLE_CLIENT_IDS[0],
      sub: String(Math.floor(Math.random() * 1e15)),
      email: 'runner@gmail.example',
      email_verified: true,
      ...claims,
    }, options);
  }

  /** An Apple id_token; claims override the defaults (a fresh `sub`, our first bundle id). */
  appleToken(claims: JWTPayload = {}, options: SignOptions = {}): Promise<string> {
    return this.sign(this.apple, 'apple-1', {
      iss: 'https://appleid.apple.com',
      aud: APPLE_BUNDLE_IDS[0],
      sub: `000123.${randomUUID().replace(/-/g, '')}.0456`,
      email: 'hidden@privaterelay.appleid.example',
      email_verified: 'true',
      is_private_email: 'true',
      auth_time: Math.floor(Date.now() / 1000),
      nonce_supported: true,
      ...claims,
    }, options);
  }

  /** Registers a Kakao access token for `user` and returns it. */
  kakaoToken(user: KakaoUser): string {
    const token = `kakao-${randomUUID()}`;
    this.kakaoTokens.set(token, user);
    return token;
  }

  naverToken(user: NaverUser): string {
    const token = `AAAA${randomUUID().replace(/-/g, '')}`;
    this.naverTokens.set(token, user);
    return token;
  }

  private async answer(method: string, path: string, headers: IncomingMessage['headers'], form: URLSearchParams, query: URLSearchParams): Promise<Answer> {
    if (this.down) return [503, { error: 'service unavailable' }];
    const web = this.webAnswer(method, path, form, query);
    if (web) return web;
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1] ?? '';

    if (method === 'GET' && this.jwks[path]) return [200, this.jwks[path]];

    if (method === 'GET' && path === '/kakao/v1/user/access_token_info') {
      if (!bearer) return [400, { msg: 'no authentication key!', code: -2 }];
      const user = this.kakaoTokens.get(bearer);
      if (!user) return [401, { msg: 'this access token does not exist', code: -401 }];
      return [200, { id: user.id, expires_in: 21599, app_id: user.appId ?? Number(KAKAO_APP_ID) }];
    }
    if (method === 'GET' && path === '/kakao/v2/user/me') {
      const user = this.kakaoTokens.get(bearer);
      if (!user) return [401, { msg: 'this access token does not exist', code: -401 }];
      return [200, {
        id: user.id,
        connected_at: '2024-05-01T03:04:05Z',
        properties: { nickname: user.nickname },
        kakao_account: {
          profile_nickname_needs_agreement: false,
          profile_image_needs_agreement: false,
          profile: {
            nickname: user.nickname,
            thumbnail_image_url: user.imageUrl,
            profile_image_url: user.imageUrl,
            is_default_image: user.defaultImage ?? false,
          },
          has_email: user.email !== undefined,
          email_needs_agreement: false,
          is_email_valid: true,
          is_email_verified: true,
          email: user.email,
        },
      }];
    }

    if (method === 'GET' && path === '/naver/v1/nid/me') {
      const user = this.naverTokens.get(bearer);
      if (!user) return [401, { resultcode: '024', message: 'Authentication failed (인증 실패하였습니다.)' }];
      return [200, {
        resultcode: '00',
        message: 'success',
        response: { id: user.id, nickname: user.nickname, profile_image: user.imageUrl, email: user.email, name: '러너' },
      }];
    }

    if (method === 'POST' && (path === '/apple/auth/token' || path === '/apple/auth/revoke')) {
      if (!(await this.validClientSecret(form))) return [400, { error: 'invalid_client' }];
      if (path === '/apple/auth/revoke') {
        this.appleRevoked.push(form.get('token') ?? '');
        return [200, undefined];
      }
      const refreshToken = this.appleCodes.get(form.get('code') ?? '');
      if (form.get('grant_type') !== 'authorization_code' || !refreshToken) return [400, { error: 'invalid_grant' }];
      this.appleCodes.delete(form.get('code') ?? '');
      return [200, { access_token: 'apple-access', token_type: 'Bearer', expires_in: 3600, refresh_token: refreshToken, id_token: 'unused' }];
    }
    return [404, { error: 'not found' }];
  }

  /** The web logins' authorize and token endpoints, or null for other paths. */
  private webAnswer(method: string, path: string, form: URLSearchParams, query: URLSearchParams): Promise<Answer> | Answer | null {
    if (method === 'GET' && path === '/kauth/oauth/authorize') return this.authorize('kakao', query, KAKAO_REST_API_KEY, true);
    if (method === 'GET' && path === '/nid/oauth2.0/authorize') return this.authorize('naver', query, NAVER_CLIENT_ID, false);
    if (method === 'GET' && path === '/accounts/o/oauth2/v2/auth') return this.authorize('google', query, GOOGLE_WEB_CLIENT_ID, true);

    if (method === 'POST' && path === '/kauth/oauth/token') {
      if (form.get('client_id') !== KAKAO_REST_API_KEY || form.get('client_secret') !== KAKAO_CLIENT_SECRET) {
        return [401, { error: 'invalid_client', error_description: 'Bad client credentials', error_code: 'KOE010' }];
      }
      const grant = this.takeCode('kakao', form);
      if (!grant) return [400, { error: 'invalid_grant', error_description: `authorization code not found for code=${form.get('code')}`, error_code: 'KOE320' }];
      return [200, {
        token_type: 'bearer',
        access_token: this.kakaoToken(grant.user as KakaoUser),
        expires_in: 21599,
        refresh_token: `kakao-refresh-${randomUUID()}`,
        refresh_token_expires_in: 5183999,
        scope: 'profile_nickname account_email',
      }];
    }
    // Naver answers a refused request with 200 and an `error` field.
    if ((method === 'POST' || method === 'GET') && path === '/nid/oauth2.0/token') {
      const fields = method === 'POST' ? form : query;
      if (fields.get('client_id') !== NAVER_CLIENT_ID || fields.get('client_secret') !== NAVER_CLIENT_SECRET) {
        return [200, { error: 'invalid_client', error_description: 'client_id or client_secret is invalid' }];
      }
      const grant = this.takeCode('naver', fields);
      if (!grant) return [200, { error: 'invalid_request', error_description: 'no valid data in session' }];
      return [200, { access_token: this.naverToken(grant.user as NaverUser), refresh_token: `naver-refresh-${randomUUID()}`, token_type: 'bearer', expires_in: '3600' }];
    }
    if (method === 'POST' && path === '/oauth2/token') {
      if (form.get('client_id') !== GOOGLE_WEB_CLIENT_ID || form.get('client_secret') !== GOOGLE_WEB_CLIENT_SECRET) {
        return [401, { error: 'invalid_client', error_description: 'Unauthorized' }];
      }
      const grant = this.takeCode('google', form);
      if (!grant) return [400, { error: 'invalid_grant', error_description: 'Bad Request' }];
      return this.googleToken({ aud: GOOGLE_WEB_CLIENT_ID, ...(grant.user as JWTPayload) }).then((idToken): Answer => [200, {
        access_token: `ya29.${randomUUID()}`,
        expires_in: 3599,
        scope: 'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile',
        token_type: 'Bearer',
        id_token: idToken,
      }]);
    }
    return null;
  }

  /** Sends the browser back to redirect_uri with a one-time code (or the refusal) and the state. */
  private authorize(provider: WebProvider, query: URLSearchParams, clientId: string, pkce: boolean): Answer {
    const redirectUri = query.get('redirect_uri') ?? '';
    if (query.get('client_id') !== clientId || query.get('response_type') !== 'code' || !URL.canParse(redirectUri)) {
      return [400, { error: 'invalid_request', error_description: 'bad client_id, response_type or redirect_uri' }];
    }
    const challenge = query.get('code_challenge');
    if (pkce && (!challenge || query.get('code_challenge_method') !== 'S256')) return [400, { error: 'invalid_request', error_description: 'PKCE required' }];
    const back = new URL(redirectUri);
    const state = query.get('state') ?? '';
    if (this.deny) {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'User denied access');
    } else {
      const user = this.consent[provider];
      if (!user) return [400, { error: 'invalid_request', error_description: `no ${provider} user agrees in this test` }];
      const code = randomUUID();
      this.webCodes.set(code, { provider, redirectUri, state, challenge, user });
      back.searchParams.set('code', code);
    }
    if (state) back.searchParams.set('state', state);
    return [302, undefined, back.toString()];
  }

  /** The code's grant, used up, if the request names it with the same redirect_uri (or state) and PKCE verifier. */
  private takeCode(provider: WebProvider, fields: URLSearchParams): WebCode | null {
    const code = fields.get('code') ?? '';
    const grant = this.webCodes.get(code);
    if (!grant || grant.provider !== provider || fields.get('grant_type') !== 'authorization_code') return null;
    this.webCodes.delete(code);
    if (provider === 'naver' ? fields.get('state') !== grant.state : fields.get('redirect_uri') !== grant.redirectUri) return null;
    const verifier = fields.get('code_verifier');
    if (grant.challenge && (!verifier || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge)) return null;
    return grant;
  }

  /** Apple's checks on the client secret: ES256 by our key id, issued by our team for our bundle id. */
  private async validClientSecret(form: URLSearchParams): Promise<boolean> {
    try {
      const { payload, protectedHeader } = await jwtVerify(form.get('client_secret') ?? '', this.appleServerKey.publicKey, {
        algorithms: ['ES256'],
        issuer: APPLE_TEAM_ID,
        audience: 'https://appleid.apple.com',
        subject: form.get('client_id') ?? '',
      });
      return protectedHeader.kid === APPLE_KEY_ID && APPLE_BUNDLE_IDS.includes(payload.sub ?? '');
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }
}
