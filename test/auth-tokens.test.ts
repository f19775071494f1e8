// Refresh-token rotation, reuse detection, logout and expiry (POST /auth/refresh, /auth/logout), and
// access tokens that must be refused on a protected route.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { registerAuthGuard } from '../src/features/auth/guard.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { uniqueNickname } from './helpers/users.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  user: { id: string };
}

describe('refresh tokens', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ ENABLE_DEV_LOGIN: 'true', AUTH_RATE_LIMIT_PER_MINUTE: '10000' }, async (app) => {
      await app.register(
        async (scope) => {
          registerAuthGuard(scope);
          scope.get('/me', async (request) => ({ user_id: request.userId }));
        },
        { prefix: '/protected' },
      );
    });
  });
  after(() => t.close());

  const signIn = async (email = `${randomUUID()}@runcrew.test`): Promise<Tokens> => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload: { nickname: uniqueNickname('r'), email } });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  const refresh = (refresh_token: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token } });
  const logout = (refresh_token: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refresh_token } });
  const me = (token: string) => t.app.inject({ method: 'GET', url: '/protected/me', headers: { authorization: `Bearer ${token}` } });

  /** Every row of the token's family: [is this token, revoked]. */
  async function family(token: string) {
    const { rows } = await t.db.query<{ token_hash: string; is_revoked: boolean; revoked_at: Date | null }>(
      `SELECT token_hash, is_revoked, revoked_at FROM refresh_tokens
       WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1) ORDER BY created_at`,
      [sha256(token)],
    );
    return rows;
  }

  async function assertRefused(res: Awaited<ReturnType<typeof refresh>>) {
    assert.equal(res.statusCode, 401, res.body);
    assert.equal(res.json().code, 'AUTH_EXPIRED');
  }

  it('stores only the SHA-256 of a refresh token, valid for 30 days', async () => {
    const { refresh_token } = await signIn();
    const { rows } = await t.db.query<{ days: number; plain: number }>(
      `SELECT extract(epoch FROM expires_at - now()) / 86400 AS days,
              (SELECT count(*) FROM refresh_tokens WHERE token_hash = $2) AS plain
       FROM refresh_tokens WHERE token_hash = $1`,
      [sha256(refresh_token), refresh_token.slice(0, 64)],
    );
    assert.equal(rows.length, 1);
    assert.ok(rows[0]!.days > 29.9 && rows[0]!.days <= 30, String(rows[0]!.days));
    assert.equal(rows[0]!.plain, 0);
  });

  it('rotates: a new pair in the same family, the presented token used up', async () => {
    const login = await signIn();
    const res = await refresh(login.refresh_token);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token']);
    assert.equal(body.expires_in, 1800);
    assert.notEqual(body.refresh_token, login.refresh_token);
    assert.deepEqual((await me(body.access_token)).json(), { user_id: login.user.id });

    const rows = await family(login.refresh_token);
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.token_hash, sha256(login.refresh_token));
    assert.equal(rows[0]!.is_revoked, true);
    assert.ok(rows[0]!.revoked_at);
    assert.deepEqual([rows[1]!.token_hash, rows[1]!.is_revoked], [sha256(body.refresh_token), false]);

    // The successor rotates in turn.
    assert.equal((await refresh(body.refresh_token)).statusCode, 200);
  });

  it('revokes the whole family, for good, when a rotated token is presented again', async () => {
    const email = `${randomUUID()}@runcrew.test`;
    const login = await signIn(email);
    const rotated = (await refresh(login.refresh_token)).json();
    const otherDevice = await signIn(email);
    assert.equal(otherDevice.user.id, login.user.id);

    await assertRefused(await refresh(login.refresh_token));
    const rows = await family(login.refresh_token);
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => r.is_revoked && r.revoked_at), JSON.stringify(rows));
    // The thief's (or the victim's) newer token is dead too; other logins are untouched.
    await assertRefused(await refresh(rotated.refresh_token));
    assert.equal((await refresh(otherDevice.refresh_token)).statusCode, 200);
  });

  it('lets exactly one of two concurrent refreshes with the same token win', async () => {
    const login = await signIn();
    const results = await Promise.all([refresh(login.refresh_token), refresh(login.refresh_token)]);
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 401]);
    // Only one successor was ever issued.
    assert.equal((await family(login.refresh_token)).length, 2);
  });

  it('refuses an expired token without revoking its family, and an unknown token', async () => {
    const login = await signIn();
    await t.db.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 minute' WHERE token_hash = $1`, [sha256(login.refresh_token)]);
    await assertRefused(await refresh(login.refresh_token));
    assert.deepEqual((await family(login.refresh_token)).map((r) => r.is_revoked), [false]);
    await assertRefused(await refresh('not-a-token-we-issued'));
    assert.equal((await refresh('')).statusCode, 422);
  });

  it('logs out: the family is revoked, repeated and unknown logouts answer 204 too', async () => {
    const login = await signIn();
    const rotated = (await refresh(login.refresh_token)).json();
    const res = await logout(rotated.refresh_token);
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    assert.ok((await family(login.refresh_token)).every((r) => r.is_revoked));
    await assertRefused(await refresh(rotated.refresh_token));
    assert.equal((await logout(rotated.refresh_token)).statusCode, 204);
    assert.equal((await logout('never-issued')).statusCode, 204);
  });

  describe('access tokens on a protected route', () => {
    let userId: string;
    let secret: Uint8Array;
    before(async () => {
      userId = (await signIn()).user.id;
      secret = new TextEncoder().encode(t.config.JWT_SECRET_KEY);
    });

    async function assertDenied(token: string) {
      const res = await me(token);
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.json().code, 'AUTH_EXPIRED');
    }

    it('accepts a correctly signed token (the control case)', async () => {
      const good = await new SignJWT({ type: 'access' }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setExpirationTime('5m').sign(secret);
      assert.equal((await me(good)).statusCode, 200);
    });

    it('refuses alg none, HS256 keyed with a public key, another secret and an RS256 token', async () => {
      await assertDenied(new UnsecuredJWT({ type: 'access' }).setSubject(userId).setExpirationTime('5m').encode());
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      await assertDenied(
        await new SignJWT({ type: 'access' }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setExpirationTime('5m').sign(new TextEncoder().encode(pem)),
      );
      await assertDenied(
        await new SignJWT({ type: 'access' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(userId)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('another-secret-that-is-long-enough-to-pass')),
      );
      await assertDenied(await new SignJWT({ type: 'access' }).setProtectedHeader({ alg: 'RS256' }).setSubject(userId).setExpirationTime('5m').sign(privateKey));
      // A refresh token is no access token.
      await assertDenied((await signIn()).refresh_token);
    });

    it('remembers a verified token only until it expires, and never for a tampered copy of it', async () => {
      const expiresAt = Math.floor(Date.now() / 1000) + 2;
      const token = await new SignJWT({ type: 'access' }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setExpirationTime(expiresAt).sign(secret);
      assert.equal((await me(token)).statusCode, 200);
      assert.equal((await me(token)).statusCode, 200, 'from memory');
      const [header, payload, signature] = token.split('.');
      const flipped = signature!.slice(0, -2) + (signature!.at(-2) === 'A' ? 'B' : 'A') + signature!.at(-1);
      await assertDenied(`${header}.${payload}.${flipped}`);
      const otherUser = Buffer.from(JSON.stringify({ type: 'access', sub: randomUUID(), exp: expiresAt })).toString('base64url');
      await assertDenied(`${header}.${otherUser}.${signature}`);
      // Past its expiry the remembered token is refused like any expired one.
      await new Promise((resolve) => setTimeout(resolve, (expiresAt + 1) * 1000 - Date.now()));
      await assertDenied(token);
    });
  });
});

describe('auth rate limit', () => {
  it('limits login and refresh per client IP to AUTH_RATE_LIMIT_PER_MINUTE', async () => {
    const t = await createTestApp({ AUTH_RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: 'x' } })).statusCode);
      }
      assert.deepEqual(statuses, [401, 401, 429]);
      const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { provider: 'kakao', token: 'x' } });
      assert.notEqual(login.statusCode, 429);
    } finally {
      await t.close();
    }
  });
});
