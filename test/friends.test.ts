// Friends: every call of the newer app's src/services/friendService.ts, made as the app makes it, with the keys
// its types (FriendRequestItem, FriendRequestListResponse, FriendListResponse, FriendshipStatusResponse) require.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { insertCourse, insertRun } from './helpers/run-records.js';

type Json = Record<string, any>;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('friends', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ RATE_LIMIT_PER_MINUTE: '100000' });
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, user?: TestUser) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {} });
  /** A user with a device, so pushes to them are recorded. */
  const user = async () => {
    const u = await createUser(t.db, t.config);
    await t.db.query(`INSERT INTO device_tokens (user_id, device_token, platform) VALUES ($1, $2, 'ios')`, [u.id, `token-${u.id}`]);
    return u;
  };
  type Five = [TestUser, TestUser, TestUser, TestUser, TestUser];
  const users = async (n: 1 | 2 | 3 | 4 | 5) => (await Promise.all(Array.from({ length: n }, user))) as Five;
  const pushes = async (kind: string, userId: string) =>
    (await t.db.query<{ data: Json }>('SELECT data FROM push_notifications WHERE kind = $1 AND user_id = $2', [kind, userId])).rows.map((r) => r.data);
  const pairRows = async (a: TestUser, b: TestUser) =>
    (
      await t.db.query<{ status: string; requester_id: string }>(
        'SELECT status, requester_id FROM friendships WHERE (requester_id = $1 AND recipient_id = $2) OR (requester_id = $2 AND recipient_id = $1)',
        [a.id, b.id],
      )
    ).rows;

  // The app's calls (friendService.ts), one helper each.
  const sendRequest = (me: TestUser, to: string) => call('POST', `/friend-requests/${to}`, me);
  const acceptRequest = (me: TestUser, id: string) => call('PATCH', `/friend-requests/${id}/accept`, me);
  const declineRequest = (me: TestUser, id: string) => call('PATCH', `/friend-requests/${id}/decline`, me);
  const cancelRequest = (me: TestUser, id: string) => call('DELETE', `/friend-requests/${id}`, me);
  const removeFriend = (me: TestUser, userId: string) => call('DELETE', `/friends/${userId}`, me);
  const received = (me: TestUser, page = 0, perPage = 20) => call('GET', `/friend-requests/received?page=${page}&per_page=${perPage}`, me);
  const sent = (me: TestUser, page = 0, perPage = 20) => call('GET', `/friend-requests/sent?page=${page}&per_page=${perPage}`, me);
  const friendsOf = (me: TestUser, page = 0, perPage = 20) => call('GET', `/friends?page=${page}&per_page=${perPage}`, me);
  const status = (me: TestUser, userId: string) => call('GET', `/users/${userId}/friendship-status`, me);
  const pendingCount = (me: TestUser) => call('GET', '/friend-requests/pending-count', me);

  async function request(from: TestUser, to: TestUser): Promise<Json> {
    const res = await sendRequest(from, to.id);
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  }
  async function befriend(a: TestUser, b: TestUser): Promise<Json> {
    const req = await request(a, b);
    const res = await acceptRequest(b, req.id);
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  }
  const assertItem = (item: Json, requester: TestUser, recipient: TestUser, itemStatus: string) => {
    assert.deepEqual(Object.keys(item).sort(), ['created_at', 'id', 'recipient', 'requester', 'status']);
    assert.match(item.id, UUID);
    assert.deepEqual(item.requester, { id: requester.id, nickname: requester.nickname, avatar_url: null });
    assert.deepEqual(item.recipient, { id: recipient.id, nickname: recipient.nickname, avatar_url: null });
    assert.equal(item.status, itemStatus);
    assert.match(item.created_at, ISO_UTC);
  };

  describe('authentication', () => {
    const id = randomUUID();
    for (const [method, url] of [
      ['POST', `/friend-requests/${id}`],
      ['PATCH', `/friend-requests/${id}/accept`],
      ['PATCH', `/friend-requests/${id}/decline`],
      ['DELETE', `/friend-requests/${id}`],
      ['DELETE', `/friends/${id}`],
      ['GET', '/friend-requests/received?page=0&per_page=20'],
      ['GET', '/friend-requests/sent?page=0&per_page=20'],
      ['GET', '/friends?page=0&per_page=20'],
      ['GET', `/users/${id}/friendship-status`],
      ['GET', '/friend-requests/pending-count'],
    ] as const) {
      it(`${method} ${url.replace(id, '{id}')} answers 401 AUTH_EXPIRED without a token`, async () => {
        const res = await call(method, url);
        assert.equal(res.statusCode, 401);
        assert.equal(res.json().code, 'AUTH_EXPIRED');
      });
    }
  });

  describe('POST /friend-requests/{userId}', () => {
    it('sends a pending request (201) with the app’s keys, and pushes friend_request to the recipient', async () => {
      const [a, b] = await users(2);
      await t.db.query(`UPDATE users SET avatar_url = 'https://cdn.example.com/b.jpg' WHERE id = $1`, [b.id]);
      const res = await sendRequest(a, b.id);
      assert.equal(res.statusCode, 201, res.body);
      const item = res.json();
      assertItem({ ...item, recipient: { ...item.recipient, avatar_url: null } }, a, b, 'pending');
      assert.equal(item.recipient.avatar_url, 'https://cdn.example.com/b.jpg');
      assert.deepEqual(await pushes('friend_request', b.id), [{ user_id: a.id, request_id: item.id }]);
      assert.deepEqual(await pushes('friend_request', a.id), [], 'the sender is not told');
    });

    it('refuses a request to yourself (422 SELF_REQUEST), to a missing user (404) and a malformed id (422)', async () => {
      const [a] = await users(1);
      for (const id of [a.id, a.id.toUpperCase()]) {
        const self = await sendRequest(a, id);
        assert.equal(self.statusCode, 422);
        assert.equal(self.json().code, 'SELF_REQUEST');
      }
      const missing = await sendRequest(a, randomUUID());
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'NOT_FOUND');
      const malformed = await sendRequest(a, 'nope');
      assert.equal(malformed.statusCode, 422);
      assert.deepEqual(malformed.json().detail[0].loc, ['params', 'user_id']);
      assert.equal((await t.db.query('SELECT 1 FROM friendships WHERE requester_id = $1', [a.id])).rowCount, 0);
    });

    it('is idempotent while the request is pending: the same request (200), one row, one push', async () => {
      const [a, b] = await users(2);
      const first = await request(a, b);
      const again = await sendRequest(a, b.id);
      assert.equal(again.statusCode, 200);
      assert.deepEqual(again.json(), first);
      assert.equal((await pairRows(a, b)).length, 1);
      assert.equal((await pushes('friend_request', b.id)).length, 1);
    });

    it('answers 409 ALREADY_FRIENDS when you are friends, whichever of you asks', async () => {
      const [a, b] = await users(2);
      await befriend(a, b);
      for (const [from, to] of [[a, b], [b, a]] as const) {
        const res = await sendRequest(from, to.id);
        assert.equal(res.statusCode, 409);
        assert.equal(res.json().code, 'ALREADY_FRIENDS');
      }
      assert.deepEqual(await pairRows(a, b), [{ status: 'accepted', requester_id: a.id }]);
    });

    it('accepts the other user’s pending request instead of making a second one (mutual request)', async () => {
      const [a, b] = await users(2);
      const theirs = await request(b, a);
      const res = await sendRequest(a, b.id);
      assert.equal(res.statusCode, 200, res.body);
      const item = res.json();
      assert.equal(item.id, theirs.id);
      assertItem(item, b, a, 'accepted');
      assert.deepEqual(await pairRows(a, b), [{ status: 'accepted', requester_id: b.id }]);
      assert.deepEqual(await pushes('friend_accepted', b.id), [{ user_id: a.id, request_id: theirs.id }]);
      assert.equal((await pushes('friend_request', b.id)).length, 0, 'no request push for the mutual one');
    });
  });

  describe('accept, decline, cancel', () => {
    it('the recipient accepts (200, the item accepted); the requester gets friend_accepted', async () => {
      const [a, b] = await users(2);
      const req = await request(a, b);
      const res = await acceptRequest(b, req.id);
      assert.equal(res.statusCode, 200, res.body);
      assertItem(res.json(), a, b, 'accepted');
      assert.equal(res.json().created_at, req.created_at);
      assert.deepEqual(await pushes('friend_accepted', a.id), [{ user_id: b.id, request_id: req.id }]);
      const again = await acceptRequest(b, req.id);
      assert.equal(again.statusCode, 200, 'accepting again is idempotent');
      assert.equal(again.json().status, 'accepted');
      assert.equal((await pushes('friend_accepted', a.id)).length, 1);
    });

    it('only the recipient accepts or declines (requester 403, anyone else 404), nothing changes', async () => {
      const [a, b, stranger] = await users(3);
      const req = await request(a, b);
      for (const act of [acceptRequest, declineRequest]) {
        const byRequester = await act(a, req.id);
        assert.equal(byRequester.statusCode, 403);
        assert.equal(byRequester.json().code, 'FORBIDDEN');
        assert.equal((await act(stranger, req.id)).statusCode, 404);
        assert.equal((await act(b, randomUUID())).statusCode, 404);
        assert.equal((await act(b, 'not-a-uuid')).statusCode, 422);
      }
      assert.deepEqual(await pairRows(a, b), [{ status: 'pending', requester_id: a.id }]);
    });

    it('only the requester cancels (recipient 403, anyone else 404)', async () => {
      const [a, b, stranger] = await users(3);
      const req = await request(a, b);
      assert.equal((await cancelRequest(b, req.id)).statusCode, 403);
      assert.equal((await cancelRequest(stranger, req.id)).statusCode, 404);
      assert.equal((await pairRows(a, b)).length, 1);
      const res = await cancelRequest(a, req.id);
      assert.equal(res.statusCode, 204);
      assert.equal(res.body, '');
      assert.equal((await pairRows(a, b)).length, 0);
      assert.equal((await cancelRequest(a, req.id)).statusCode, 404, 'gone');
    });

    it('declining deletes the request (204); the requester may ask again, without a second push', async () => {
      const [a, b] = await users(2);
      const req = await request(a, b);
      const res = await declineRequest(b, req.id);
      assert.equal(res.statusCode, 204);
      assert.equal((await pairRows(a, b)).length, 0);
      assert.equal((await declineRequest(b, req.id)).statusCode, 404);
      assert.equal((await status(a, b.id)).json().request_status, null);
      const again = await request(a, b);
      assert.notEqual(again.id, req.id);
      assert.equal((await pushes('friend_request', b.id)).length, 1, 'asking again never pushes twice');
    });

    it('an accepted request cannot be declined or cancelled (409 NOT_PENDING): that is unfriending', async () => {
      const [a, b] = await users(2);
      const item = await befriend(a, b);
      assert.equal((await declineRequest(b, item.id)).json().code, 'NOT_PENDING');
      assert.equal((await cancelRequest(a, item.id)).statusCode, 409);
      assert.equal((await pairRows(a, b))[0]!.status, 'accepted');
    });
  });

  describe('DELETE /friends/{userId}', () => {
    it('ends the friendship for both (204), idempotently; a pending request is left alone', async () => {
      const [a, b, c] = await users(3);
      await befriend(a, b);
      await request(a, c);
      const res = await removeFriend(b, a.id);
      assert.equal(res.statusCode, 204);
      assert.equal((await pairRows(a, b)).length, 0);
      for (const u of [a, b]) assert.equal((await friendsOf(u)).json().total_count, 0);
      assert.equal((await removeFriend(b, a.id)).statusCode, 204, 'again: still 204');
      assert.equal((await removeFriend(a, c.id)).statusCode, 204);
      assert.equal((await pairRows(a, c))[0]!.status, 'pending', 'unfriending does not cancel a request');
      assert.equal((await removeFriend(a, 'x')).statusCode, 422);
      // Either may ask again.
      await request(b, a);
    });
  });

  describe('lists and counts', () => {
    it('received and sent list pending requests newest first, paged, with total_count', async () => {
      const [me, x, y, z, friend] = await users(5);
      const fromX = await request(x, me);
      const fromY = await request(y, me);
      const toZ = await request(me, z);
      await befriend(friend, me);

      const r = await received(me);
      assert.equal(r.statusCode, 200);
      assert.deepEqual(Object.keys(r.json()).sort(), ['data', 'total_count']);
      assert.equal(r.json().total_count, 2);
      assert.deepEqual(r.json().data.map((i: Json) => i.id), [fromY.id, fromX.id]);
      assertItem(r.json().data[0], y, me, 'pending');
      const page1 = (await received(me, 1, 1)).json();
      assert.deepEqual([page1.data.map((i: Json) => i.id), page1.total_count], [[fromX.id], 2]);

      const s = (await sent(me)).json();
      assert.deepEqual([s.data.map((i: Json) => i.id), s.total_count], [[toZ.id], 1]);
      assertItem(s.data[0], me, z, 'pending');
      assert.deepEqual((await sent(x)).json().data.map((i: Json) => i.id), [fromX.id]);
      assert.equal((await received(z)).json().data[0].id, toZ.id);

      const count = await pendingCount(me);
      assert.equal(count.statusCode, 200);
      assert.deepEqual(count.json(), { count: 2 });
      assert.deepEqual((await pendingCount(z)).json(), { count: 1 });
      assert.deepEqual((await pendingCount(x)).json(), { count: 0 });
    });

    it('lists friends from either side, the newest friendship first, with the app’s FriendItem keys', async () => {
      const [me, a, b, c] = await users(4);
      const withA = await befriend(me, a);
      const withB = await befriend(b, me);
      await request(c, me);
      const res = await friendsOf(me);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.total_count, 2);
      assert.deepEqual(body.data.map((f: Json) => f.id), [withB.id, withA.id]);
      for (const f of body.data) {
        assert.deepEqual(Object.keys(f).sort(), ['id', 'since', 'user']);
        assert.match(f.since, ISO_UTC);
      }
      assert.deepEqual(body.data[0].user, { id: b.id, nickname: b.nickname, avatar_url: null });
      assert.deepEqual(body.data[1].user, { id: a.id, nickname: a.nickname, avatar_url: null });
      assert.deepEqual((await friendsOf(a)).json().data.map((f: Json) => f.user.id), [me.id]);
      // The community tab asks for 100; more than 100 is refused.
      assert.equal((await friendsOf(me, 0, 100)).statusCode, 200);
      assert.equal((await friendsOf(me, 0, 101)).statusCode, 422);
      assert.equal((await received(me, -1)).statusCode, 422);
      assert.deepEqual((await friendsOf(me, 5)).json(), { data: [], total_count: 2 });
    });

    it('friendship status: none, pending_sent, pending_received, accepted, with the user’s friends_count', async () => {
      const [a, b, c] = await users(3);
      const keys = (body: Json) => Object.keys(body).sort();
      const none = await status(a, b.id);
      assert.equal(none.statusCode, 200);
      assert.deepEqual(keys(none.json()), ['friends_count', 'is_friend', 'request_status']);
      assert.deepEqual(none.json(), { is_friend: false, request_status: null, friends_count: 0 });
      const req = await request(a, b);
      assert.deepEqual((await status(a, b.id)).json(), { is_friend: false, request_status: 'pending_sent', friends_count: 0 });
      assert.deepEqual((await status(b, a.id)).json(), { is_friend: false, request_status: 'pending_received', friends_count: 0 });
      await acceptRequest(b, req.id);
      await befriend(c, b);
      assert.deepEqual((await status(a, b.id)).json(), { is_friend: true, request_status: 'accepted', friends_count: 2 });
      assert.deepEqual((await status(c, a.id)).json(), { is_friend: false, request_status: null, friends_count: 1 });
      assert.equal((await status(a, randomUUID())).statusCode, 404);
      assert.equal((await status(a, 'x')).statusCode, 422);
    });

    it('the profile screen’s flow: status pending_received, find the request in received, accept it', async () => {
      const [me, them] = await users(2);
      await request(them, me);
      assert.equal((await status(me, them.id)).json().request_status, 'pending_received');
      const req = (await received(me, 0, 50)).json().data.find((r: Json) => r.requester.id === them.id);
      assert.equal((await acceptRequest(me, req.id)).statusCode, 200);
      assert.equal((await status(me, them.id)).json().is_friend, true);
    });
  });

  describe('concurrency', () => {
    it('simultaneous requests A→B and B→A make one friendship', async () => {
      for (let round = 0; round < 5; round++) {
        const [a, b] = await users(2);
        const answers = await Promise.all([sendRequest(a, b.id), sendRequest(b, a.id)]);
        assert.deepEqual(answers.map((r) => r.statusCode).sort(), [200, 201], answers.map((r) => r.body).join(' '));
        const rows = await pairRows(a, b);
        assert.equal(rows.length, 1);
        assert.equal(rows[0]!.status, 'accepted');
        assert.equal(new Set(answers.map((r) => r.json().id)).size, 1);
      }
    });

    it('a double accept makes one friendship and one push; many identical requests make one request', async () => {
      const [a, b] = await users(2);
      const req = await request(a, b);
      const accepts = await Promise.all(Array.from({ length: 4 }, () => acceptRequest(b, req.id)));
      assert.deepEqual(accepts.map((r) => r.statusCode), [200, 200, 200, 200]);
      assert.deepEqual(await pairRows(a, b), [{ status: 'accepted', requester_id: a.id }]);
      assert.equal((await pushes('friend_accepted', a.id)).length, 1);

      const [c, d] = await users(2);
      const sends = await Promise.all(Array.from({ length: 4 }, () => sendRequest(c, d.id)));
      assert.deepEqual(sends.map((r) => r.statusCode).sort(), [200, 200, 200, 201]);
      assert.equal((await pairRows(c, d)).length, 1);
      assert.equal((await pushes('friend_request', d.id)).length, 1);
    });

    it('a cancel racing an accept leaves either a friendship or nothing, never both answers successful', async () => {
      const [a, b] = await users(2);
      const req = await request(a, b);
      const [cancelled, accepted] = await Promise.all([cancelRequest(a, req.id), acceptRequest(b, req.id)]);
      const rows = await pairRows(a, b);
      if (cancelled.statusCode === 204) {
        assert.equal(accepted.statusCode, 404);
        assert.equal(rows.length, 0);
      } else {
        assert.equal(cancelled.statusCode, 409);
        assert.equal(accepted.statusCode, 200);
        assert.equal(rows[0]!.status, 'accepted');
      }
    });
  });

  describe('what friends see', () => {
    it('a friend still gets 404 for the other’s private course, private-course run and Strava run', async () => {
      const [a, b] = await users(2);
      await befriend(a, b);
      const privateCourse = await insertCourse(t.db, a.id, { isPublic: false });
      const onPrivate = await insertRun(t.db, { userId: a.id, courseId: privateCourse, finishedAt: new Date() });
      const strava = await insertRun(t.db, { userId: a.id, source: 'strava', finishedAt: new Date() });
      assert.equal((await call('GET', `/courses/${privateCourse}`, b)).statusCode, 404);
      for (const run of [onPrivate, strava]) assert.equal((await call('GET', `/runs/${run}`, b)).statusCode, 404);
      assert.equal((await call('GET', `/runs/${strava}`, a)).statusCode, 200, 'the owner sees it');
    });
  });

  describe('pushes', () => {
    it('friend_request and friend_accepted can each be turned off', async () => {
      const [a, b] = await users(2);
      for (const [u, kind] of [[b, 'friend_request'], [a, 'friend_accepted']] as const) {
        const res = await t.app.inject({ method: 'PATCH', url: '/api/v1/notifications/settings', headers: u.auth, payload: { [kind]: false } });
        assert.equal(res.statusCode, 200);
        assert.equal(res.json()[kind], false);
      }
      await befriend(a, b);
      assert.deepEqual(await pushes('friend_request', b.id), []);
      assert.deepEqual(await pushes('friend_accepted', a.id), []);
    });
  });

  describe('account deletion', () => {
    it('deleting an account removes its requests and friendships, and leaves other users’ rows', async () => {
      const [gone, a, b, c] = await users(4);
      await befriend(gone, a);
      await request(b, gone);
      await befriend(a, c);
      assert.equal((await call('DELETE', '/users/me', gone)).statusCode, 204);
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM friendships WHERE requester_id = $1 OR recipient_id = $1', [gone.id]);
      assert.equal(rows[0]!.n, 0);
      assert.deepEqual((await friendsOf(a)).json().data.map((f: Json) => f.user.id), [c.id]);
      assert.deepEqual((await sent(b)).json(), { data: [], total_count: 0 });
      assert.equal((await pairRows(a, c)).length, 1);
    });
  });
});
