// Push notifications: the real firebase-admin SDK against a local FCM HTTP v1 server, jobs run by the real queue.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enqueuePush, PUSH_SEND_JOB } from '../src/features/notifications/push.js';
import { createLogger } from '../src/infra/logging.js';
import { createTestApp, LogCapture, testConfig, type TestApp } from './helpers/app.js';
import { FakeFcm } from './helpers/fake-fcm.js';
import { waitForJob } from './helpers/jobs.js';
import { createUser, type TestUser } from './helpers/users.js';

const PROJECT = 'runcrew-push-test';
const serviceAccountPath = join(mkdtempSync(join(tmpdir(), 'runcrew-fcm-')), 'service-account.json');
// The credential comes from the fake; the file gives the project, as a real service account does.
writeFileSync(serviceAccountPath, JSON.stringify({ type: 'service_account', project_id: PROJECT }));

const newToken = () => `tok-${randomUUID()}`;

async function registerDevice(t: TestApp, user: TestUser, token = newToken()): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/notifications/token',
    headers: user.auth,
    payload: { device_token: token, platform: 'android' },
  });
  assert.equal(res.statusCode, 201);
  return token;
}

async function follow(t: TestApp, follower: TestUser, target: TestUser, method: 'POST' | 'DELETE' = 'POST'): Promise<void> {
  const res = await t.app.inject({ method, url: `/api/v1/users/${target.id}/follow`, headers: follower.auth });
  assert.equal(res.statusCode, method === 'POST' ? 201 : 204);
}

/** The recorded notifications of a user and kind, with their jobs. */
async function notificationsOf(t: TestApp, userId: string, kind: string) {
  const { rows } = await t.db.query<{ id: string; cause_key: string; sent_at: Date | null; job_id: string | null }>(
    `SELECT n.id, n.cause_key, n.sent_at,
            (SELECT j.id FROM pgboss.job j WHERE j.name = $3 AND j.data ->> 'notificationId' = n.id::text) AS job_id
       FROM push_notifications n WHERE n.user_id = $1 AND n.kind = $2`,
    [userId, kind, PUSH_SEND_JOB],
  );
  return rows;
}

async function pushJobOf(t: TestApp, userId: string, kind = 'new_follower'): Promise<string> {
  const [n, ...more] = await notificationsOf(t, userId, kind);
  assert.equal(more.length, 0);
  assert.ok(n?.job_id, 'a push-send job was enqueued');
  return n.job_id;
}

async function deviceTokens(t: TestApp, userId: string): Promise<string[]> {
  const { rows } = await t.db.query<{ device_token: string }>('SELECT device_token FROM device_tokens WHERE user_id = $1 ORDER BY device_token', [
    userId,
  ]);
  return rows.map((r) => r.device_token);
}

