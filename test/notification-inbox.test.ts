// The in-app inbox (the newer app's notificationService.ts): follows, friend requests, comments and likes on one's
// posts and join requests to one's crews appear once each with their actor, whatever the push settings; reading
// one or all changes the counts; nobody reads or marks another user's items. Followers hear of runs finished in the app.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { INBOX_KEEP_DAYS, pruneInbox } from '../src/features/notifications/pruning.js';
import { recordRunForFollowers } from '../src/features/notifications/followers-run.js';
import { insertCourse as insertRankedCourse, insertRun } from './helpers/run-records.js';
import { completionOf, freshSpot, shifted } from './helpers/runs.js';
import { simulateRun } from './helpers/tracks.js';

type Item = { id: string; type: string; actor: { id: string; nickname: string | null; avatar_url: string | null }; target_id: string | null; target_type: string | null; data: Record<string, string> | null; is_read: boolean; created_at: string };

describe('notification inbox', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST', url: string, user: TestUser, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: { ...user.auth, 'content-type': 'application/json' }, ...(payload ? { payload } : {}) });
  const inbox = async (user: TestUser, query = '') => {
    const res = await call('GET', `/notifications${query}`, user);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { data: Item[]; total_count: number; unread_count: number };
  };
  const ok = async (method: 'GET' | 'POST', url: string, user: TestUser, payload?: object) => {
    const res = await call(method, url, user, payload);
    assert.ok(res.statusCode < 300, `${url}: ${res.statusCode} ${res.body}`);
    return res.json() as { id: string };
  };

  it('records what others did, once per cause, with the app’s keys, newest first', async () => {
    const [me, fan, friend, manager] = [await createUser(t.db, t.config), await createUser(t.db, t.config), await createUser(t.db, t.config), await createUser(t.db, t.config)];
    // Pushes turned off and no device: the inbox records anyway.
    const off = await t.app.inject({ method: 'PATCH', url: '/api/v1/notifications/settings', headers: me.auth, payload: { new_follower: false, friend_request: false } });
    assert.equal(off.statusCode, 200, off.body);
    await ok('POST', `/users/${me.id}/follow`, fan);
    await ok('POST', `/friend-requests/${me.id}`, friend);
    const post = await ok('POST', '/community/posts', me, { content: 'Sunday long run?', post_type: 'question' });
    await ok('POST', `/community/posts/${post.id}/comments`, fan, { content: 'in!' });
    await ok('POST', `/community/posts/${post.id}/like`, fan);
    await ok('POST', `/community/posts/${post.id}/like`, fan); // unlike
    await ok('POST', `/community/posts/${post.id}/like`, fan); // like again: not a second item
    await ok('POST', `/community/posts/${post.id}/comments`, me, { content: 'my own: not in my inbox' });
    await ok('POST', `/community/posts/${post.id}/like`, me);
    const crew = await ok('POST', '/crews', me, { name: `Inbox ${randomUUID().slice(0, 8)}`, requires_approval: true });
    await ok('POST', `/crews/${crew.id}/join-requests`, manager, {});
    const box = await inbox(me);
    assert.deepEqual(box.data.map((i) => [i.type, i.actor.id]), [
      ['crew_join_request', manager.id], ['post_like', fan.id], ['post_comment', fan.id], ['friend_request', friend.id], ['follow', fan.id],
    ]);
    assert.equal(box.total_count, 5);
    assert.equal(box.unread_count, 5);
    const [join, like, , request, follow] = box.data as [Item, Item, Item, Item, Item];
    assert.deepEqual(Object.keys(follow).sort(), ['actor', 'created_at', 'data', 'id', 'is_read', 'target_id', 'target_type', 'type']);
    assert.deepEqual(follow.actor, { id: fan.id, nickname: fan.nickname, avatar_url: null });
    assert.equal(follow.is_read, false);
    assert.deepEqual([like.target_type, like.target_id], ['post', post.id]);
    assert.deepEqual([join.target_type, join.target_id], ['crew', crew.id]);
    assert.ok(join.data?.crew_name?.startsWith('Inbox '));
    assert.equal(request.target_id, friend.id);
    // A second follow after an unfollow is the same cause: one item.
    await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${me.id}/follow`, headers: fan.auth });
    await ok('POST', `/users/${me.id}/follow`, fan);
    assert.equal((await inbox(me)).total_count, 5);
  });

  it('marks one or all read, only the caller’s own', async () => {
    const [me, other, fan] = [await createUser(t.db, t.config), await createUser(t.db, t.config), await createUser(t.db, t.config)];
    await ok('POST', `/users/${me.id}/follow`, fan);
    await ok('POST', `/users/${other.id}/follow`, fan);
    await ok('POST', `/friend-requests/${me.id}`, fan);
    const mine = (await inbox(me)).data;
    const theirs = (await inbox(other)).data[0]!;
    assert.equal((await call('POST', `/notifications/${theirs.id}/read`, me)).statusCode, 404);
    assert.equal((await inbox(other)).unread_count, 1, 'another user cannot mark mine');
    assert.equal((await call('POST', `/notifications/${mine[0]!.id}/read`, me)).statusCode, 204);
    assert.equal((await call('POST', `/notifications/${mine[0]!.id}/read`, me)).statusCode, 204, 'again: no change, no error');
    assert.deepEqual((await call('GET', '/notifications/unread-count', me)).json(), { count: 1 });
    assert.equal((await inbox(me)).data.find((i) => i.id === mine[0]!.id)!.is_read, true);
    assert.equal((await call('POST', '/notifications/read-all', me)).statusCode, 204);
    assert.deepEqual((await call('GET', '/notifications/unread-count', me)).json(), { count: 0 });
    assert.deepEqual((await call('GET', '/notifications/unread-count', other)).json(), { count: 1 });
    assert.equal((await call('POST', `/notifications/${randomUUID()}/read`, me)).statusCode, 404);
  });

  it('pages as the app asks, bounded', async () => {
    const me = await createUser(t.db, t.config);
    for (let i = 0; i < 3; i++) await ok('POST', `/users/${me.id}/follow`, await createUser(t.db, t.config));
    const first = await inbox(me, '?page=0&per_page=2');
    const second = await inbox(me, '?page=1&per_page=2');
    assert.equal(first.total_count, 3);
    assert.equal(first.data.length + second.data.length, 3);
    assert.equal(new Set([...first.data, ...second.data].map((i) => i.id)).size, 3);
    assert.equal((await call('GET', '/notifications?per_page=101', me)).statusCode, 422);
  });

  it('goes with the account of the user and of the actor', async () => {
    const [me, fan, stays] = [await createUser(t.db, t.config), await createUser(t.db, t.config), await createUser(t.db, t.config)];
    await ok('POST', `/users/${me.id}/follow`, fan);
    await ok('POST', `/users/${me.id}/follow`, stays);
    await ok('POST', `/users/${fan.id}/follow`, me);
    assert.equal((await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: fan.auth })).statusCode, 204);
    const { rows } = await t.db.query<{ actor_id: string }>('SELECT actor_id FROM notifications WHERE user_id = $1 OR actor_id = $2 OR user_id = $2', [me.id, fan.id]);
    assert.deepEqual(rows.map((r) => r.actor_id), [stays.id]);
  });

  it(`keeps ${INBOX_KEEP_DAYS} days: older items go, read or not, newer ones stay`, async () => {
    const [me, a, b] = [await createUser(t.db, t.config), await createUser(t.db, t.config), await createUser(t.db, t.config)];
    await ok('POST', `/users/${me.id}/follow`, a);
    await ok('POST', `/users/${me.id}/follow`, b);
    const old = (await inbox(me)).data.find((item) => item.actor.id === a.id)!;
    await t.db.query(`UPDATE notifications SET created_at = now() - interval '${INBOX_KEEP_DAYS} days 1 hour' WHERE id = $1`, [old.id]);
    assert.ok((await pruneInbox(t.db)) >= 1);
    const left = await inbox(me);
    assert.deepEqual(left.data.map((item) => item.actor.id), [b.id]);
    assert.equal(left.unread_count, 1);
    assert.equal(await pruneInbox(t.db), 0, 'nothing more to prune');
  });

  it('tells followers of a run finished in the app (run_completed, no target), once; not Strava’s or a private course’s; gone with the run', async () => {
    const [runner, fan, other, stranger] = [await createUser(t.db, t.config), await createUser(t.db, t.config), await createUser(t.db, t.config), await createUser(t.db, t.config)];
    await ok('POST', `/users/${runner.id}/follow`, fan);
    await ok('POST', `/users/${runner.id}/follow`, other);
    const points = simulateRun({ path: shifted([[0, 0], [1200, 0]], freshSpot()), speed: 3, noise: 2, startTime: Date.now() - 3600_000 }).points;
    const session = await ok('POST', '/runs/sessions', runner, { course_id: null, started_at: new Date(points[0]!.t).toISOString() }) as unknown as { session_id: string };
    const done = await call('POST', `/runs/sessions/${session.session_id}/complete`, runner, completionOf(points));
    assert.equal(done.statusCode, 201, done.body);
    const runId = done.json().run_record_id as string;
    // test apps run no workers: the queued job is found, then its handler is run as the worker would
    const { rows: queued } = await t.db.query("SELECT 1 FROM pgboss.job WHERE name = 'run-to-followers' AND data->>'runRecordId' = $1", [runId]);
    assert.equal(queued.length, 1);
    assert.equal(await recordRunForFollowers(t.db, runId), 2);
    for (const follower of [fan, other]) {
      const items = (await inbox(follower)).data.filter((i) => i.type === 'run_completed');
      assert.equal(items.length, 1);
      assert.equal(items[0]!.actor.id, runner.id);
      assert.equal(items[0]!.target_id, null, 'a follower cannot open the run: the app opens the runner instead');
      assert.equal(items[0]!.data!.distance_meters, String(done.json().user_stats_update.total_distance_meters));
    }
    assert.equal((await inbox(stranger)).total_count, 0);
    assert.equal((await inbox(runner)).data.filter((i) => i.type === 'run_completed').length, 0);
    assert.equal(await recordRunForFollowers(t.db, runId), 0, 'a retried job adds nothing');

    // the feed's rule: never a Strava run, never a run on a course the followers cannot see
    const hidden = await insertRankedCourse(t.db, runner.id, { isPublic: false });
    const onHidden = await insertRun(t.db, { userId: runner.id, courseId: hidden, finishedAt: new Date() });
    const strava = await insertRun(t.db, { userId: runner.id, finishedAt: new Date(), source: 'strava' });
    assert.equal(await recordRunForFollowers(t.db, onHidden), 0);
    assert.equal(await recordRunForFollowers(t.db, strava), 0);

    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/runs/${runId}`, headers: runner.auth })).statusCode, 204);
    assert.equal((await inbox(fan)).data.filter((i) => i.type === 'run_completed').length, 0);
  });
});
