// Challenges of the newer app (challengeService.ts): list, detail and join with the app's keys, progress read from
// the caller's own plausible runs in the period of their time zone, Strava runs counting for their owner, the
// completion push sent once, the user's participations in the export, and account deletion.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { finishRun } from '../src/features/runs/pipeline.js';
import { challengesData } from '../src/features/exports/queries.js';
import type { TrackPoint } from '../src/features/matching/geo.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { insertRun } from './helpers/run-records.js';
import { createUser, type TestUser } from './helpers/users.js';

// The app's ChallengeListItem and ChallengeDetail (src/services/challengeService.ts), key for key.
const LIST_KEYS = [
  'challenge_type', 'description', 'end_date', 'goal_type', 'goal_value', 'id', 'is_joined', 'participant_count', 'reward_points',
  'start_date', 'title',
];
const DETAIL_KEYS = [...LIST_KEYS, 'my_progress'].sort();

type GoalType = 'total_distance' | 'total_runs' | 'total_duration' | 'streak_days';
interface Item {
  id: string; title: string; description: string; challenge_type: string; goal_type: GoalType; goal_value: number;
  start_date: string; end_date: string; participant_count: number; reward_points: number; is_joined: boolean;
}
interface Detail extends Item { my_progress: { current_value: number; completed: boolean } | null }

const DAY = 86_400_000;
/** The calendar date in a time zone, as YYYY-MM-DD. */
const localDate = (zone: string, at = new Date()) => new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(at);
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