describe('push notifications with a service account', () => {
  let t: TestApp;
  let fcm: FakeFcm;
  before(async () => {
    fcm = await FakeFcm.start();
    t = await createTestApp({ RUN_WORKERS: 'true', JOB_POLL_SECONDS: '0.5', FCM_SERVICE_ACCOUNT_PATH: serviceAccountPath }, (app) => {
      app.deps.push = fcm.sender(serviceAccountPath, app.deps.logger);
    });
  });
  after(async () => {
    await t.close();
    await fcm.close();
  });

  it('sends a new follower to every device of the followed user', async () => {
    const [follower, target] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const phone = await registerDevice(t, target);
    const tablet = await registerDevice(t, target);
    await follow(t, follower, target);

    const job = await waitForJob(t.db, PUSH_SEND_JOB, await pushJobOf(t, target.id));
    assert.equal(job.state, 'completed');
    for (const token of [phone, tablet]) {
      const [request, ...others] = fcm.delivered(token);
      assert.ok(request, `${token} was delivered`);
      assert.equal(others.length, 0);
      assert.match(String(request.host), /^fcm\.googleapis\.com(:443)?$/);
      assert.equal(request.project, PROJECT);
      assert.equal(request.authorization, 'Bearer fake-fcm-access-token');
      assert.deepEqual(request.notification, { title: '새 팔로워', body: `${follower.nickname}님이 회원님을 팔로우하기 시작했어요` });
      assert.deepEqual(request.data, { user_id: follower.id, kind: 'new_follower' });
    }
    const [n] = await notificationsOf(t, target.id, 'new_follower');
    assert.ok(n?.sent_at);
    assert.equal(n.cause_key, follower.id);
  });

  it('deletes only the token FCM calls unregistered', async () => {
    const [follower, target] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const dead = await registerDevice(t, target);
    const alive = await registerDevice(t, target);
    fcm.answers.set(dead, 'unregistered');
    await follow(t, follower, target);

    const job = await waitForJob(t.db, PUSH_SEND_JOB, await pushJobOf(t, target.id));
    assert.equal(job.state, 'completed');
    assert.equal(fcm.attempts(dead).length, 1);
    assert.equal(fcm.delivered(alive).length, 1);
    assert.deepEqual(await deviceTokens(t, target.id), [alive]);
  });

  it('keeps the token on a 503 and retries the job for the devices that did not get it', async () => {
    const [follower, target] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const steady = await registerDevice(t, target);
    const flaky = await registerDevice(t, target);
    fcm.answers.set(flaky, 'unavailable');
    await follow(t, follower, target);
    const jobId = await pushJobOf(t, target.id);

    // The SDK retries a 503 itself for a few seconds before the job fails and the queue schedules a retry.
    await waitForJob(t.db, PUSH_SEND_JOB, jobId, ['retry'], 30_000);
    assert.ok(fcm.attempts(flaky).length >= 1);
    assert.equal(fcm.delivered(flaky).length, 0);
    assert.deepEqual(await deviceTokens(t, target.id), [flaky, steady].sort());
    assert.equal((await notificationsOf(t, target.id, 'new_follower'))[0]?.sent_at, null);

    // FCM recovers; the retry is brought forward instead of waiting out its backoff.
    fcm.answers.delete(flaky);
    await t.db.query('UPDATE pgboss.job SET start_after = now() WHERE name = $1 AND id = $2', [PUSH_SEND_JOB, jobId]);
    const done = await waitForJob(t.db, PUSH_SEND_JOB, jobId);
    assert.equal(done.state, 'completed');
    assert.equal(done.retry_count, 1);
    assert.equal(fcm.delivered(flaky).length, 1);
    assert.equal(fcm.delivered(steady).length, 1, 'the device served on the first attempt is not sent it again');
    assert.ok((await notificationsOf(t, target.id, 'new_follower'))[0]?.sent_at);
  });

  it('deletes a token FCM calls malformed, keeps one whose message it refuses', async () => {
    const [follower, target] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const malformed = await registerDevice(t, target);
    const refused = await registerDevice(t, target);
    fcm.answers.set(malformed, 'invalid_token');
    fcm.answers.set(refused, 'invalid_payload');
    await follow(t, follower, target);

    const job = await waitForJob(t.db, PUSH_SEND_JOB, await pushJobOf(t, target.id));
    assert.equal(job.state, 'completed');
    assert.deepEqual(await deviceTokens(t, target.id), [refused]);
    assert.equal(fcm.attempts(refused).length, 1);
  });

  it('sends nothing of a kind the user turned off, and stops sending when turned off meanwhile', async () => {
    const [follower, target] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const token = await registerDevice(t, target);
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/notifications/settings',
      headers: target.auth,
      payload: { new_follower: false },
    });
    assert.equal(res.statusCode, 200);
    await follow(t, follower, target);
    assert.deepEqual(await notificationsOf(t, target.id, 'new_follower'), []);

    // A notification recorded while its kind was on is dropped by its job if the kind was turned off since
    // (here in the same transaction, so before the job can run).
    await t.db.transaction(async (tx) => {
      await enqueuePush(t.app.deps, tx, { userId: target.id, kind: 'course_review', causeKey: randomUUID(), title: 'Review', body: 'x' });
      await tx.query('UPDATE notification_settings SET course_review = false WHERE user_id = $1', [target.id]);
    });
    const [n] = await notificationsOf(t, target.id, 'course_review');
    assert.equal((await waitForJob(t.db, PUSH_SEND_JOB, n!.job_id!)).state, 'completed');
    assert.equal(fcm.attempts(token).length, 0);
  });

  it('notifies a cause once however often it recurs', async () => {
    const [follower, target] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const token = await registerDevice(t, target);
    await follow(t, follower, target);
    await follow(t, follower, target, 'DELETE');
    await follow(t, follower, target);
    const job = await waitForJob(t.db, PUSH_SEND_JOB, await pushJobOf(t, target.id));
    assert.equal(job.state, 'completed');

    const review = { userId: target.id, kind: 'course_review' as const, causeKey: `review:${randomUUID()}`, title: 'New review', body: '★★★★★' };
    await t.db.transaction(async (tx) => {
      await enqueuePush(t.app.deps, tx, { ...review, data: { course_id: 'c1' } });
      await enqueuePush(t.app.deps, tx, review);
    });
    await t.db.transaction((tx) => enqueuePush(t.app.deps, tx, review));
    const reviews = await notificationsOf(t, target.id, 'course_review');
    assert.equal(reviews.length, 1);
    await waitForJob(t.db, PUSH_SEND_JOB, reviews[0]!.job_id!);

    assert.equal(fcm.delivered(token).length, 2);
    assert.deepEqual(fcm.delivered(token)[1]?.data, { course_id: 'c1', kind: 'course_review' });
  });

  it('enqueues nothing when the transaction rolls back, or for a user without devices', async () => {
    const [target, deviceless] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    await registerDevice(t, target);
    const push = { kind: 'event_cancelled' as const, causeKey: randomUUID(), title: 'Cancelled', body: 'x' };
    await assert.rejects(
      t.db.transaction(async (tx) => {
        await enqueuePush(t.app.deps, tx, { ...push, userId: target.id });
        throw new Error('the change failed');
      }),
    );
    await t.db.transaction((tx) => enqueuePush(t.app.deps, tx, { ...push, userId: deviceless.id }));
    assert.deepEqual(await notificationsOf(t, target.id, 'event_cancelled'), []);
    assert.deepEqual(await notificationsOf(t, deviceless.id, 'event_cancelled'), []);
  });

  it('serves and updates the notification settings', async () => {
    const user = await createUser(t.db, t.config);
    const url = '/api/v1/notifications/settings';
    const all = {
      new_follower: true,
      course_review: true,
      review_reply: true,
      ranking_first_place_lost: true,
      event_reminder: true,
      event_cancelled: true,
      crew_join_request: true,
      crew_join_approved: true,
      crew_course_lost: true,
      group_run_invite: true,
      group_run_reminder: true,
      challenge_completed: true,
      community_comment: true,
      friend_request: true,
      friend_accepted: true,
    };
    assert.deepEqual((await t.app.inject({ method: 'GET', url, headers: user.auth })).json(), all);

    const off = await t.app.inject({ method: 'PATCH', url, headers: user.auth, payload: { review_reply: false, event_reminder: false } });
    assert.deepEqual(off.json(), { ...all, review_reply: false, event_reminder: false });
    const on = await t.app.inject({ method: 'PATCH', url, headers: user.auth, payload: { event_reminder: true } });
    assert.deepEqual(on.json(), { ...all, review_reply: false });
    assert.deepEqual((await t.app.inject({ method: 'GET', url, headers: user.auth })).json(), { ...all, review_reply: false });

    const bad = await t.app.inject({ method: 'PATCH', url, headers: user.auth, payload: { new_follower: 'no' } });
    assert.equal(bad.statusCode, 422);
    assert.deepEqual(bad.json().detail[0].loc, ['body', 'new_follower']);
    assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 401);
  });
});

