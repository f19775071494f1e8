// Strava: connecting with a state bound to the user, tokens encrypted at rest and refreshed once under a lock,
// importing runs only (never twice, at most 200, politely under Strava's rate limits), the webhook, disconnecting,
// and Strava runs kept to their owner. Strava is a local server speaking its real protocol (helpers/fake-strava.ts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TrackPoint } from '../src/features/matching/geo.js';
import { nextQuarterHour, rateLimitReset, StravaApi } from '../src/features/strava/client.js';
import { recentRuns, syncRecentRuns } from '../src/features/strava/sync.js';
import { issueState } from '../src/features/strava/state.js';
import { STRAVA_SYNC_JOB } from '../src/features/strava/jobs.js';
import { ConfigError, loadConfig } from '../src/infra/config.js';
import { TokenCipher, tokenCipher } from '../src/infra/crypto.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { FakeStrava, type FakeAthlete } from './helpers/fake-strava.js';
import { completionOf, deleteTestCourses, freshSpot, insertCourse, shifted } from './helpers/runs.js';
import { course, simulateRun, type XY } from './helpers/tracks.js';
import { createUser, type TestUser } from './helpers/users.js';

const DAY = 86_400_000;
const WEBHOOK_SUBSCRIPTION_ID = '120475';
const VERIFY_TOKEN = 'verify-me-please';

/** A straight 1.2 km run (40 fixes, 3 m/s) at its own spot, starting `daysAgo` days ago. */
function straightRun(daysAgo: number, spot: XY = freshSpot()): TrackPoint[] {
  return simulateRun({ path: shifted([[0, 0], [1200, 0]], spot), speed: 3, interval: 10, startTime: Date.now() - daysAgo * DAY }).points;
}

