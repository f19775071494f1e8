import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('follows', () => {
  let t: TestApp;
  before(async () => {
    // This file sends more than the default 100 requests a minute from one address.
    t = await createTestApp({ RATE_LIMIT_PER_MINUTE: '100000' });
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, user?: TestUser) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {} });
  const users = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(t.db, t.config)));
  const isFollowing = async (from: TestUser, to: TestUser) =>
    (await t.db.query('SELECT 1 FROM follows WHERE follower_id = $1 AND following_id = $2', [from.id, to.id])).rowCount === 1;

  describe('authentication', () => {
    const id = randomUUID();
    for (const [method, url] of [
      ['POST', `/users/${id}/follow`],
      ['DELETE', `/users/${id}/follow`],
      ['GET', `/users/${id}/followers`],
      ['GET', `/users/${id}/following`],
      ['GET', `/users/${id}/follow-status`],
    ] as const) {
      it(`${method} ${url.replace(id, '{id}')} refuses a missing or invalid token with 401`, async () => {
        const missing = await call(method, url);
        assert.equal(missing.statusCode, 401);
        assert.equal(missing.json().code, 'AUTH_EXPIRED');
        const invalid = await t.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: 'Bearer x.y.z' } });
        assert.equal(invalid.statusCode, 401);
      });
    }

    it('makes no follow without a valid token', async () => {
      const [target] = await users(1);
      await call('POST', `/users/${target!.id}/follow`);
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM follows WHERE following_id = $1', [target!.id]);
      assert.equal(rows[0]!.n, 0);
    });
  });

  describe('POST /users/{id}/follow', () => {
    it('follows with 201 and returns the follow with the followed user', async () => {
      const [me, target] = await users(2);
      await t.db.query(`UPDATE users SET avatar_url = 'https://cdn.example.com/t.jpg' WHERE id = $1`, [target!.id]);
      const res = await call('POST', `/users/${target!.id}/follow`, me);
      assert.equal(res.statusCode, 201);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['created_at', 'id', 'user']);
      assert.match(body.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(body.user, { id: target!.id, nickname: target!.nickname, avatar_url: 'https://cdn.example.com/t.jpg' });
      assert.match(body.created_at, ISO_UTC);
      assert.ok(await isFollowing(me!, target!));
      assert.ok(!(await isFollowing(target!, me!)), 'one direction only');
    });

    it('refuses to follow yourself with 422 SELF_FOLLOW, whatever the id’s case', async () => {
      const [me] = await users(1);
      for (const id of [me!.id, me!.id.toUpperCase()]) {
        const res = await call('POST', `/users/${id}/follow`, me);
        assert.equal(res.statusCode, 422);
        assert.equal(res.json().code, 'SELF_FOLLOW');
      }
    });

    it('answers 404 for an unknown user and 422 for a malformed id', async () => {
      const [me] = await users(1);
      const missing = await call('POST', `/users/${randomUUID()}/follow`, me);
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'NOT_FOUND');
      const malformed = await call('POST', '/users/12345/follow', me);
      assert.equal(malformed.statusCode, 422);
      assert.deepEqual(malformed.json().detail[0].loc, ['params', 'user_id']);
    });

    it('answers 409 ALREADY_FOLLOWING the second time', async () => {
      const [me, target] = await users(2);
      assert.equal((await call('POST', `/users/${target!.id}/follow`, me)).statusCode, 201);
      const again = await call('POST', `/users/${target!.id.toUpperCase()}/follow`, me);
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'ALREADY_FOLLOWING');
    });

    it('lets only one of two concurrent follows succeed, the other 409, never 500', async () => {
      const [me, target] = await users(2);
      const results = await Promise.all([0, 1, 2].map(() => call('POST', `/users/${target!.id}/follow`, me)));
      assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 409, 409]);
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM follows WHERE follower_id = $1', [me!.id]);
      assert.equal(rows[0]!.n, 1);
    });
  });

  describe('DELETE /users/{id}/follow', () => {
    it('unfollows with 204, then 404 when not following', async () => {
      const [me, target] = await users(2);
      await call('POST', `/users/${target!.id}/follow`, me);
      const res = await call('DELETE', `/users/${target!.id}/follow`, me);
      assert.equal(res.statusCode, 204);
      assert.equal(res.body, '');
      assert.ok(!(await isFollowing(me!, target!)));
      const again = await call('DELETE', `/users/${target!.id}/follow`, me);
      assert.equal(again.statusCode, 404);
      assert.equal(again.json().code, 'NOT_FOUND');
      assert.equal((await call('DELETE', `/users/${randomUUID()}/follow`, me)).statusCode, 404);
      assert.equal((await call('DELETE', '/users/nope/follow', me)).statusCode, 422);
    });

    it('removes only the caller’s own follow', async () => {
      const [me, other, target] = await users(3);
      await call('POST', `/users/${target!.id}/follow`, other);
      // I do not follow the target: my unfollow must not touch the other user's follow.
      assert.equal((await call('DELETE', `/users/${target!.id}/follow`, me)).statusCode, 404);
      assert.ok(await isFollowing(other!, target!));
      // Nor can I remove a follow of me by someone else (their row, their choice).
      assert.equal((await call('DELETE', `/users/${other!.id}/follow`, target)).statusCode, 404);
      assert.ok(await isFollowing(other!, target!));
    });
  });

  describe('followers and following lists', () => {
    it('lists newest first with the other side’s summary, paged, with the total', async () => {
      const [star, a, b, c] = await users(4);
      for (const fan of [a, b, c]) assert.equal((await call('POST', `/users/${star!.id}/follow`, fan)).statusCode, 201);
      await call('POST', `/users/${a!.id}/follow`, star);
      await call('POST', `/users/${b!.id}/follow`, star);

      const all = await call('GET', `/users/${star!.id}/followers`, a);
      assert.equal(all.statusCode, 200);
      const body = all.json();
      assert.equal(body.total_count, 3);
      assert.deepEqual(body.data.map((f: { user: { id: string } }) => f.user.id), [c!.id, b!.id, a!.id]);
      assert.deepEqual(body.data[0].user, { id: c!.id, nickname: c!.nickname, avatar_url: null });
      assert.match(body.data[0].created_at, ISO_UTC);
      assert.deepEqual(Object.keys(body.data[0]).sort(), ['created_at', 'id', 'user']);

      const page1 = (await call('GET', `/users/${star!.id}/followers?page=1&per_page=2`, a)).json();
      assert.deepEqual(page1.data.map((f: { user: { id: string } }) => f.user.id), [a!.id]);
      assert.equal(page1.total_count, 3);
      const beyond = (await call('GET', `/users/${star!.id}/followers?page=5&per_page=2`, a)).json();
      assert.deepEqual(beyond, { data: [], total_count: 3 });

      const following = (await call('GET', `/users/${star!.id}/following`, c)).json();
      assert.equal(following.total_count, 2);
      assert.deepEqual(following.data.map((f: { user: { id: string } }) => f.user.id), [b!.id, a!.id]);
    });

    it('refuses out-of-range paging with 422 and answers 404 for an unknown user', async () => {
      const [me] = await users(1);
      for (const query of ['page=-1', 'per_page=0', 'per_page=101', 'page=x']) {
        const res = await call('GET', `/users/${me!.id}/followers?${query}`, me);
        assert.equal(res.statusCode, 422, query);
        assert.equal(res.json().detail[0].loc[0], 'query');
      }
      assert.equal((await call('GET', `/users/${me!.id}/following?per_page=100`, me)).statusCode, 200);
      assert.equal((await call('GET', `/users/${randomUUID()}/followers`, me)).statusCode, 404);
      assert.equal((await call('GET', `/users/${randomUUID()}/following`, me)).statusCode, 404);
      assert.equal((await call('GET', '/users/bad/following', me)).statusCode, 422);
    });
  });

  describe('GET /users/{id}/follow-status', () => {
    it('says whether the caller follows the user, with the user’s counts', async () => {
      const [me, target, x] = await users(3);
      await call('POST', `/users/${target!.id}/follow`, x);
      await call('POST', `/users/${x!.id}/follow`, target);
      const before = await call('GET', `/users/${target!.id}/follow-status`, me);
      assert.equal(before.statusCode, 200);
      assert.deepEqual(before.json(), { is_following: false, followers_count: 1, following_count: 1 });
      await call('POST', `/users/${target!.id}/follow`, me);
      assert.deepEqual((await call('GET', `/users/${target!.id}/follow-status`, me)).json(), {
        is_following: true,
        followers_count: 2,
        following_count: 1,
      });
      assert.equal((await call('GET', `/users/${randomUUID()}/follow-status`, me)).statusCode, 404);
    });
  });
});