describe('push notifications without a service account', () => {
  let t: TestApp;
  let fcm: FakeFcm;
  before(async () => {
    fcm = await FakeFcm.start();
    t = await createTestApp({ RUN_WORKERS: 'true', JOB_POLL_SECONDS: '0.5' }, (app) => {
      // Routed to the fake, so a request made by mistake would be seen.
      app.deps.push = fcm.sender(app.deps.config.FCM_SERVICE_ACCOUNT_PATH, app.deps.logger);
    });
  });
  after(async () => {
    await t.close();
    await fcm.close();
  });

  it('skips sending with one log line and no request', async () => {
    assert.equal(t.config.FCM_SERVICE_ACCOUNT_PATH, '');
    const target = await createUser(t.db, t.config);
    await registerDevice(t, target);
    await registerDevice(t, target);
    for (let i = 0; i < 2; i++) await follow(t, await createUser(t.db, t.config), target);

    const jobs = await notificationsOf(t, target.id, 'new_follower');
    assert.equal(jobs.length, 2);
    for (const n of jobs) assert.equal((await waitForJob(t.db, PUSH_SEND_JOB, n.job_id!)).state, 'completed');
    assert.equal(fcm.requests.length, 0);
    const skipped = t.logs.records.filter((r) => String(r.message).includes('FCM_SERVICE_ACCOUNT_PATH is not set'));
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0]?.level, 'warn');
  });
});

describe('FCM sender', () => {
  let fcm: FakeFcm;
  const logger = createLogger(testConfig(), new LogCapture());
  before(async () => {
    fcm = await FakeFcm.start();
  });
  after(() => fcm.close());

  it('sorts FCM answers into sent, invalid token, failed and retry', async () => {
    const sender = fcm.sender(serviceAccountPath, logger);
    const send = (token: string) => sender.send({ token, title: 't', body: 'b' });
    const cases = [
      [undefined, 'sent'],
      ['unregistered', 'invalid_token'],
      ['invalid_token', 'invalid_token'],
      ['invalid_payload', 'failed'],
      ['quota', 'retry'],
    ] as const;
    for (const [answer, outcome] of cases) {
      const token = newToken();
      if (answer) fcm.answers.set(token, answer);
      assert.equal(await send(token), outcome, `${answer ?? 'success'} → ${outcome}`);
    }
  });

  it('fails loudly on an unreadable service account', async () => {
    const sender = fcm.sender(join(tmpdir(), `missing-${randomUUID()}.json`), logger);
    const token = newToken();
    await assert.rejects(sender.send({ token, title: 't', body: 'b' }), /FCM_SERVICE_ACCOUNT_PATH: cannot read/);
    assert.equal(fcm.attempts(token).length, 0);
  });
});
