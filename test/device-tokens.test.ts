import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';

const ENDPOINT = '/api/v1/notifications/token';

describe('device tokens', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const newToken = () => `fcm-${randomUUID()}`;
  const register = (user: TestUser, device_token: string, platform = 'ios') =>
    t.app.inject({ method: 'POST', url: ENDPOINT, headers: user.auth, payload: { device_token, platform } });
  const unregister = (user: TestUser, device_token: string, platform = 'ios') =>
    t.app.inject({ method: 'DELETE', url: ENDPOINT, headers: user.auth, payload: { device_token, platform } });
  const rowsOf = async (token: string) =>
    (
      // updated_at in microseconds: a JS Date would round two quick requests to the same millisecond.
      await t.db.query<{ id: string; user_id: string; platform: string; updated_us: number }>(
        `SELECT id, user_id, platform, (extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us
         FROM device_tokens WHERE device_token = $1`,
        [token],
      )
    ).rows;

  it('registers a token with 201 {status: ok}', async () => {
    const user = await createUser(t.db, t.config);
    const token = newToken();
    const res = await register(user, token, 'android');
    assert.equal(res.statusCode, 201);
    assert.deepEqual(res.json(), { status: 'ok' });
    const rows = await rowsOf(token);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.user_id, user.id);
    assert.equal(rows[0]!.platform, 'android');
  });

  it('is idempotent: the same token again keeps its row and bumps updated_at', async () => {
    const user = await createUser(t.db, t.config);
    const token = newToken();
    assert.equal((await register(user, token)).statusCode, 201);
    const [first] = await rowsOf(token);
    assert.equal((await register(user, token)).statusCode, 201);
    const rows = await rowsOf(token);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.id, first!.id);
    assert.ok(rows[0]!.updated_us > first!.updated_us, 'updated_at moved forward');
  });

  it('moves a token registered by another user to the caller (the phone changed hands)', async () => {
    const previousOwner = await createUser(t.db, t.config);
    const newOwner = await createUser(t.db, t.config);
    const token = newToken();
    await register(previousOwner, token, 'ios');
    const res = await register(newOwner, token, 'android');
    assert.equal(res.statusCode, 201);
    const rows = await rowsOf(token);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.user_id, newOwner.id);
    assert.equal(rows[0]!.platform, 'android');
    const { rowCount } = await t.db.query('SELECT 1 FROM device_tokens WHERE user_id = $1', [previousOwner.id]);
    assert.equal(rowCount, 0);
  });

  it('keeps one row when several users register the same token at once', async () => {
    const users = await Promise.all([1, 2, 3, 4, 5].map(() => createUser(t.db, t.config)));
    const token = newToken();
    const responses = await Promise.all(users.map((u) => register(u, token)));
    assert.deepEqual(responses.map((r) => r.statusCode), [201, 201, 201, 201, 201]);
    const rows = await rowsOf(token);
    assert.equal(rows.length, 1);
    assert.ok(users.some((u) => u.id === rows[0]!.user_id));
  });

  it('keeps several devices per user', async () => {
    const user = await createUser(t.db, t.config);
    const phone = newToken();
    const tablet = newToken();
    await register(user, phone, 'ios');
    await register(user, tablet, 'android');
    const { rows } = await t.db.query<{ device_token: string }>(
      'SELECT device_token FROM device_tokens WHERE user_id = $1 ORDER BY device_token',
      [user.id],
    );
    assert.deepEqual(rows.map((r) => r.device_token), [phone, tablet].sort());
  });

  it("deletes the caller's own token and only that one", async () => {
    const user = await createUser(t.db, t.config);
    const kept = newToken();
    const removed = newToken();
    await register(user, kept);
    await register(user, removed);
    const res = await unregister(user, removed);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
    assert.equal((await rowsOf(removed)).length, 0);
    assert.equal((await rowsOf(kept)).length, 1);
  });

  it("leaves another user's token alone and answers as if it were absent", async () => {
    const owner = await createUser(t.db, t.config);
    const other = await createUser(t.db, t.config);
    const token = newToken();
    await register(owner, token);
    const foreign = await unregister(other, token);
    const absent = await unregister(other, newToken());
    assert.equal(foreign.statusCode, absent.statusCode);
    assert.deepEqual(foreign.json(), absent.json());
    const rows = await rowsOf(token);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.user_id, owner.id);
  });

  it('validates the body like the contract (platform ios|android, non-empty token)', async () => {
    const user = await createUser(t.db, t.config);
    const badPlatform = await register(user, newToken(), 'windows');
    assert.equal(badPlatform.statusCode, 422);
    assert.deepEqual(badPlatform.json().detail[0].loc, ['body', 'platform']);
    const emptyToken = await register(user, '');
    assert.equal(emptyToken.statusCode, 422);
    assert.deepEqual(emptyToken.json().detail[0].loc, ['body', 'device_token']);
    const noPlatform = await t.app.inject({ method: 'DELETE', url: ENDPOINT, headers: user.auth, payload: { device_token: 'x' } });
    assert.equal(noPlatform.statusCode, 422);
  });

  it('needs a bearer token', async () => {
    for (const method of ['POST', 'DELETE'] as const) {
      const res = await t.app.inject({ method, url: ENDPOINT, payload: { device_token: newToken(), platform: 'ios' } });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'AUTH_EXPIRED');
    }
  });
});
