import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, testConfig, type TestApp } from './helpers/app.js';
import { ConfigError } from '../src/infra/config.js';
import { createUser } from './helpers/users.js';
import { insertCourse, insertRun } from './helpers/run-records.js';
import { coursePace, recordRankedRun } from '../src/features/rankings/service.js';
import { currentStreakDays, timeZoneOf, userStats, weeklySummary } from '../src/features/stats/service.js';

// Wednesday 11 March 2026, 12:00 in Seoul. The Seoul week began on Monday 9 March 00:00 KST = 8 March 15:00 UTC.
const NOW = new Date('2026-03-11T03:00:00Z');
const KST = 'Asia/Seoul';
/** An instant given as Seoul wall-clock time. */
const kst = (local: string) => new Date(`${local}+09:00`);

describe('user statistics', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const newUser = () => createUser(t.db, t.config);

  it('counts calendar weeks, months and years in the user’s time zone', async () => {
    const user = await newUser();
    const run = (local: string, distanceMeters: number, extra = {}) =>
      insertRun(t.db, { userId: user.id, finishedAt: kst(local), distanceMeters, durationSeconds: 1800, ...extra });
    await run('2026-03-08T23:30', 3000); // Sunday 23:30 KST = 14:30 UTC: the week before, in both zones
    await run('2026-03-09T00:30', 5000); // Monday 00:30 KST = Sunday 15:30 UTC: this week only in Seoul
    await run('2026-03-01T00:30', 7000, { source: 'strava' }); // 28 Feb in UTC; the user's own Strava run counts
    await run('2026-01-01T00:10', 2000); // 31 Dec 2025 in UTC
    await run('2025-10-15T08:00', 1000);
    await run('2025-09-20T08:00', 4000);

    const totals = async (period: 'all' | 'week' | 'month' | 'year', zone: string) => {
      const s = await userStats(t.db, user.id, period, zone, NOW);
      return [s.total_runs, s.total_distance_meters];
    };
    assert.deepEqual(await totals('week', KST), [1, 5000]);
    assert.deepEqual(await totals('month', KST), [3, 15000]);
    assert.deepEqual(await totals('year', KST), [4, 17000]);
    assert.deepEqual(await totals('all', KST), [6, 22000]);
    assert.deepEqual(await totals('week', 'UTC'), [0, 0]);
    assert.deepEqual(await totals('month', 'UTC'), [2, 8000]);
    assert.deepEqual(await totals('year', 'UTC'), [3, 15000]);

    const all = await userStats(t.db, user.id, 'all', KST, NOW);
    assert.deepEqual(all.monthly_distance, [
      { month: '2025-10', distance_meters: 1000, run_count: 1 },
      { month: '2025-11', distance_meters: 0, run_count: 0 },
      { month: '2025-12', distance_meters: 0, run_count: 0 },
      { month: '2026-01', distance_meters: 2000, run_count: 1 },
      { month: '2026-02', distance_meters: 0, run_count: 0 },
      { month: '2026-03', distance_meters: 15000, run_count: 3 },
    ]);
    const utc = await userStats(t.db, user.id, 'all', 'UTC', NOW);
    assert.deepEqual(
      utc.monthly_distance.map((m) => m.distance_meters),
      [1000, 0, 2000, 0, 7000, 8000],
    );
    assert.equal(all.total_duration_seconds, 6 * 1800);
    assert.equal(all.avg_pace_seconds_per_km, 491); // 10800 s over 22 km
    assert.equal(all.avg_distance_per_run_meters, 3667);
    assert.equal(all.longest_run_meters, 7000);
  });

  it('sums the period’s runs, with a best pace held over at least a kilometre', async () => {
    const user = await newUser();
    const f = (fields: Partial<Parameters<typeof insertRun>[1]>) =>
      insertRun(t.db, { userId: user.id, finishedAt: kst('2026-03-10T07:00'), ...fields });
    await f({ distanceMeters: 5000, durationSeconds: 1500, avgPace: 300, bestPace: 281, calories: 300, elevationGain: 40 });
    await f({ distanceMeters: 10000, durationSeconds: 3300, avgPace: 330, calories: null, elevationGain: 60 });
    await f({ distanceMeters: 800, durationSeconds: 150, avgPace: 188, calories: 50 }); // under 1 km
    await f({ distanceMeters: 20000, durationSeconds: 1200, avgPace: 60, bestPace: 40, plausible: false }); // a car
    await f({ distanceMeters: 3000, durationSeconds: 900, source: 'strava', calories: 200 }); // no pace fields: 300 s/km

    const s = await userStats(t.db, user.id, 'week', KST, NOW);
    assert.deepEqual(
      {
        runs: s.total_runs,
        distance: s.total_distance_meters,
        duration: s.total_duration_seconds,
        best: s.best_pace_seconds_per_km,
        longest: s.longest_run_meters,
        elevation: s.total_elevation_gain_meters,
        calories: s.estimated_calories,
      },
      { runs: 5, distance: 38800, duration: 7050, best: 281, longest: 20000, elevation: 100, calories: 550 },
    );
    const empty = await userStats(t.db, (await newUser()).id, 'month', KST, NOW);
    assert.deepEqual(
      [empty.total_runs, empty.avg_pace_seconds_per_km, empty.best_pace_seconds_per_km, empty.avg_distance_per_run_meters],
      [0, null, null, 0],
    );
    assert.equal(empty.monthly_distance.length, 6);
  });

  it('counts streaks of local days: the current one ends today or yesterday, the best is the longest', async () => {
    const runsOn = async (days: string[]) => {
      const user = await newUser();
      for (const day of days) await insertRun(t.db, { userId: user.id, finishedAt: kst(day) });
      return user.id;
    };
    const streaks = async (userId: string, zone = KST) => {
      const s = await userStats(t.db, userId, 'all', zone, NOW);
      return [s.current_streak_days, s.best_streak_days];
    };
    const feb = ['2026-02-01', '2026-02-02', '2026-02-03', '2026-02-04', '2026-02-05'].map((d) => `${d}T07:00`);
    const endsToday = await runsOn([...feb, '2026-03-09T07:00', '2026-03-10T07:00', '2026-03-10T19:00', '2026-03-11T06:00']);
    assert.deepEqual(await streaks(endsToday), [3, 5]);
    const endsYesterday = await runsOn([...feb, '2026-03-09T07:00', '2026-03-10T07:00']);
    assert.deepEqual(await streaks(endsYesterday), [2, 5]);
    const lapsed = await runsOn([...feb, '2026-03-08T07:00', '2026-03-09T07:00']);
    assert.deepEqual(await streaks(lapsed), [0, 5]);
    assert.deepEqual(await streaks((await newUser()).id), [0, 0]);

    // 23:30 and 00:30 KST are two Seoul days but one UTC day (10 March, 14:30 and 15:30).
    const midnight = await runsOn(['2026-03-10T23:30', '2026-03-11T00:30']);
    assert.equal(await currentStreakDays(t.db, midnight, KST, NOW), 2);
    assert.equal(await currentStreakDays(t.db, midnight, 'UTC', NOW), 1);
    assert.deepEqual(await streaks(midnight, 'UTC'), [1, 1]);
  });

  it('compares this calendar week with the whole week before', async () => {
    const user = await newUser();
    const run = (local: string, distanceMeters: number, durationSeconds: number) =>
      insertRun(t.db, { userId: user.id, finishedAt: kst(local), distanceMeters, durationSeconds });
    await run('2026-03-09T00:30', 2500, 900);
    await run('2026-03-11T07:00', 3500, 1200);
    await run('2026-03-02T00:30', 1500, 600); // last week's Monday
    await run('2026-03-08T23:30', 2500, 900); // last week's Sunday
    await run('2026-03-01T23:30', 9999, 3000); // the week before that
    assert.deepEqual(await weeklySummary(t.db, user.id, KST, NOW), {
      total_distance_meters: 6000,
      total_duration_seconds: 2100,
      run_count: 2,
      avg_pace_seconds_per_km: 350,
      compared_to_last_week_percent: 50,
    });
    // In UTC both 00:30 KST Monday runs fall on the Sunday before: this week 3500, last week 2500 + 2500.
    const utc = await weeklySummary(t.db, user.id, 'UTC', NOW);
    assert.deepEqual([utc.total_distance_meters, utc.compared_to_last_week_percent], [3500, -30]);

    const quiet = await newUser();
    await insertRun(t.db, { userId: quiet.id, finishedAt: kst('2026-03-10T07:00'), distanceMeters: 1000 });
    const first = await weeklySummary(t.db, quiet.id, KST, NOW);
    assert.equal(first.compared_to_last_week_percent, 0);
    const down = await newUser();
    await insertRun(t.db, { userId: down.id, finishedAt: kst('2026-03-10T07:00'), distanceMeters: 1000 });
    await insertRun(t.db, { userId: down.id, finishedAt: kst('2026-03-04T07:00'), distanceMeters: 3000 });
    assert.equal((await weeklySummary(t.db, down.id, KST, NOW)).compared_to_last_week_percent, -66.7);
  });

  it('counts courses created and completed, course runs and top-10 places (ties to the earlier time)', async () => {
    const user = await newUser();
    const mine = await insertCourse(t.db, user.id);
    await insertCourse(t.db, user.id, { isPublic: false });
    const other = await newUser();
    const [c1, c2, c3] = await Promise.all([1, 2, 3].map(() => insertCourse(t.db, other.id)));
    const ranked = (courseId: string, userId: string, seconds: number, finishedAt: Date) =>
      t.db.transaction(async (tx) => {
        const runRecordId = await insertRun(tx, { userId, courseId, courseDurationSeconds: seconds, finishedAt });
        return recordRankedRun(tx, { runRecordId, userId, courseId, durationSeconds: seconds, paceSecondsPerKm: coursePace(seconds, 5000), achievedAt: finishedAt });
      });
    const day = kst('2026-03-01T07:00');
    const later = kst('2026-03-02T07:00');
    for (let i = 0; i < 10; i++) {
      const rival = await newUser();
      if (i < 9) await ranked(c1!, rival.id, 1000 + i, day);
      await ranked(c2!, rival.id, 1000 + i, day);
      if (i < 9) await ranked(c3!, rival.id, 1000 + i, day);
    }
    assert.equal((await ranked(c1!, user.id, 1500, day)).rank, 10);
    assert.equal((await ranked(c2!, user.id, 1500, day)).rank, 11);
    assert.equal((await ranked(c3!, user.id, 1500, day)).rank, 10);
    const tiedLater = await newUser();
    assert.equal((await ranked(c3!, tiedLater.id, 1500, later)).rank, 11);
    // Not ranked, but the user's own: a Strava completion and an unfinished attempt.
    await insertRun(t.db, { userId: user.id, courseId: mine, courseDurationSeconds: 1400, finishedAt: day, source: 'strava' });
    await insertRun(t.db, { userId: user.id, courseId: mine, completed: false, finishedAt: day });

    const s = await userStats(t.db, user.id, 'all', KST, NOW);
    assert.deepEqual(
      [s.courses_created, s.courses_completed, s.total_course_runs, s.ranking_top10_count],
      [2, 4, 5, 2],
    );
    assert.equal((await userStats(t.db, tiedLater.id, 'all', KST, NOW)).ranking_top10_count, 0);
  });

  it('uses the user’s own time zone, else the configured default', async () => {
    const user = await newUser();
    assert.equal(await timeZoneOf(t.db, user.id, KST), KST);
    await t.db.query("UPDATE users SET time_zone = 'America/New_York' WHERE id = $1", [user.id]);
    assert.equal(await timeZoneOf(t.db, user.id, KST), 'America/New_York');
    await t.db.query("UPDATE users SET time_zone = 'Mars/Olympus_Mons' WHERE id = $1", [user.id]);
    assert.equal(await timeZoneOf(t.db, user.id, KST), KST);
    assert.equal(testConfig().DEFAULT_TIME_ZONE, KST);
    assert.equal(testConfig({ DEFAULT_TIME_ZONE: 'Europe/Berlin' }).DEFAULT_TIME_ZONE, 'Europe/Berlin');
    for (const bad of ['Mars/Olympus_Mons', '+09:00', 'KST']) {
      assert.throws(() => testConfig({ DEFAULT_TIME_ZONE: bad }), ConfigError, bad);
    }
  });

  it('serves GET /users/me/stats and /users/me/stats/weekly', async () => {
    const user = await newUser();
    await insertRun(t.db, { userId: user.id, finishedAt: new Date(Date.now() - 60_000), distanceMeters: 4000, durationSeconds: 1200 });
    const get = (url: string) => t.app.inject({ method: 'GET', url: `/api/v1/users/me/${url}`, headers: user.auth });

    const stats = await get('stats');
    assert.equal(stats.statusCode, 200);
    const body = stats.json();
    assert.deepEqual(Object.keys(body).sort(), [
      'avg_distance_per_run_meters', 'avg_pace_seconds_per_km', 'best_pace_seconds_per_km', 'best_streak_days',
      'courses_completed', 'courses_created', 'current_streak_days', 'estimated_calories', 'longest_run_meters',
      'monthly_distance', 'ranking_top10_count', 'total_course_runs', 'total_distance_meters', 'total_duration_seconds',
      'total_elevation_gain_meters', 'total_runs',
    ]);
    assert.deepEqual([body.total_runs, body.total_distance_meters, body.avg_pace_seconds_per_km, body.current_streak_days], [1, 4000, 300, 1]);
    assert.equal(body.monthly_distance.length, 6);
    assert.equal(body.monthly_distance[5].distance_meters, 4000);
    for (const period of ['week', 'month', 'year']) assert.equal((await get(`stats?period=${period}`)).json().total_runs, 1);
    const bad = await get('stats?period=day');
    assert.equal(bad.statusCode, 422);
    assert.deepEqual(bad.json().detail[0].loc, ['query', 'period']);

    const weekly = await get('stats/weekly');
    assert.equal(weekly.statusCode, 200);
    assert.deepEqual(weekly.json(), {
      total_distance_meters: 4000,
      total_duration_seconds: 1200,
      run_count: 1,
      avg_pace_seconds_per_km: 300,
      compared_to_last_week_percent: 0,
    });
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/users/me/stats' })).statusCode, 401);
  });
});
