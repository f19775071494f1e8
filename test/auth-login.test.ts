// POST /auth/login for Kakao, Apple, Google and Naver against local providers speaking their real
// protocols (test/helpers/fake-providers.ts), and POST /auth/dev-login.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { verifyAccessToken } from '../src/features/auth/access-token.js';
import type { SocialVerifier } from '../src/features/auth/providers/index.js';
import { revokeAppleAuthorization, socialLogin } from '../src/features/auth/service.js';
import { loadConfig } from '../src/infra/config.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { closedPortUrl, FakeProviders, GOOGLE_CLIENT_IDS, APPLE_BUNDLE_IDS, KAKAO_APP_ID, NAVER_CLIENT_ID, NAVER_CLIENT_SECRET } from './helpers/fake-providers.js';
import { createUser, uniqueNickname } from './helpers/users.js';

type Provider = 'kakao' | 'apple' | 'google' | 'naver';
type Body = { provider: Provider; token: string; nonce?: string; authorization_code?: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const unlimited = { AUTH_RATE_LIMIT_PER_MINUTE: '10000' };

describe('social login', () => {
  let fake: FakeProviders;
  let t: TestApp;
  before(async () => {
    fake = await FakeProviders.start();
    t = await createTestApp({ ...fake.config(), ...unlimited });
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  const login = (body: Body, app = t.app) => app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: body });

  async function assertRefused(body: Body, code: string) {
    const res = await login(body);
    assert.equal(res.statusCode, 401, res.body);
    assert.equal(res.json().code, code);
  }

  /** For each provider: a function giving a fresh valid token for one new person. */
  const identities: Record<Provider, () => () => Promise<string>> = {
    google: () => {
      const sub = String(Date.now()) + String(Math.random()).slice(2, 8);
      return () => fake.googleToken({ sub });
    },
    apple: () => {
      const sub = `000111.${randomUUID().replace(/-/g, '')}.0222`;
      return () => fake.appleToken({ sub });
    },
    kakao: () => {
      const user = { id: Math.floor(Math.random() * 1e12), email: 'runner@kakao.example' };
      return async () => fake.kakaoToken(user);
    },
    naver: () => {
      const user = { id: `naver-${randomUUID()}`, email: 'runner@naver.example' };
      return async () => fake.naverToken(user);
    },
  };

  for (const provider of ['kakao', 'apple', 'google', 'naver'] as const) {
    it(`${provider}: the first login creates the account, the next one finds it`, async () => {
      const nextToken = identities[provider]();
      const first = await login({ provider, token: await nextToken() });
      assert.equal(first.statusCode, 200, first.body);
      const body = first.json();
      assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type', 'user']);
      assert.deepEqual(Object.keys(body.user).sort(), ['email', 'id', 'is_new_user', 'nickname']);
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 1800);
      assert.equal(body.user.is_new_user, true);
      assert.match(body.user.id, UUID);
      assert.equal(await verifyAccessToken(t.config, body.access_token), body.user.id);
      assert.match(body.refresh_token, /^[A-Za-z0-9_-]{86}$/);

      const { rows } = await t.db.query('SELECT provider, user_id FROM social_accounts WHERE user_id = $1', [body.user.id]);
      assert.deepEqual(rows, [{ provider, user_id: body.user.id }]);

      const second = await login({ provider, token: await nextToken() });
      assert.equal(second.statusCode, 200, second.body);
      assert.equal(second.json().user.id, body.user.id);
      assert.equal(second.json().user.is_new_user, false);
      assert.notEqual(second.json().refresh_token, body.refresh_token);
    });
  }

  it('creates one account when the same new person logs in twice at once', async () => {
    // Both logins pass the provider check together, so both look the account up before either creates it.
    const profile = { providerId: `race-${randomUUID()}`, email: `${randomUUID()}@kakao.example`, nickname: null, pictureUrl: null };
    let arrived = 0;
    let release!: () => void;
    const together = new Promise<void>((resolve) => (release = resolve));
    const verify: SocialVerifier = async () => {
      if (++arrived === 2) release();
      await together;
      return profile;
    };
    const results = await Promise.all([0, 1].map(() => socialLogin(t.app.deps, verify, { provider: 'kakao', token: 'x' })));
    const [a, b] = results.map((r) => r.user);
    assert.equal(a!.id, b!.id);
    assert.deepEqual([a!.is_new_user, b!.is_new_user].sort(), [false, true]);
    const { rows } = await t.db.query('SELECT count(*) AS n FROM users WHERE email = $1', [profile.email]);
    assert.equal(rows[0]?.n, 1);
  });

  it('google: accepts every configured client id and both issuer spellings', async () => {
    assert.equal((await login({ provider: 'google', token: await fake.googleToken({ aud: GOOGLE_CLIENT_IDS[1] }) })).statusCode, 200);
    assert.equal((await login({ provider: 'google', token: await fake.googleToken({ iss: 'accounts.google.com' }) })).statusCode, 200);
  });

  it('google: refuses a wrong audience, issuer, an expired token, a bad signature and an unknown key', async () => {
    const refuse = async (token: Promise<string>) => assertRefused({ provider: 'google', token: await token }, 'GOOGLE_AUTH_FAILED');
    await refuse(fake.googleToken({ aud: 'another-app.apps.googleusercontent.com' }));
    await refuse(fake.googleToken({ iss: 'https://accounts.google.evil.example' }));
    await refuse(fake.googleToken({}, { expiresIn: -120 }));
    await refuse(fake.googleToken({}, { foreignKey: true }));
    await refuse(fake.googleToken({}, { foreignKey: true, kid: 'never-published' }));
    // An Apple-signed token is not a Google token.
    await refuse(fake.appleToken({ iss: 'https://accounts.google.com', aud: GOOGLE_CLIENT_IDS[0] }));
    await refuse(Promise.resolve('not-a-jwt'));
  });

  it('google: refuses a token whose algorithm is not RS256 (HS256 keyed with a guessable secret)', async () => {
    const forged = await new SignJWT({ iss: 'https://accounts.google.com', aud: GOOGLE_CLIENT_IDS[0], sub: '1' })
      .setProtectedHeader({ alg: 'HS256', kid: 'google-1' })
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('a-public-value-anyone-could-know'));
    await assertRefused({ provider: 'google', token: forged }, 'GOOGLE_AUTH_FAILED');
  });

  it('apple: refuses a wrong audience, issuer, an expired token, a bad signature and an unknown key', async () => {
    const refuse = async (token: Promise<string>) => assertRefused({ provider: 'apple', token: await token }, 'APPLE_AUTH_FAILED');
    await refuse(fake.appleToken({ aud: 'com.someone.else' }));
    await refuse(fake.appleToken({ iss: 'https://appleid.apple.evil.example' }));
    await refuse(fake.appleToken({}, { expiresIn: -120 }));
    await refuse(fake.appleToken({}, { foreignKey: true }));
    await refuse(fake.appleToken({}, { foreignKey: true, kid: 'never-published' }));
    await refuse(fake.googleToken({ iss: 'https://appleid.apple.com', aud: APPLE_BUNDLE_IDS[0] }));
  });

  it('apple: accepts the raw nonce or its SHA-256 hex, and refuses another nonce', async () => {
    const raw = randomUUID();
    const hashed = createHash('sha256').update(raw).digest('hex');
    assert.equal((await login({ provider: 'apple', token: await fake.appleToken({ nonce: hashed }), nonce: raw })).statusCode, 200);
    assert.equal((await login({ provider: 'apple', token: await fake.appleToken({ nonce: raw }), nonce: raw })).statusCode, 200);
    assert.equal((await login({ provider: 'apple', token: await fake.appleToken({ nonce: hashed }), nonce: hashed })).statusCode, 200);
    await assertRefused({ provider: 'apple', token: await fake.appleToken({ nonce: hashed }), nonce: 'another-nonce' }, 'APPLE_AUTH_FAILED');
    await assertRefused({ provider: 'apple', token: await fake.appleToken(), nonce: raw }, 'APPLE_AUTH_FAILED');
  });

  it('kakao: refuses a token of another Kakao app and a token Kakao does not know', async () => {
    await assertRefused({ provider: 'kakao', token: fake.kakaoToken({ id: 42, appId: Number(KAKAO_APP_ID) + 1 }) }, 'KAKAO_AUTH_FAILED');
    await assertRefused({ provider: 'kakao', token: 'unknown-kakao-token' }, 'KAKAO_AUTH_FAILED');
    await assertRefused({ provider: 'kakao', token: 'has spaces\r\nx: y' }, 'KAKAO_AUTH_FAILED');
  });

  it('naver: refuses a token Naver does not know, and sends our client credentials', async () => {
    await assertRefused({ provider: 'naver', token: 'unknown-naver-token' }, 'NAVER_AUTH_FAILED');
    const call = fake.requests.filter((r) => r.path === '/naver/v1/nid/me').at(-1);
    assert.equal(call?.headers['x-naver-client-id'], NAVER_CLIENT_ID);
    assert.equal(call?.headers['x-naver-client-secret'], NAVER_CLIENT_SECRET);
  });

  it('refuses an unknown provider and an empty token with 422', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { provider: 'facebook', token: 'x' } });
    assert.equal(res.statusCode, 422);
    const empty = await login({ provider: 'kakao', token: '' });
    assert.equal(empty.statusCode, 422);
  });

  it('pre-fills a new profile with a valid, free nickname and an https picture', async () => {
    const nickname = uniqueNickname('k');
    const res = await login({
      provider: 'kakao',
      token: fake.kakaoToken({ id: Math.floor(Math.random() * 1e12), nickname, imageUrl: 'https://k.kakaocdn.example/p.jpg' }),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().user.nickname, nickname);
    const { rows } = await t.db.query('SELECT nickname, avatar_url FROM users WHERE id = $1', [res.json().user.id]);
    assert.deepEqual(rows[0], { nickname, avatar_url: 'https://k.kakaocdn.example/p.jpg' });
  });

  it('leaves out a taken or invalid nickname and a non-https picture, and still logs in', async () => {
    const taken = await createUser(t.db, t.config);
    const kakao = await login({
      provider: 'kakao',
      token: fake.kakaoToken({ id: Math.floor(Math.random() * 1e12), nickname: taken.nickname, imageUrl: 'http://k.kakaocdn.example/p.jpg' }),
    });
    assert.equal(kakao.statusCode, 200, kakao.body);
    const naver = await login({ provider: 'naver', token: fake.naverToken({ id: randomUUID(), nickname: 'x', imageUrl: 'javascript:alert(1)' }) });
    assert.equal(naver.statusCode, 200, naver.body);
    for (const res of [kakao, naver]) {
      assert.equal(res.json().user.nickname, null);
      const { rows } = await t.db.query('SELECT nickname, avatar_url FROM users WHERE id = $1', [res.json().user.id]);
      assert.deepEqual(rows[0], { nickname: null, avatar_url: null });
    }
  });

  it('answers 502 PROVIDER_UNAVAILABLE when a provider is unreachable or failing', async () => {
    const tokens = async (): Promise<Body[]> => [
      { provider: 'google', token: await fake.googleToken() },
      { provider: 'apple', token: await fake.appleToken() },
      { provider: 'kakao', token: fake.kakaoToken({ id: 7 }) },
      { provider: 'naver', token: fake.naverToken({ id: 'n7' }) },
    ];
    const unreachable = await createTestApp({ ...fake.config(await closedPortUrl()), ...unlimited });
    try {
      for (const body of await tokens()) {
        const res = await login(body, unreachable.app);
        assert.equal(res.statusCode, 502, `${body.provider}: ${res.body}`);
        assert.equal(res.json().code, 'PROVIDER_UNAVAILABLE');
      }
    } finally {
      await unreachable.close();
    }
    // A fresh app has no cached keys, so Google and Apple must fetch them from the failing provider too.
    const failing = await createTestApp({ ...fake.config(), ...unlimited });
    fake.down = true;
    try {
      for (const body of await tokens()) {
        const res = await login(body, failing.app);
        assert.equal(res.statusCode, 502, `${body.provider}: ${res.body}`);
        assert.equal(res.json().code, 'PROVIDER_UNAVAILABLE');
      }
    } finally {
      fake.down = false;
      await failing.close();
    }
  });

  it('answers 503 PROVIDER_NOT_CONFIGURED without client ids, never accepting the token', async () => {
    const bare = await createTestApp({
      ...fake.config(),
      ...unlimited,
      GOOGLE_CLIENT_ID: ',',
      APPLE_BUNDLE_ID: ',',
      KAKAO_CLIENT_ID: ',',
      NAVER_CLIENT_ID: ',',
    });
    try {
      for (const body of [
        { provider: 'google', token: await fake.googleToken() },
        { provider: 'apple', token: await fake.appleToken() },
        { provider: 'kakao', token: fake.kakaoToken({ id: 8 }) },
      ] as Body[]) {
        const res = await login(body, bare.app);
        assert.equal(res.statusCode, 503, `${body.provider}: ${res.body}`);
        assert.equal(res.json().code, 'PROVIDER_NOT_CONFIGURED');
      }
      const naver = await createTestApp({ ...fake.config(), ...unlimited, NAVER_CLIENT_SECRET: '' });
      try {
        const res = await login({ provider: 'naver', token: fake.naverToken({ id: 'n8' }) }, naver.app);
        assert.equal(res.statusCode, 503);
      } finally {
        await naver.close();
      }
    } finally {
      await bare.close();
    }
  });

  describe('Apple revocation for account deletion', () => {
    it('keeps the refresh token from the authorization code and revokes it at Apple', async () => {
      fake.appleCodes.set('code-ok', 'apple-refresh-ok');
      const res = await login({ provider: 'apple', token: await fake.appleToken(), authorization_code: 'code-ok' });
      assert.equal(res.statusCode, 200, res.body);
      const userId = res.json().user.id;
      const { rows } = await t.db.query('SELECT provider_refresh_token FROM social_accounts WHERE user_id = $1', [userId]);
      assert.equal(rows[0]?.provider_refresh_token, 'apple-refresh-ok');

      assert.equal(await revokeAppleAuthorization(t.app.deps, userId), 'revoked');
      assert.ok(fake.appleRevoked.includes('apple-refresh-ok'));
    });

    it('logs in anyway with a refused code, and reports what it could not revoke', async () => {
      const res = await login({ provider: 'apple', token: await fake.appleToken(), authorization_code: 'unknown-code' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(await revokeAppleAuthorization(t.app.deps, res.json().user.id), 'no_token');
      const kakao = await login({ provider: 'kakao', token: fake.kakaoToken({ id: Math.floor(Math.random() * 1e12) }) });
      assert.equal(await revokeAppleAuthorization(t.app.deps, kakao.json().user.id), 'no_apple_account');
      const unconfigured = { ...t.app.deps, config: { ...t.config, APPLE_KEY_ID: '' } };
      assert.equal(await revokeAppleAuthorization(unconfigured, res.json().user.id), 'not_configured');
    });
  });
});

describe('dev login', () => {
  const devLogin = (app: TestApp, payload: object) => app.app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload });

  it('is refused with 400 DEV_ONLY unless enabled', async () => {
    const t = await createTestApp({ APP_ENV: 'development' });
    try {
      const res = await devLogin(t, {});
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, 'DEV_ONLY');
    } finally {
      await t.close();
    }
  });

  it('cannot be enabled in production', () => {
    assert.throws(
      () => loadConfig({ APP_ENV: 'production', JWT_SECRET_KEY: 'k'.repeat(40), ENABLE_DEV_LOGIN: 'true' }, '/nonexistent/.env'),
      /ENABLE_DEV_LOGIN/,
    );
  });

  it('when enabled, finds or creates the user by email and answers like /auth/login', async () => {
    const t = await createTestApp({ ENABLE_DEV_LOGIN: 'true' });
    try {
      const nickname = uniqueNickname('d');
      const email = `${randomUUID()}@runcrew.test`;
      const first = await devLogin(t, { nickname, email });
      assert.equal(first.statusCode, 200, first.body);
      const body = first.json();
      assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type', 'user']);
      assert.deepEqual(body.user, { id: body.user.id, email, nickname, is_new_user: true });
      assert.equal(await verifyAccessToken(t.config, body.access_token), body.user.id);

      const again = await devLogin(t, { nickname: uniqueNickname('e'), email });
      assert.deepEqual(again.json().user, { id: body.user.id, email, nickname, is_new_user: false });

      const defaults = await devLogin(t, {});
      assert.equal(defaults.statusCode, 200, defaults.body);
      assert.equal(defaults.json().user.email, 'dev@runcrew.test');
    } finally {
      await t.close();
    }
  });

  it('answers 409 for a nickname taken by another email, and 422 for an invalid one', async () => {
    const t = await createTestApp({ ENABLE_DEV_LOGIN: 'true' });
    try {
      const taken = await createUser(t.db, t.config);
      const res = await devLogin(t, { nickname: taken.nickname, email: `${randomUUID()}@runcrew.test` });
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, 'DUPLICATE_NICKNAME');
      assert.equal((await devLogin(t, { nickname: 'x' })).statusCode, 422);
      assert.equal((await devLogin(t, { nickname: 'x'.repeat(13) })).statusCode, 422);
    } finally {
      await t.close();
    }
  });
});