describe('challenges', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, who: TestUser) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: who.auth });
  /** A user with a device (so pushes to them are recorded) and a time zone. */
  const user = async (timeZone: string | null = 'Asia/Seoul') => {
    const u = await createUser(t.db, t.config);
    await t.db.query('UPDATE users SET time_zone = $2 WHERE id = $1', [u.id, timeZone]);
    await t.db.query(`INSERT INTO device_tokens (user_id, device_token, platform) VALUES ($1, $2, 'ios')`, [u.id, `token-${u.id}`]);
    return u;
  };
  const today = localDate('Asia/Seoul');
  /** A challenge as an operator inserts it (README "Challenges"). */
  async function challenge(f: { goal?: GoalType; value?: number; start?: string; end?: string; active?: boolean; title?: string } = {}) {
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO challenges (title, description, goal_type, goal_value, reward_points, start_date, end_date, is_active)
       VALUES ($1, 'Run it', $2, $3, 100, $4, $5, $6) RETURNING id`,
      [f.title ?? `Challenge ${randomUUID().slice(0, 8)}`, f.goal ?? 'total_distance', f.value ?? 5000, f.start ?? addDays(today, -3),
        f.end ?? addDays(today, 3), f.active ?? true],
    );
    return rows[0]!.id;
  }
  const detail = async (id: string, who: TestUser) => {
    const res = await call('GET', `/challenges/${id}`, who);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as Detail;
  };
  const join = async (id: string, who: TestUser, status = 201) => {
    const res = await call('POST', `/challenges/${id}/join`, who);
    assert.equal(res.statusCode, status, res.body);
    return res.json() as Detail;
  };
  const listed = async (who: TestUser, query = 'per_page=100') => {
    const res = await call('GET', `/challenges?${query}`, who);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { data: Item[]; total: number };
  };
  const progress = async (id: string, who: TestUser) => (await detail(id, who)).my_progress;
  const completionPushes = async (userId: string) =>
    (await t.db.query<{ data: Record<string, string> }>("SELECT data FROM push_notifications WHERE kind = 'challenge_completed' AND user_id = $1", [userId])).rows;

  /**
   * A run through the run pipeline, as every source stores one: a track of 31 fixes 10 s apart far from any course,
   * at 3 m/s (plausible) or 30 m/s (implausible), ending at `finishedAt`; `distance` and `duration` are the record's.
   */
  async function pipelineRun(who: TestUser, f: { finishedAt: Date; distance?: number; duration?: number; source?: 'app' | 'strava'; implausible?: boolean }) {
    const speed = f.implausible ? 30 : 3;
    const [lat0, lng0] = [-45 - Math.random(), 170 + Math.random()];
    const end = f.finishedAt.getTime();
    const track: TrackPoint[] = Array.from({ length: 31 }, (_, i) => ({
      lat: lat0 + (i * 10 * speed) / 111_320,
      lng: lng0,
      t: end - (30 - i) * 10_000,
    }));
    const duration = f.duration ?? 1800;
    const startedAt = new Date(end - duration * 1000);
    return t.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        "INSERT INTO run_sessions (user_id, status, started_at) VALUES ($1, 'completed', $2) RETURNING id",
        [who.id, startedAt],
      );
      return finishRun(t.app.deps, tx, {
        userId: who.id,
        sessionId: rows[0]!.id,
        chosenCourseId: null,
        source: f.source ?? 'app',
        route: track.map((p) => [p.lng, p.lat] as const),
        track,
        values: {
          distance_meters: f.distance ?? 3000,
          duration_seconds: duration,
          total_elapsed_seconds: null,
          avg_pace_seconds_per_km: null,
          best_pace_seconds_per_km: null,
          avg_speed_ms: null,
          max_speed_ms: null,
          calories: null,
          elevation_gain_meters: 0,
          elevation_loss_meters: 0,
          elevation_profile: null,
          splits: [],
          pause_intervals: [],
          filter_config: null,
          started_at: startedAt,
          finished_at: f.finishedAt,
        },
      });
    });
  }
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);

  describe('list, detail and join', () => {
    it('lists open challenges and reads one with exactly the app’s keys and types', async () => {
      const caller = await user();
      const id = await challenge({ goal: 'total_runs', value: 10, title: 'Ten runs' });
      const list = await listed(caller);
      const item = list.data.find((c) => c.id === id)!;
      assert.ok(item, 'the open challenge is listed');
      assert.deepEqual(Object.keys(item).sort(), LIST_KEYS);
      assert.deepEqual(
        [item.title, item.description, item.challenge_type, item.goal_type, item.goal_value, item.reward_points, item.participant_count, item.is_joined],
        ['Ten runs', 'Run it', 'individual', 'total_runs', 10, 100, 0, false],
      );
      // The period's first and last moments in the caller's zone (Seoul, UTC+9 all year).
      assert.equal(item.start_date, new Date(`${addDays(today, -3)}T00:00:00+09:00`).toISOString());
      assert.equal(item.end_date, new Date(Date.parse(`${addDays(today, 4)}T00:00:00+09:00`) - 1).toISOString());
      assert.equal(typeof list.total, 'number');

      const one = await detail(id, caller);
      assert.deepEqual(Object.keys(one).sort(), DETAIL_KEYS);
      assert.equal(one.my_progress, null, 'null until the caller joins');
      assert.deepEqual({ ...one, my_progress: undefined }, { ...item, my_progress: undefined });
    });

    it('lists upcoming ones, leaves ended and withdrawn ones out, soonest start first, in pages with the total', async () => {
      const caller = await user();
      await t.db.query('DELETE FROM challenges');
      const upcoming = await challenge({ start: addDays(today, 5), end: addDays(today, 9) });
      const running = await challenge({ start: addDays(today, -1), end: today });
      const ended = await challenge({ start: addDays(today, -9), end: addDays(today, -1) });
      const withdrawn = await challenge({ active: false });
      const all = await listed(caller);
      assert.deepEqual(all.data.map((c) => c.id), [running, upcoming]);
      assert.equal(all.total, 2);
      const second = await listed(caller, 'page=1&per_page=1');
      assert.deepEqual([second.data.map((c) => c.id), second.total], [[upcoming], 2]);
      // Both are still readable by id.
      for (const id of [ended, withdrawn]) assert.equal((await detail(id, caller)).id, id);
    });

    it('joins once: joining again is 200 with the same answer and no second row', async () => {
      const [caller, other] = [await user(), await user()];
      const id = await challenge();
      const first = await join(id, caller, 201);
      assert.deepEqual(Object.keys(first).sort(), DETAIL_KEYS);
      assert.deepEqual([first.is_joined, first.participant_count, first.my_progress], [true, 1, { current_value: 0, completed: false }]);
      const again = await join(id, caller, 200);
      assert.deepEqual(again, first);
      const { rows } = await t.db.query('SELECT 1 FROM challenge_participants WHERE challenge_id = $1', [id]);
      assert.equal(rows.length, 1);
      assert.equal((await listed(caller)).data.find((c) => c.id === id)!.is_joined, true);
      // Someone else sees the count, not the caller's state.
      const theirs = (await listed(other)).data.find((c) => c.id === id)!;
      assert.deepEqual([theirs.is_joined, theirs.participant_count], [false, 1]);
      const both = await Promise.all([call('POST', `/challenges/${id}/join`, other), call('POST', `/challenges/${id}/join`, other)]);
      assert.deepEqual(both.map((r) => r.statusCode).sort(), [200, 201], 'two joins at once: one joins, the other finds it joined');
      assert.equal((await detail(id, other)).participant_count, 2);
    });

    it('refuses to join an ended or withdrawn challenge (422), changing nothing', async () => {
      const caller = await user();
      const ended = await challenge({ start: addDays(today, -9), end: addDays(today, -1) });
      const withdrawn = await challenge({ active: false });
      for (const [id, code] of [[ended, 'CHALLENGE_ENDED'], [withdrawn, 'CHALLENGE_WITHDRAWN']] as const) {
        const res = await call('POST', `/challenges/${id}/join`, caller);
        assert.equal(res.statusCode, 422, res.body);
        assert.equal(res.json().code, code);
        assert.equal((await detail(id, caller)).is_joined, false);
      }
    });

    it('ends a challenge at the end of its last day in each caller’s own time zone', async () => {
      // Pago Pago (UTC−11) and Kiritimati (UTC+14) are 25 hours apart: on Pago Pago's today, Kiritimati is past it.
      const [west, east] = [await user('Pacific/Pago_Pago'), await user('Pacific/Kiritimati')];
      const lastDay = localDate('Pacific/Pago_Pago');
      const id = await challenge({ start: addDays(lastDay, -2), end: lastDay });
      assert.ok((await listed(west)).data.some((c) => c.id === id));
      assert.ok(!(await listed(east)).data.some((c) => c.id === id));
      const late = await call('POST', `/challenges/${id}/join`, east);
      assert.equal(late.statusCode, 422);
      assert.equal(late.json().code, 'CHALLENGE_ENDED');
      await join(id, west, 201);
    });

    it('is 404 for an unknown challenge and 422 for a malformed id or page', async () => {
      const caller = await user();
      for (const method of ['GET', 'POST'] as const) {
        const res = await call(method, `/challenges/${randomUUID()}${method === 'POST' ? '/join' : ''}`, caller);
        assert.equal(res.statusCode, 404, `${method}: ${res.body}`);
        assert.equal(res.json().code, 'NOT_FOUND');
        assert.equal((await call(method, `/challenges/not-a-uuid${method === 'POST' ? '/join' : ''}`, caller)).statusCode, 422);
      }
      for (const query of ['page=-1', 'per_page=0', 'per_page=101', 'per_page=many']) {
        const res = await call('GET', `/challenges?${query}`, caller);
        assert.equal(res.statusCode, 422, `${query}: ${res.body}`);
      }
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/challenges' })).statusCode, 401);
    });
  });

  describe('progress from runs', () => {
    it('sums distance, counts runs and sums duration of the caller’s own runs in the period', async () => {
      const [runner, other] = [await user(), await user()];
      const ids = {
        distance: await challenge({ goal: 'total_distance', value: 10_000 }),
        runs: await challenge({ goal: 'total_runs', value: 3 }),
        duration: await challenge({ goal: 'total_duration', value: 3600 }),
      };
      for (const id of Object.values(ids)) await join(id, runner);
      await insertRun(t.db, { userId: runner.id, finishedAt: hoursAgo(30), distanceMeters: 4000, durationSeconds: 1500 });
      await insertRun(t.db, { userId: runner.id, finishedAt: hoursAgo(2), distanceMeters: 2500, durationSeconds: 1000 });
      // Outside the period (it began three local days ago), and someone else's run: neither counts.
      await insertRun(t.db, { userId: runner.id, finishedAt: new Date(Date.now() - 6 * DAY), distanceMeters: 9000 });
      await insertRun(t.db, { userId: other.id, finishedAt: hoursAgo(2), distanceMeters: 9000 });
      assert.deepEqual(await progress(ids.distance, runner), { current_value: 6500, completed: false });
      assert.deepEqual(await progress(ids.runs, runner), { current_value: 2, completed: false });
      assert.deepEqual(await progress(ids.duration, runner), { current_value: 2500, completed: false });

      await insertRun(t.db, { userId: runner.id, finishedAt: hoursAgo(1), distanceMeters: 3500, durationSeconds: 1100 });
      assert.deepEqual(await progress(ids.distance, runner), { current_value: 10_000, completed: true });
      assert.deepEqual(await progress(ids.runs, runner), { current_value: 3, completed: true });
      assert.deepEqual(await progress(ids.duration, runner), { current_value: 3600, completed: true });
    });

    it('counts the longest streak of consecutive local days with a run inside the period', async () => {
      const runner = await user();
      const start = addDays(today, -20);
      const id = await challenge({ goal: 'streak_days', value: 3, start, end: addDays(today, 1) });
      await join(id, runner);
      /** A run at local noon in Seoul, `n` days after the start. */
      const onDay = (n: number, extraHours = 0) =>
        insertRun(t.db, { userId: runner.id, finishedAt: new Date(Date.parse(`${addDays(start, n)}T12:00:00+09:00`) + extraHours * 3600_000) });
      await onDay(-1); // the day before the period: not part of a streak in it
      await onDay(0);
      await onDay(1);
      await onDay(1, 3); // two runs on one day count as one day
      assert.deepEqual(await progress(id, runner), { current_value: 2, completed: false });
      await onDay(4);
      await onDay(5);
      assert.deepEqual(await progress(id, runner), { current_value: 2, completed: false });
      await onDay(6);
      assert.deepEqual(await progress(id, runner), { current_value: 3, completed: true });
    });

    it('reads the period in the caller’s time zone: a run just before local midnight is out, just after is in', async () => {
      const [seoul, newYork] = [await user('Asia/Seoul'), await user('America/New_York')];
      // A week of January (no daylight saving change in either zone): Seoul is UTC+9, New York UTC−5.
      const id = await challenge({ goal: 'total_distance', value: 1_000_000, start: '2026-01-05', end: '2026-01-11' });
      // Joined while it was open; it has ended since.
      for (const u of [seoul, newYork]) await t.db.query('INSERT INTO challenge_participants (challenge_id, user_id) VALUES ($1, $2)', [id, u.id]);
      /** Runs of 1, 10, 100 and 1000 m, so the sum tells which of them counted. */
      const runsAt = async (who: TestUser, times: string[]) => {
        for (const [i, time] of times.entries()) await insertRun(t.db, { userId: who.id, finishedAt: new Date(time), distanceMeters: 10 ** i });
      };
      const edges = (offset: string) =>
        [`2026-01-04T23:59:00${offset}`, `2026-01-05T00:01:00${offset}`, `2026-01-11T23:59:00${offset}`, `2026-01-12T00:01:00${offset}`];
      await runsAt(seoul, edges('+09:00'));
      await runsAt(newYork, edges('-05:00'));
      // In each one's own zone only the 10 m and 100 m runs are in the period (in UTC it would be 1100 and 11).
      assert.equal((await progress(id, seoul))!.current_value, 110);
      assert.equal((await progress(id, newYork))!.current_value, 110);
      // The same instant on either side of the period for the two of them: New York's last minute of Jan 4 is
      // Seoul's Jan 5 afternoon, and Seoul's first minute of Jan 12 is New York's Jan 11 morning.
      await insertRun(t.db, { userId: seoul.id, finishedAt: new Date('2026-01-04T23:59:00-05:00'), distanceMeters: 10_000 });
      await insertRun(t.db, { userId: newYork.id, finishedAt: new Date('2026-01-12T00:01:00+09:00'), distanceMeters: 10_000 });
      assert.equal((await progress(id, seoul))!.current_value, 10_110);
      assert.equal((await progress(id, newYork))!.current_value, 10_110);
      // The dates shown are each caller's own midnights.
      const [s, n] = [await detail(id, seoul), await detail(id, newYork)];
      assert.deepEqual([s.start_date, s.end_date], ['2026-01-04T15:00:00.000Z', '2026-01-11T14:59:59.999Z']);
      assert.deepEqual([n.start_date, n.end_date], ['2026-01-05T05:00:00.000Z', '2026-01-12T04:59:59.999Z']);
      // A user without a zone of their own is in the server's (Asia/Seoul); in UTC they would have 11,100.
      await t.db.query('UPDATE users SET time_zone = NULL WHERE id = $1', [seoul.id]);
      assert.equal((await progress(id, seoul))!.current_value, 10_110);
    });

    it('completes through the run pipeline by the period of the runner’s zone', async () => {
      const [seoul, newYork] = [await user('Asia/Seoul'), await user('America/New_York')];
      const id = await challenge({ goal: 'total_runs', value: 1, start: '2026-01-05', end: '2026-01-11' });
      for (const u of [seoul, newYork]) await t.db.query('INSERT INTO challenge_participants (challenge_id, user_id) VALUES ($1, $2)', [id, u.id]);
      // Half an hour into Jan 5 in Seoul is still Jan 4 in UTC and in New York.
      await pipelineRun(seoul, { finishedAt: new Date('2026-01-05T00:30:00+09:00') });
      await pipelineRun(newYork, { finishedAt: new Date('2026-01-04T23:59:00-05:00') });
      assert.deepEqual((await completionPushes(seoul.id)).map((p) => p.data), [{ challenge_id: id }]);
      assert.deepEqual(await completionPushes(newYork.id), []);
      const { rows } = await t.db.query<{ user_id: string }>('SELECT user_id FROM challenge_participants WHERE challenge_id = $1 AND completed_at IS NOT NULL', [id]);
      assert.deepEqual(rows.map((r) => r.user_id), [seoul.id]);
      assert.deepEqual(await progress(id, newYork), { current_value: 0, completed: false });
    });

    it('counts a Strava run for its owner, and shows nobody else anything of it', async () => {
      const [owner, other] = [await user(), await user()];
      const id = await challenge({ goal: 'total_distance', value: 5000 });
      await join(id, owner);
      await join(id, other);
      await pipelineRun(owner, { finishedAt: hoursAgo(2), distance: 6000, source: 'strava' });
      assert.deepEqual(await progress(id, owner), { current_value: 6000, completed: true });
      assert.equal((await completionPushes(owner.id)).length, 1, 'completing with a Strava run is news to its owner');
      const theirs = await detail(id, other);
      assert.deepEqual(theirs.my_progress, { current_value: 0, completed: false });
      assert.equal(theirs.participant_count, 2);
      assert.ok(!JSON.stringify(theirs).includes(owner.id), 'no trace of the owner');
    });

    it('never counts an implausible run, and it completes nothing', async () => {
      const runner = await user();
      const id = await challenge({ goal: 'total_distance', value: 5000 });
      const runs = await challenge({ goal: 'total_runs', value: 1 });
      await join(id, runner);
      await join(runs, runner);
      const car = await pipelineRun(runner, { finishedAt: hoursAgo(2), distance: 20_000, implausible: true });
      const { rows } = await t.db.query<{ is_plausible: boolean }>('SELECT is_plausible FROM run_records WHERE id = $1', [car.runRecordId]);
      assert.equal(rows[0]!.is_plausible, false);
      assert.deepEqual(await progress(id, runner), { current_value: 0, completed: false });
      assert.deepEqual(await progress(runs, runner), { current_value: 0, completed: false });
      assert.deepEqual(await completionPushes(runner.id), []);
      await pipelineRun(runner, { finishedAt: hoursAgo(1), distance: 1000 });
      assert.deepEqual(await progress(id, runner), { current_value: 1000, completed: false });
      assert.deepEqual(await progress(runs, runner), { current_value: 1, completed: true });
    });
  });

  describe('completion', () => {
    it('pushes challenge_completed once, when a run first reaches the goal, whatever happens after', async () => {
      const runner = await user();
      const id = await challenge({ goal: 'total_distance', value: 5000, title: 'Five k week' });
      const bystander = await challenge({ goal: 'total_distance', value: 5000 }); // not joined: nothing happens in it
      await join(id, runner);
      await pipelineRun(runner, { finishedAt: hoursAgo(3), distance: 3000 });
      assert.deepEqual(await completionPushes(runner.id), []);
      const second = await pipelineRun(runner, { finishedAt: hoursAgo(2), distance: 2500 });
      const pushes = await completionPushes(runner.id);
      assert.deepEqual(pushes.map((p) => p.data), [{ challenge_id: id }]);
      const { rows: [first] } = await t.db.query<{ completed_at: Date }>(
        'SELECT completed_at FROM challenge_participants WHERE challenge_id = $1 AND user_id = $2', [id, runner.id]);
      assert.ok(first!.completed_at instanceof Date);
      const { rows: [push] } = await t.db.query<{ title: string; body: string }>(
        "SELECT title, body FROM push_notifications WHERE kind = 'challenge_completed' AND user_id = $1", [runner.id]);
      assert.match(push!.body, /Five k week/);

      await pipelineRun(runner, { finishedAt: hoursAgo(1), distance: 1000 });
      // The run that completed it goes: the goal is no longer met (progress is read from the runs)...
      assert.equal((await call('DELETE', `/runs/${second.runRecordId}`, runner)).statusCode, 204);
      assert.deepEqual(await progress(id, runner), { current_value: 4000, completed: false });
      // ...and is met again by another run, which is not news a second time.
      await pipelineRun(runner, { finishedAt: hoursAgo(0.5), distance: 1500 });
      assert.deepEqual(await progress(id, runner), { current_value: 5500, completed: true });
      assert.equal((await completionPushes(runner.id)).length, 1);
      const { rows: [still] } = await t.db.query<{ completed_at: Date }>(
        'SELECT completed_at FROM challenge_participants WHERE challenge_id = $1 AND user_id = $2', [id, runner.id]);
      assert.equal(still!.completed_at.getTime(), first!.completed_at.getTime());
      assert.equal((await detail(bystander, runner)).my_progress, null);
    });

    it('pushes once when two runs that reach the goal only together finish at the same time', async () => {
      const runner = await user();
      const id = await challenge({ goal: 'total_distance', value: 5000 });
      await join(id, runner);
      await Promise.all([pipelineRun(runner, { finishedAt: hoursAgo(2), distance: 3000 }), pipelineRun(runner, { finishedAt: hoursAgo(1), distance: 3000 })]);
      assert.equal((await completionPushes(runner.id)).length, 1);
      const { rows } = await t.db.query('SELECT 1 FROM challenge_participants WHERE challenge_id = $1 AND user_id = $2 AND completed_at IS NOT NULL', [id, runner.id]);
      assert.equal(rows.length, 1);
    });

    it('does not push when the user turned challenge_completed off, and not for a goal already met at joining', async () => {
      const [quiet, late] = [await user(), await user()];
      const id = await challenge({ goal: 'total_runs', value: 1 });
      await join(id, quiet);
      const off = await t.app.inject({ method: 'PATCH', url: '/api/v1/notifications/settings', headers: quiet.auth, payload: { challenge_completed: false } });
      assert.equal(off.statusCode, 200);
      assert.equal(off.json().challenge_completed, false);
      await pipelineRun(quiet, { finishedAt: hoursAgo(1) });
      assert.deepEqual(await progress(id, quiet), { current_value: 1, completed: true });
      assert.deepEqual(await completionPushes(quiet.id), []);

      // Runs finished in the period before joining count; the goal they meet is recorded at joining, without a push,
      // and a later run does not push it either.
      await pipelineRun(late, { finishedAt: hoursAgo(2) });
      const joined = await join(id, late);
      assert.deepEqual(joined.my_progress, { current_value: 1, completed: true });
      await pipelineRun(late, { finishedAt: hoursAgo(1) });
      assert.deepEqual(await completionPushes(late.id), []);
      const { rows } = await t.db.query('SELECT 1 FROM challenge_participants WHERE challenge_id = $1 AND user_id = $2 AND completed_at IS NOT NULL', [id, late.id]);
      assert.equal(rows.length, 1);
    });
  });

  describe('personal data', () => {
    it('exports the user’s participations, and account deletion removes them and nothing of anyone else', async () => {
      const [leaving, staying] = [await user(), await user()];
      const id = await challenge({ goal: 'total_runs', value: 1, title: 'Exported', start: '2026-11-01', end: addDays(today, 2) });
      await join(id, leaving);
      await join(id, staying);
      await pipelineRun(leaving, { finishedAt: hoursAgo(1) });
      const exported = await challengesData(t.db, leaving.id);
      assert.equal(exported.length, 1);
      const row = exported[0]!;
      assert.deepEqual([row.challenge_id, row.title, row.goal_type, row.goal_value, row.start_date], [id, 'Exported', 'total_runs', 1, '2026-11-01']);
      assert.ok(row.joined_at instanceof Date && row.completed_at instanceof Date);
      assert.deepEqual(await challengesData(t.db, staying.id).then((r) => r.map((x) => [x.challenge_id, x.completed_at])), [[id, null]]);

      assert.equal((await call('DELETE', '/users/me', leaving)).statusCode, 204);
      const { rows } = await t.db.query<{ user_id: string }>('SELECT user_id FROM challenge_participants WHERE challenge_id = $1', [id]);
      assert.deepEqual(rows.map((r) => r.user_id), [staying.id]);
      const after = await detail(id, staying);
      assert.deepEqual([after.participant_count, after.is_joined], [1, true]);
    });
  });
});