describe('Strava', () => {
  let t: TestApp;
  let fake: FakeStrava;
  const key = randomBytes(32).toString('base64');

  before(async () => {
    fake = await FakeStrava.start();
    t = await createTestApp({
      ...fake.config(),
      TOKEN_ENCRYPTION_KEY: key,
      STRAVA_WEBHOOK_VERIFY_TOKEN: VERIFY_TOKEN,
      STRAVA_WEBHOOK_SUBSCRIPTION_ID: WEBHOOK_SUBSCRIPTION_ID,
      RUN_WORKERS: 'true',
      JOB_POLL_SECONDS: '0.5',
    });
  });
  after(async () => {
    await deleteTestCourses(t.db);
    await t.close();
    await fake.close();
  });

  const deps = () => t.app.deps;
  /** Waits until no Strava job is running or due (a job postponed to Strava's next window is not due). */
  const idle = async (timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await t.db.query<{ n: number }>(
        `SELECT count(*) AS n FROM pgboss.job WHERE name LIKE 'strava-%'
            AND (state = 'active' OR (state IN ('created', 'retry') AND start_after <= now()))`,
      );
      if (rows[0]!.n === 0) return;
      if (Date.now() > deadline) throw new Error(`${rows[0]!.n} Strava jobs are still due`);
      await sleep(50);
    }
  };

  async function connect(user: TestUser, athlete: FakeAthlete) {
    const url = await t.app.inject({ method: 'GET', url: '/api/v1/strava/auth-url', headers: user.auth });
    assert.equal(url.statusCode, 200, url.body);
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/strava/callback',
      headers: user.auth,
      payload: { code: fake.authorize(athlete), state: url.json().state },
    });
  }

  /** A user connected to a new athlete, with the connect-time import done. */
  async function connected(): Promise<{ user: TestUser; athlete: FakeAthlete }> {
    const user = await createUser(t.db, t.config);
    const athlete = fake.addAthlete();
    const res = await connect(user, athlete);
    assert.equal(res.statusCode, 200, res.body);
    await idle();
    return { user, athlete };
  }

  const stravaRuns = async (userId: string) =>
    (
      await t.db.query<{ external_id: string; status: string; run_record_id: string | null; error_message: string | null }>(
        `SELECT external_id, status, run_record_id, error_message FROM external_imports WHERE user_id = $1 AND source = 'strava'
          ORDER BY external_id`,
        [userId],
      )
    ).rows;

  const totals = async (userId: string) =>
    (await t.db.query<{ total_runs: number; total_distance_meters: number }>('SELECT total_runs, total_distance_meters FROM users WHERE id = $1', [userId])).rows[0]!;

  describe('configuration and encryption', () => {
    it('wants a 32-byte TOKEN_ENCRYPTION_KEY, required in production with Strava', () => {
      const noDotEnv = '/nonexistent/.env';
      assert.throws(() => loadConfig({ TOKEN_ENCRYPTION_KEY: randomBytes(16).toString('base64') }, noDotEnv), /TOKEN_ENCRYPTION_KEY/);
      const production = { APP_ENV: 'production', JWT_SECRET_KEY: 'k'.repeat(40), CONTACT_HASH_KEY: 'c'.repeat(40), STRAVA_CLIENT_ID: '1' };
      assert.throws(() => loadConfig(production, noDotEnv), (err: Error) => err instanceof ConfigError && /TOKEN_ENCRYPTION_KEY/.test(err.message));
      assert.equal(loadConfig({ ...production, TOKEN_ENCRYPTION_KEY: key }, noDotEnv).TOKEN_ENCRYPTION_KEY, key);
      assert.throws(() => loadConfig({ STRAVA_API_BASE_URL: 'nope' }, noDotEnv), /STRAVA_API_BASE_URL/);
    });

    it('encrypts with AES-GCM bound to a context, and derives a stable key in development', () => {
      const cipher = new TokenCipher(Buffer.from(key, 'base64'));
      const sealed = cipher.encrypt('secret-token', 'strava:u1:access');
      assert.doesNotMatch(sealed, /secret-token/);
      assert.notEqual(cipher.encrypt('secret-token', 'strava:u1:access'), sealed, 'a fresh nonce each time');
      assert.equal(cipher.decrypt(sealed, 'strava:u1:access'), 'secret-token');
      assert.throws(() => cipher.decrypt(sealed, 'strava:u2:access'));
      assert.throws(() => new TokenCipher(randomBytes(32)).decrypt(sealed, 'strava:u1:access'));
      const dev = loadConfig({ JWT_SECRET_KEY: 'x'.repeat(40) }, '/nonexistent/.env');
      const a = tokenCipher(dev, t.app.log as never).encrypt('v', 'c');
      assert.equal(tokenCipher(dev, t.app.log as never).decrypt(a, 'c'), 'v');
    });
  });

  describe('connecting', () => {
    it('gives an authorize URL with an encoded redirect URI and a state', async () => {
      const user = await createUser(t.db, t.config);
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/strava/auth-url', headers: user.auth });
      assert.equal(res.statusCode, 200);
      const url = new URL(res.json().auth_url);
      assert.equal(`${url.origin}${url.pathname}`, `${fake.url}/oauth/authorize`);
      assert.equal(url.searchParams.get('client_id'), fake.config().STRAVA_CLIENT_ID);
      assert.equal(url.searchParams.get('redirect_uri'), 'runcrew://strava-callback');
      assert.match(res.json().auth_url, /redirect_uri=runcrew%3A%2F%2Fstrava-callback/);
      assert.equal(url.searchParams.get('scope'), 'activity:read_all');
      assert.equal(url.searchParams.get('response_type'), 'code');
      assert.equal(url.searchParams.get('state'), res.json().state);
    });

    it('connects, stores the tokens encrypted, and imports the last 30 days of runs (rides skipped)', async () => {
      const user = await createUser(t.db, t.config);
      const athlete = fake.addAthlete();
      const recent = [fake.addActivity(athlete, straightRun(2)), fake.addActivity(athlete, straightRun(10), 'TrailRun')];
      fake.addActivity(athlete, straightRun(3), 'Ride', 'Commute');
      fake.addActivity(athlete, straightRun(45)); // older than 30 days
      const res = await connect(user, athlete);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        connected: true,
        athlete_name: 'Ji-won Kim',
        athlete_profile_url: athlete.profile,
        last_sync_at: null,
        auto_sync: true,
      });

      const { rows } = await t.db.query<{ access_token: string; refresh_token: string; strava_athlete_id: string }>(
        'SELECT access_token, refresh_token, strava_athlete_id FROM strava_connections WHERE user_id = $1',
        [user.id],
      );
      const issued = [...fake.accessTokens].find(([, g]) => g.athleteId === athlete.id)![0];
      const refresh = [...fake.refreshTokens].find(([, a]) => a === athlete.id)![0];
      assert.equal(rows[0]!.strava_athlete_id, String(athlete.id));
      assert.ok(!rows[0]!.access_token.includes(issued), 'no plain access token in the database');
      assert.ok(!rows[0]!.refresh_token.includes(refresh), 'no plain refresh token in the database');
      const cipher = new TokenCipher(Buffer.from(key, 'base64'));
      assert.equal(cipher.decrypt(rows[0]!.access_token, `strava:${user.id}:access`), issued);
      assert.equal(cipher.decrypt(rows[0]!.refresh_token, `strava:${user.id}:refresh`), refresh);
      assert.ok(!t.logs.lines.some((l) => l.includes(issued) || l.includes(refresh)), 'tokens never logged');

      await idle();
      const imported = await stravaRuns(user.id);
      assert.deepEqual(imported.map((i) => i.external_id), recent.map((a) => String(a.id)).sort());
      assert.ok(imported.every((i) => i.status === 'completed' && i.run_record_id));
      const status = await t.app.inject({ method: 'GET', url: '/api/v1/strava/status', headers: user.auth });
      assert.equal(status.json().connected, true);
      assert.match(status.json().last_sync_at, /Z$/);
    });

    it('refuses a state of another user, a forged one, an expired one, and a bad code', async () => {
      const alice = await createUser(t.db, t.config);
      const mallory = await createUser(t.db, t.config);
      const athlete = fake.addAthlete();
      const callback = (user: TestUser, state: string, code = fake.authorize(athlete)) =>
        t.app.inject({ method: 'POST', url: '/api/v1/strava/callback', headers: user.auth, payload: { code, state } });

      const { state } = (await t.app.inject({ method: 'GET', url: '/api/v1/strava/auth-url', headers: alice.auth })).json();
      const exchanges = fake.count('POST', '/oauth/token');
      const stolen = await callback(mallory, state);
      assert.equal(stolen.statusCode, 403);
      assert.equal(stolen.json().code, 'OAUTH_STATE_MISMATCH');
      const forged = await callback(alice, `${state.split('.')[0]}.${randomBytes(32).toString('base64url')}`);
      assert.equal(forged.statusCode, 400);
      assert.equal(forged.json().code, 'INVALID_OAUTH_STATE');
      assert.equal((await callback(alice, 'random-client-state')).json().code, 'INVALID_OAUTH_STATE');
      const expired = await callback(alice, issueState(t.config, alice.id, Date.now() - 11 * 60_000));
      assert.equal(expired.statusCode, 400);
      assert.equal(expired.json().code, 'OAUTH_STATE_EXPIRED');
      assert.equal(fake.count('POST', '/oauth/token'), exchanges, 'no code is exchanged without a valid state');

      const badCode = await callback(alice, state, 'not-a-code');
      assert.equal(badCode.statusCode, 400);
      assert.equal(badCode.json().code, 'STRAVA_TOKEN_EXCHANGE_FAILED');
      assert.match(badCode.json().detail, /Bad Request/);
      for (const user of [alice, mallory]) {
        const status = await t.app.inject({ method: 'GET', url: '/api/v1/strava/status', headers: user.auth });
        assert.deepEqual(status.json(), { connected: false, athlete_name: null, athlete_profile_url: null, last_sync_at: null, auto_sync: false });
      }
      assert.equal((await callback(alice, state)).statusCode, 200, 'the right user with the state connects');
      await idle();
    });
  });

  describe('tokens and API calls', () => {
    const expireSoon = (userId: string) =>
      t.db.query(`UPDATE strava_connections SET token_expires_at = now() + interval '5 minutes' WHERE user_id = $1`, [userId]);
    const storedRefresh = async (userId: string) => {
      const { rows } = await t.db.query<{ refresh_token: string }>('SELECT refresh_token FROM strava_connections WHERE user_id = $1', [userId]);
      return new TokenCipher(Buffer.from(key, 'base64')).decrypt(rows[0]!.refresh_token, `strava:${userId}:refresh`);
    };

    it('refreshes a token about to expire once for concurrent calls, keeping the newest refresh token', async () => {
      const { user, athlete } = await connected();
      fake.addActivity(athlete, straightRun(1));
      const before = await storedRefresh(user.id);
      await expireSoon(user.id);
      const refreshes = fake.requests.filter((r) => r.form.get('grant_type') === 'refresh_token').length;
      const list = () => t.app.inject({ method: 'GET', url: '/api/v1/strava/activities', headers: user.auth });
      const answers = await Promise.all([list(), list(), list()]);
      for (const res of answers) assert.equal(res.statusCode, 200, res.body);
      assert.equal(fake.requests.filter((r) => r.form.get('grant_type') === 'refresh_token').length, refreshes + 1, 'one refresh');
      const after = await storedRefresh(user.id);
      assert.notEqual(after, before, 'the rotated refresh token is stored');
      assert.ok(fake.refreshTokens.has(after));
      assert.ok(!fake.refreshTokens.has(before), 'the old one is no longer valid at Strava');
      const { rows } = await t.db.query<{ token_expires_at: Date }>('SELECT token_expires_at FROM strava_connections WHERE user_id = $1', [user.id]);
      assert.ok(rows[0]!.token_expires_at.getTime() > Date.now() + 5 * 3600_000);

      // A token with hours left is used as it is.
      await list();
      assert.equal(fake.requests.filter((r) => r.form.get('grant_type') === 'refresh_token').length, refreshes + 1);
    });

    it('lists runs only, and says when Strava is not connected or refuses our access', async () => {
      const { user, athlete } = await connected();
      const run = fake.addActivity(athlete, straightRun(1), 'VirtualRun', 'Treadmill');
      fake.addActivity(athlete, straightRun(1.5), 'Ride');
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/strava/activities?per_page=10', headers: user.auth });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), [
        {
          id: run.id,
          name: 'Treadmill',
          sport_type: 'VirtualRun',
          start_date: run.start_date,
          distance: run.distance,
          moving_time: run.moving_time,
          total_elevation_gain: 12.4,
        },
      ]);
      assert.equal(fake.requests.at(-1)!.query.get('per_page'), '10');
      const tooMany = await t.app.inject({ method: 'GET', url: '/api/v1/strava/activities?per_page=101', headers: user.auth });
      assert.equal(tooMany.statusCode, 422);

      const stranger = await createUser(t.db, t.config);
      const notConnected = await t.app.inject({ method: 'GET', url: '/api/v1/strava/activities', headers: stranger.auth });
      assert.equal(notConnected.statusCode, 400);
      assert.equal(notConnected.json().code, 'STRAVA_NOT_CONNECTED');
      assert.equal(notConnected.json().detail, 'Strava is not connected');

      fake.revoke(athlete.id);
      const revoked = await t.app.inject({ method: 'GET', url: '/api/v1/strava/activities', headers: user.auth });
      assert.equal(revoked.statusCode, 502);
      assert.equal(revoked.json().code, 'STRAVA_UNAUTHORIZED');
    });
  });

  describe('importing', () => {
    it('imports a chosen run once, and refuses rides', async () => {
      const { user, athlete } = await connected();
      const run = fake.addActivity(athlete, straightRun(40));
      const ride = fake.addActivity(athlete, straightRun(41), 'Ride');
      const sync = (id: number) =>
        t.app.inject({ method: 'POST', url: '/api/v1/strava/sync', headers: user.auth, payload: { strava_activity_id: id } });

      const refused = await sync(ride.id);
      assert.equal(refused.statusCode, 400);
      assert.equal(refused.json().code, 'NOT_A_RUN');
      const missing = await sync(run.id + 10_000_000);
      assert.equal(missing.statusCode, 404);

      const before = await totals(user.id);
      const [first, second] = await Promise.all([sync(run.id), sync(run.id)]);
      assert.deepEqual([first.statusCode, second.statusCode].sort(), [201, 409]);
      const accepted = first.statusCode === 201 ? first : second;
      assert.equal(accepted.json().status, 'pending');
      assert.match(accepted.json().import_id, /^[0-9a-f-]{36}$/);
      assert.equal((first.statusCode === 409 ? first : second).json().code, 'ALREADY_IMPORTED');
      await idle();
      const imports = await stravaRuns(user.id);
      assert.deepEqual(imports.map((i) => [i.external_id, i.status]), [[String(run.id), 'completed']]);
      const after = await totals(user.id);
      assert.equal(after.total_runs, before.total_runs + 1);
      assert.equal(after.total_distance_meters, before.total_distance_meters + Math.round(run.distance));
      assert.equal((await sync(run.id)).statusCode, 409);

      const { rows } = await t.db.query<{ source: string; distance_meters: number; duration_seconds: number; external_import_id: string }>(
        'SELECT source, distance_meters, duration_seconds, external_import_id FROM run_records WHERE id = $1',
        [imports[0]!.run_record_id],
      );
      assert.deepEqual(rows[0], {
        source: 'strava',
        distance_meters: Math.round(run.distance),
        duration_seconds: run.moving_time,
        external_import_id: accepted.json().import_id,
      });
    });

    it('considers at most the 200 most recent runs, skipping rides', async () => {
      const { user, athlete } = await connected();
      const spot = freshSpot();
      const runs = [];
      for (let i = 0; i < 230; i++) {
        runs.push(fake.addActivity(athlete, straightRun(40 + i / 10, spot)));
        if (i % 10 === 0) fake.addActivity(athlete, straightRun(40 + i / 10 + 0.01, spot), 'Ride');
      }
      const api = new StravaApi(t.config, [...fake.accessTokens].find(([, g]) => g.athleteId === athlete.id)![0]);
      const chosen = await recentRuns(api, 200);
      assert.equal(chosen.length, 200);
      assert.deepEqual(chosen.map((a) => a.id), runs.slice(0, 200).map((a) => a.id), 'the newest 200 runs, newest first');

      const tooMany = await t.app.inject({ method: 'POST', url: '/api/v1/strava/sync-all?max_activities=201', headers: user.auth });
      assert.equal(tooMany.statusCode, 422);
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/strava/sync-all?max_activities=200', headers: user.auth });
      assert.equal(res.statusCode, 202, res.body);
      assert.deepEqual(res.json(), { import_id: '', status: 'accepted', message: 'Bulk sync of up to 200 recent Strava runs queued' });
      await idle();
      const imported = await stravaRuns(user.id);
      assert.equal(imported.length, 200);
      assert.deepEqual(new Set(imported.map((i) => i.external_id)), new Set(runs.slice(0, 200).map((a) => String(a.id))));
    });

    it('imports each activity once when two syncs run at the same time', async () => {
      const { user, athlete } = await connected();
      const spot = freshSpot();
      const runs = Array.from({ length: 6 }, (_, i) => fake.addActivity(athlete, straightRun(40 + i, spot)));
      const before = await totals(user.id);
      fake.streamDelayMs = 30;
      try {
        const results = await Promise.all([
          syncRecentRuns(deps(), { userId: user.id, maxRuns: 30 }),
          syncRecentRuns(deps(), { userId: user.id, maxRuns: 30 }),
        ]);
        assert.equal(results[0]!.imported + results[1]!.imported, 6);
        assert.equal(results[0]!.skipped + results[1]!.skipped, 6, 'the other sync skipped each one');
      } finally {
        fake.streamDelayMs = 0;
      }
      const imported = await stravaRuns(user.id);
      assert.deepEqual(imported.map((i) => i.external_id), runs.map((a) => String(a.id)).sort());
      assert.ok(imported.every((i) => i.status === 'completed'), 'no import was taken twice');
      const { rows } = await t.db.query<{ n: number }>(`SELECT count(*) AS n FROM run_records WHERE user_id = $1 AND source = 'strava'`, [user.id]);
      assert.equal(rows[0]!.n, 6);
      assert.equal((await totals(user.id)).total_runs, before.total_runs + 6);
    });
  });

  describe('runs already recorded', () => {
    it('does not count twice a run recorded in the app that also reached Strava', async () => {
      const { user, athlete } = await connected();
      const points = straightRun(50);
      await recordAppRun(user, points);
      // The watch started 10 s later, a metre away.
      fake.addActivity(athlete, points.slice(1).map((p) => ({ ...p, lng: p.lng + 0.00001 })));
      const counts = await syncRecentRuns(deps(), { userId: user.id, maxRuns: 10 });
      assert.equal(counts.failed, 1);
      const [only] = await stravaRuns(user.id);
      assert.equal(only!.status, 'failed');
      assert.equal(only!.error_message, 'This run is already among your runs');
      assert.equal((await totals(user.id)).total_runs, 1);
    });
  });

  describe("Strava's rate limits", () => {
    it('reads the 15-minute and daily windows from the headers', () => {
      const now = Date.UTC(2026, 1, 17, 3, 7, 12);
      const h = (limit: string, usage: string) => new Headers({ 'x-ratelimit-limit': limit, 'x-ratelimit-usage': usage });
      assert.equal(rateLimitReset(h('200,2000', '57,900'), now), null);
      assert.equal(rateLimitReset(h('200,2000', '200,900'), now)!.toISOString(), '2026-02-17T03:15:00.000Z');
      assert.equal(rateLimitReset(h('200,2000', '12,2000'), now)!.toISOString(), '2026-02-18T00:00:00.000Z');
      const read = new Headers({ 'x-readratelimit-limit': '100,1000', 'x-readratelimit-usage': '100,10' });
      assert.equal(rateLimitReset(read, now)!.toISOString(), '2026-02-17T03:15:00.000Z');
      assert.equal(nextQuarterHour(Date.UTC(2026, 1, 17, 3, 45, 0)).toISOString(), '2026-02-17T04:00:00.000Z');
    });

    it('sends nothing more once an answer says the limit is reached', async () => {
      const { athlete } = await connected();
      const api = new StravaApi(t.config, [...fake.accessTokens].find(([, g]) => g.athleteId === athlete.id)![0]);
      fake.usage = [0, 0];
      fake.limits = [2, 1000];
      try {
        await api.getAthlete();
        await api.getAthlete(); // usage 2 of 2
        const sent = fake.requests.length;
        await assert.rejects(api.getAthlete(), (err: { kind?: string; retryAt?: Date }) => err.kind === 'rate_limited' && !!err.retryAt);
        assert.equal(fake.requests.length, sent, 'the third request is never sent');
      } finally {
        fake.limits = [100_000, 1_000_000];
      }
    });

    it('postpones a sync hit by a 429 to the next window, and finishes it then without losing or repeating anything', async () => {
      const { user, athlete } = await connected();
      const spot = freshSpot();
      const runs = Array.from({ length: 6 }, (_, i) => fake.addActivity(athlete, straightRun(40 + i, spot)));
      // Other clients of our app use the quota too: our third request is refused with a 429.
      fake.usage = [0, 0];
      fake.limits = [5, 1000];
      fake.otherClientsUsage = 2;
      let postponed: { id: string; start_after: Date };
      try {
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/strava/sync-all?max_activities=50', headers: user.auth });
        assert.equal(res.statusCode, 202);
        await idle();
        assert.equal(fake.requests.at(-1)!.path.endsWith('/streams'), true);
        const { rows } = await t.db.query<{ id: string; start_after: Date }>(
          `SELECT id, start_after FROM pgboss.job WHERE name = $1 AND state = 'created' AND data->>'userId' = $2`,
          [STRAVA_SYNC_JOB, user.id],
        );
        assert.equal(rows.length, 1, 'the sync is enqueued again');
        postponed = rows[0]!;
        assert.ok(postponed.start_after.getTime() > Date.now(), 'to start later');
        assert.equal(postponed.start_after.getTime() % (15 * 60_000), 0, "at the start of Strava's next 15-minute window");
        assert.equal((await stravaRuns(user.id)).length, 1, 'what was imported before the 429 stays');
      } finally {
        fake.limits = [100_000, 1_000_000];
        fake.otherClientsUsage = 0;
      }
      // The window opens.
      await t.db.query('UPDATE pgboss.job SET start_after = now() WHERE id = $1', [postponed.id]);
      await idle();
      const imported = await stravaRuns(user.id);
      assert.deepEqual(imported.map((i) => i.external_id), runs.map((a) => String(a.id)).sort());
      assert.ok(imported.every((i) => i.status === 'completed'));
    });
  });

  describe('webhook', () => {
    const event = (e: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/strava/webhook',
        payload: { aspect_type: 'create', event_time: Math.floor(Date.now() / 1000), object_type: 'activity', subscription_id: Number(WEBHOOK_SUBSCRIPTION_ID), updates: {}, ...e },
      });

    it('answers the subscription handshake only with our verify token', async () => {
      const ok = await t.app.inject({
        method: 'GET',
        url: `/api/v1/strava/webhook?hub.verify_token=${VERIFY_TOKEN}&hub.challenge=15f7d1a91c1f40f8a748fd134752feb3&hub.mode=subscribe`,
      });
      assert.equal(ok.statusCode, 200);
      assert.deepEqual(ok.json(), { 'hub.challenge': '15f7d1a91c1f40f8a748fd134752feb3' });
      const wrong = await t.app.inject({ method: 'GET', url: '/api/v1/strava/webhook?hub.verify_token=guess&hub.challenge=x&hub.mode=subscribe' });
      assert.equal(wrong.statusCode, 403);
      const mode = await t.app.inject({ method: 'GET', url: `/api/v1/strava/webhook?hub.verify_token=${VERIFY_TOKEN}&hub.challenge=x&hub.mode=unsubscribe` });
      assert.equal(mode.statusCode, 403);
    });

    it('imports a created run, follows edits, and removes it when it stops being a run', async () => {
      const { user, athlete } = await connected();
      const before = await totals(user.id);
      const activity = fake.addActivity(athlete, straightRun(0.5));
      const ignored = await event({ object_id: activity.id, owner_id: athlete.id, subscription_id: 999 });
      assert.equal(ignored.statusCode, 200, 'another subscription is acknowledged');
      await idle();
      assert.equal((await stravaRuns(user.id)).length, 0, 'and ignored');

      const res = await event({ object_id: activity.id, owner_id: athlete.id });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'ok' });
      await idle();
      assert.deepEqual((await stravaRuns(user.id)).map((i) => [i.external_id, i.status]), [[String(activity.id), 'completed']]);
      assert.equal((await totals(user.id)).total_runs, before.total_runs + 1);

      activity.name = 'Hill repeats';
      await event({ aspect_type: 'update', object_id: activity.id, owner_id: athlete.id, updates: { title: 'Hill repeats' } });
      await idle();
      const { rows } = await t.db.query<{ name: string }>(
        `SELECT raw_metadata->>'name' AS name FROM external_imports WHERE user_id = $1 AND external_id = $2`,
        [user.id, String(activity.id)],
      );
      assert.equal(rows[0]!.name, 'Hill repeats');

      activity.type = 'Ride';
      activity.sport_type = 'Ride';
      await event({ aspect_type: 'update', object_id: activity.id, owner_id: athlete.id, updates: { type: 'Ride' } });
      await idle();
      assert.equal((await stravaRuns(user.id)).length, 0);
      assert.deepEqual(await totals(user.id), before, 'the run is taken out of the totals');
    });

    it('deletes a run deleted on Strava, and ignores a deletion Strava does not confirm', async () => {
      const { user, athlete } = await connected();
      const activity = fake.addActivity(athlete, straightRun(0.5));
      await event({ object_id: activity.id, owner_id: athlete.id });
      await idle();
      const imported = await stravaRuns(user.id);
      assert.equal(imported.length, 1);

      await event({ aspect_type: 'delete', object_id: activity.id, owner_id: athlete.id });
      await idle();
      assert.equal((await stravaRuns(user.id)).length, 1, 'Strava still has it: a forged event changes nothing');

      athlete.activities.splice(athlete.activities.indexOf(activity), 1);
      const before = await totals(user.id);
      await event({ aspect_type: 'delete', object_id: activity.id, owner_id: athlete.id });
      await idle();
      assert.equal((await stravaRuns(user.id)).length, 0);
      const { rowCount } = await t.db.query('SELECT 1 FROM run_records WHERE id = $1', [imported[0]!.run_record_id]);
      assert.equal(rowCount, 0);
      const after = await totals(user.id);
      assert.equal(after.total_runs, before.total_runs - 1);
      assert.equal(after.total_distance_meters, before.total_distance_meters - Math.round(activity.distance));
    });

    it('on deauthorisation confirmed by Strava deletes the connection and every Strava run, and nothing else', async () => {
      const { user, athlete } = await connected();
      fake.addActivity(athlete, straightRun(40));
      fake.addActivity(athlete, straightRun(41));
      await syncRecentRuns(deps(), { userId: user.id, maxRuns: 10 });
      assert.equal((await stravaRuns(user.id)).length, 2);
      const appRun = await recordAppRun(user);
      const deauthorize = { object_type: 'athlete', aspect_type: 'update', object_id: athlete.id, owner_id: athlete.id, updates: { authorized: 'false' } };

      await event(deauthorize);
      await idle();
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/strava/status', headers: user.auth })).json().connected, true, 'not confirmed: ignored');

      fake.revoke(athlete.id);
      const res = await event(deauthorize);
      assert.equal(res.statusCode, 200);
      await idle();
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/strava/status', headers: user.auth })).json().connected, false);
      assert.equal((await stravaRuns(user.id)).length, 0);
      const { rows } = await t.db.query<{ id: string; source: string }>('SELECT id, source FROM run_records WHERE user_id = $1', [user.id]);
      assert.deepEqual(rows, [{ id: appRun, source: 'app' }]);
      assert.equal((await totals(user.id)).total_runs, 1);
    });
  });

  /** A run recorded in the app (through the API), far from any course. */
  async function recordAppRun(user: TestUser, points = straightRun(60)): Promise<string> {
    const start = await t.app.inject({
      method: 'POST',
      url: '/api/v1/runs/sessions',
      headers: user.auth,
      payload: { started_at: new Date(points[0]!.t).toISOString() },
    });
    const sessionId = start.json().session_id;
    const done = await t.app.inject({
      method: 'POST',
      url: `/api/v1/runs/sessions/${sessionId}/complete`,
      headers: user.auth,
      payload: completionOf(points),
    });
    assert.equal(done.statusCode, 201, done.body);
    return done.json().run_record_id;
  }

  describe('disconnecting and privacy', () => {
    it('revokes our access at Strava, forgets the tokens and removes the Strava runs', async () => {
      const { user, athlete } = await connected();
      fake.addActivity(athlete, straightRun(40));
      await syncRecentRuns(deps(), { userId: user.id, maxRuns: 10 });
      const before = await totals(user.id);
      assert.equal(before.total_runs, 1);
      const deauthorizations = fake.count('POST', '/oauth/deauthorize');

      const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/strava/disconnect', headers: user.auth });
      assert.equal(res.statusCode, 204);
      assert.equal(fake.count('POST', '/oauth/deauthorize'), deauthorizations + 1);
      assert.ok(![...fake.accessTokens.values()].some((g) => g.athleteId === athlete.id), 'our tokens are revoked at Strava');
      const { rowCount } = await t.db.query('SELECT 1 FROM strava_connections WHERE user_id = $1', [user.id]);
      assert.equal(rowCount, 0, 'the tokens are deleted at once');
      await idle();
      assert.equal((await stravaRuns(user.id)).length, 0);
      assert.deepEqual(await totals(user.id), { total_runs: 0, total_distance_meters: 0 });
      const again = await t.app.inject({ method: 'DELETE', url: '/api/v1/strava/disconnect', headers: user.auth });
      assert.equal(again.statusCode, 204);
      const syncAll = await t.app.inject({ method: 'POST', url: '/api/v1/strava/sync-all', headers: user.auth });
      assert.equal(syncAll.statusCode, 400);
      assert.equal(syncAll.json().code, 'STRAVA_NOT_CONNECTED');
    });

    it('keeps a Strava run that completes a course off its leaderboard, but in its owner’s history', async () => {
      const { user, athlete } = await connected();
      const other = await createUser(t.db, t.config);
      const spot = freshSpot();
      const COURSE: XY[] = [[0, 0], [500, 0], [500, 300], [900, 300]];
      const courseId = await insertCourse(t.db, other.id, course(shifted(COURSE, spot), 10));
      const points = simulateRun({ path: shifted([[-200, 0], ...COURSE, [900, 450]], spot), speed: 3, noise: 3, seed: 7, startTime: Date.now() - 3 * DAY }).points;
      const activity = fake.addActivity(athlete, points);
      await syncRecentRuns(deps(), { userId: user.id, maxRuns: 10 });

      const [imported] = await stravaRuns(user.id);
      const { rows } = await t.db.query<{ course_id: string; course_completed: boolean; source: string }>(
        'SELECT course_id, course_completed, source FROM run_records WHERE id = $1',
        [imported!.run_record_id],
      );
      assert.deepEqual(rows[0], { course_id: courseId, course_completed: true, source: 'strava' }, 'matched to the course');
      for (const viewer of [other, user]) {
        const board = await t.app.inject({ method: 'GET', url: `/api/v1/courses/${courseId}/rankings?page=0&per_page=20`, headers: viewer.auth });
        assert.equal(board.statusCode, 200);
        assert.equal(board.json().total_runners, 0, 'not on the leaderboard');
        assert.deepEqual(board.json().data, []);
      }
      const history = await t.app.inject({ method: 'GET', url: '/api/v1/users/me/runs', headers: user.auth });
      assert.deepEqual(history.json().data.map((r: { id: string }) => r.id), [imported!.run_record_id]);
      assert.equal(history.json().data[0].distance_meters, Math.round(activity.distance));
      const detail = await t.app.inject({ method: 'GET', url: `/api/v1/runs/${imported!.run_record_id}`, headers: user.auth });
      assert.equal(detail.statusCode, 200);
      assert.equal(detail.json().course_completion.is_completed, true);
      const someoneElse = await t.app.inject({ method: 'GET', url: `/api/v1/runs/${imported!.run_record_id}`, headers: other.auth });
      assert.equal(someoneElse.statusCode, 404);
    });
  });
});
