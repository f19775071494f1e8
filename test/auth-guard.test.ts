import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { issueAccessToken } from '../src/features/auth/access-token.js';
import { registerAuthGuard } from '../src/features/auth/guard.js';
import { requireOwner, requireVisible } from '../src/features/auth/authorize.js';
import { AppError } from '../src/infra/errors.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';

describe('authentication guard (deny by default)', () => {
  let t: TestApp;
  let user: TestUser;
  before(async () => {
    t = await createTestApp({}, async (app) => {
      await app.register(
        async (scope) => {
          registerAuthGuard(scope);
          scope.get('/private', async (request) => ({ user_id: request.userId }));
          scope.get('/open', { config: { public: true } }, async (request) => ({ user_id: request.userId || null }));
        },
        { prefix: '/guarded' },
      );
    });
    user = await createUser(t.db, t.config);
  });
  after(() => t.close());

  const get = (url: string, authorization?: string) =>
    t.app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });

  it('lets a valid access token through and names the user', async () => {
    const res = await get('/guarded/private', user.auth.authorization);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { user_id: user.id });
  });

  it('answers a public route without a token', async () => {
    const res = await get('/guarded/open');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { user_id: null });
  });

  async function assertRefused(authorization: string | undefined) {
    const res = await get('/guarded/private', authorization);
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, 'AUTH_EXPIRED');
    assert.equal(res.headers['www-authenticate'], 'Bearer');
  }

  it('refuses a missing header or another scheme', async () => {
    await assertRefused(undefined);
    await assertRefused(`Basic ${Buffer.from('a:b').toString('base64')}`);
    await assertRefused('Bearer');
  });

  it('refuses a token signed with another secret', async () => {
    const forged = await issueAccessToken({ ...t.config, JWT_SECRET_KEY: 'another-secret-of-at-least-32-chars!!' }, user.id);
    await assertRefused(`Bearer ${forged}`);
  });

  it('refuses an expired token', async () => {
    const secret = new TextEncoder().encode(t.config.JWT_SECRET_KEY);
    const expired = await new SignJWT({ type: 'access' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(secret);
    await assertRefused(`Bearer ${expired}`);
  });

  it('refuses alg none and an HS256 token keyed with a public key', async () => {
    const none = new UnsecuredJWT({ type: 'access' }).setSubject(user.id).setExpirationTime('10m').encode();
    await assertRefused(`Bearer ${none}`);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const confused = await new SignJWT({ type: 'access' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(pem));
    await assertRefused(`Bearer ${confused}`);
  });

  it('refuses a token of another type, a non-uuid subject, and a deleted user', async () => {
    const secret = new TextEncoder().encode(t.config.JWT_SECRET_KEY);
    const refreshType = await new SignJWT({ type: 'refresh' }).setProtectedHeader({ alg: 'HS256' }).setSubject(user.id).setExpirationTime('10m').sign(secret);
    await assertRefused(`Bearer ${refreshType}`);
    const badSub = await new SignJWT({ type: 'access' }).setProtectedHeader({ alg: 'HS256' }).setSubject('admin').setExpirationTime('10m').sign(secret);
    await assertRefused(`Bearer ${badSub}`);
    const gone = await createUser(t.db, t.config);
    await t.db.query('DELETE FROM users WHERE id = $1', [gone.id]);
    await assertRefused(gone.auth.authorization);
  });

  it('marks protected routes with bearerAuth in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    assert.deepEqual(doc.paths['/guarded/private'].get.security, [{ bearerAuth: [] }]);
    assert.equal(doc.paths['/guarded/open'].get.security, undefined);
  });
});

describe('visibility and ownership checks', () => {
  const owner = '00000000-0000-4000-8000-000000000001';
  const other = '00000000-0000-4000-8000-000000000002';
  const status = (fn: () => unknown) => {
    try {
      fn();
      return 200;
    } catch (err) {
      return (err as AppError).statusCode;
    }
  };

  it('hides private objects from everyone but their owner (404)', () => {
    const privateCourse = { owner_id: owner, is_public: false };
    assert.equal(status(() => requireVisible(privateCourse, owner, 'Course')), 200);
    assert.equal(status(() => requireVisible(privateCourse, other, 'Course')), 404);
    assert.equal(status(() => requireVisible(privateCourse, undefined, 'Course')), 404);
    assert.equal(status(() => requireVisible(undefined, owner, 'Course')), 404);
  });

  it('lets only the owner change an object: 403 if visible, 404 if not', () => {
    assert.equal(status(() => requireOwner({ owner_id: owner, is_public: true }, owner, 'Course')), 200);
    assert.equal(status(() => requireOwner({ owner_id: owner, is_public: true }, other, 'Course')), 403);
    assert.equal(status(() => requireOwner({ owner_id: owner, is_public: false }, other, 'Course')), 404);
    assert.equal(status(() => requireOwner({ owner_id: owner }, other, 'Review')), 403);
  });
});
