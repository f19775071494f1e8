// Local stand-ins for the social login providers, speaking their real protocols on 127.0.0.1:
// Google and Apple JWKS (real RS256 keys) and id_tokens signed with them, Apple's token and revoke
// endpoints (checking our ES256 client secret), Kakao token info + user profile and Naver's profile API
// with their real JSON shapes and error answers. `down` makes every endpoint answer 503.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, exportPKCS8, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

export const GOOGLE_CLIENT_IDS = ['google-ios.apps.googleusercontent.com', 'google-android.apps.googleusercontent.com'];
export const APPLE_BUNDLE_IDS = ['app.runcrew.test', 'app.runcrew.test.web'];
export const APPLE_TEAM_ID = 'TEAM123456';
export const APPLE_KEY_ID = 'APPLEKEY01';
export const KAKAO_APP_ID = '1234567';
export const NAVER_CLIENT_ID = 'naver-client-id';
export const NAVER_CLIENT_SECRET = 'naver-client-secret';

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
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}

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
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        fake.requests.push({ method: req.method ?? '', path, headers: req.headers, form });
        fake
          .answer(req.method ?? '', path, req.headers, form)
          .then(([status, body]) => {
            res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
            res.end(body === undefined ? '' : JSON.stringify(body));
          })
          .catch(() => {
            res.writeHead(500).end();
          });
      });
    });
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

  private async answer(method: string, path: string, headers: IncomingMessage['headers'], form: URLSearchParams): Promise<[number, unknown]> {
    if (this.down) return [503, { error: 'service unavailable' }];
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
