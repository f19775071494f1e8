import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { insertCourse, insertRun } from './helpers/run-records.js';
import { coursePace, rebuildUserRanking, recordRankedRun } from '../src/features/rankings/service.js';
import { boardWithRank } from '../src/features/rankings/queries.js';
import { COURSE_STATS_JOB, enqueueCourseStats, refreshCourseStats } from '../src/features/rankings/stats-jobs.js';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

describe('rankings', () => {
  let t: TestApp;
  let owner: TestUser;
  before(async () => {
    t = await createTestApp();
    owner = await createUser(t.db, t.config);
  });
  after(() => t.close());

  /** A ranked run written and counted in one transaction, as the runs feature does. */
  async function ranked(courseId: string, userId: string, seconds: number, finishedAt: Date) {
    return t.db.transaction(async (tx) => {
      const runRecordId = await insertRun(tx, { userId, courseId, courseDurationSeconds: seconds, finishedAt });
      const result = await recordRankedRun(tx, {
        runRecordId,
        userId,
        courseId,
        durationSeconds: seconds,
        paceSecondsPerKm: coursePace(seconds, 5000),
        achievedAt: finishedAt,
      });
      return { runRecordId, ...result };
    });
  }

  const get = (user: TestUser, url: string) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: user.auth });

  async function rankingRow(courseId: string, userId: string) {
    const { rows } = await t.db.query(
      'SELECT best_duration_seconds, run_count, achieved_at, run_record_id FROM rankings WHERE course_id = $1 AND user_id = $2',
      [courseId, userId],
    );
    return rows[0];
  }

  it('orders the board by time, equal times to whoever ran them first, in both response shapes (M2)', async () => {
    const course = await insertCourse(t.db, owner.id);
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => createUser(t.db, t.config)));
    const ra = await ranked(course, a!.id, 1500, at(30));
    assert.deepEqual([ra.rank, ra.total_runners, ra.is_personal_best], [1, 1, true]);
    const rb = await ranked(course, b!.id, 1400, at(40));
    assert.equal(rb.rank, 1);
    // Same time as a, but achieved earlier: c goes before a.
    const rc = await ranked(course, c!.id, 1500, at(10));
    assert.deepEqual([rc.rank, rc.total_runners], [2, 3]);
    await ranked(course, d!.id, 1800, at(5));

    const bare = await get(a!, `/courses/${course}/rankings?limit=3`);
    assert.equal(bare.statusCode, 200);
    const entries = bare.json();
    assert.ok(Array.isArray(entries));
    assert.deepEqual(
      entries.map((e: { rank: number; user: { id: string } }) => [e.rank, e.user.id]),
      [[1, b!.id], [2, c!.id], [3, a!.id]],
    );
    assert.deepEqual(entries[2], {
      rank: 3,
      user: { id: a!.id, nickname: a!.nickname, avatar_url: null, country: null, crew_name: null },
      best_duration_seconds: 1500,
      best_pace_seconds_per_km: 300,
      run_count: 1,
      achieved_at: at(30).toISOString(),
    });

    const page = await get(a!, `/courses/${course}/rankings?page=1&per_page=2`);
    assert.equal(page.statusCode, 200);
    const body = page.json<{ data: { rank: number; user: { id: string } }[] }>();
    assert.deepEqual(
      { ...body, data: body.data.map((e) => [e.rank, e.user.id]) },
      {
        data: [[3, a!.id], [4, d!.id]],
        my_ranking: { rank: 3, best_duration_seconds: 1500, best_pace_seconds_per_km: 300, percentile: 75 },
        total_runners: 4,
      },
    );
    // Without any paging key the envelope has the default page; limit with page replaces per_page.
    const plain = (await get(a!, `/courses/${course}/rankings`)).json();
    assert.equal(plain.data.length, 4);
    const limited = (await get(a!, `/courses/${course}/rankings?limit=1&page=2`)).json();
    assert.deepEqual([limited.data.length, limited.data[0].rank, limited.total_runners], [1, 3, 4]);

    const outsider = await createUser(t.db, t.config);
    const theirs = (await get(outsider, `/courses/${course}/rankings?per_page=1`)).json();
    assert.deepEqual([theirs.my_ranking, theirs.total_runners], [null, 4]);
    assert.deepEqual((await get(outsider, `/courses/${course}/rankings?page=9&per_page=100`)).json().data, []);
  });

  it('gives every runner a unique rank equal to their board position, across pages and many equal times', async () => {
    const course = await insertCourse(t.db, owner.id);
    const users = await Promise.all(Array.from({ length: 23 }, () => createUser(t.db, t.config)));
    for (const [i, user] of users.entries()) await ranked(course, user.id, 1200 + (i % 4) * 10, at(100 - i));
    const expected = users
      .map((u, i) => ({ id: u.id, time: 1200 + (i % 4) * 10, achieved: 100 - i }))
      .sort((x, y) => x.time - y.time || x.achieved - y.achieved)
      .map((e) => e.id);

    const seen: string[] = [];
    for (let page = 0; page < 4; page++) {
      const body = (await get(users[0]!, `/courses/${course}/rankings?page=${page}&per_page=7`)).json();
      assert.equal(body.total_runners, 23);
      for (const [i, entry] of body.data.entries()) assert.equal(entry.rank, page * 7 + i + 1);
      seen.push(...body.data.map((e: { user: { id: string } }) => e.user.id));
    }
    assert.deepEqual(seen, expected);

    // Shallow pages walk the index, deep ones start from the running sum of times: both read the same rows.
    for (let offset = 0; offset <= 23; offset++) {
      for (const limit of [1, 5, 7]) {
        const direct = await boardWithRank(t.db, course, users[5]!.id, offset, limit, Infinity);
        const deep = await boardWithRank(t.db, course, users[5]!.id, offset, limit, -1);
        assert.deepEqual(deep, direct, `offset ${offset}, limit ${limit}`);
        const ids = direct.filter((row) => row.e_user_id !== null).map((row) => row.e_user_id);
        assert.deepEqual(ids, expected.slice(offset, offset + limit), `offset ${offset}, limit ${limit}`);
      }
    }

    for (const [position, id] of expected.entries()) {
      const user = users.find((u) => u.id === id)!;
      const mine = (await get(user, `/courses/${course}/my-ranking`)).json();
      assert.equal(mine.rank, position + 1, `rank of runner ${position + 1}`);
    }
    const last = users.find((u) => u.id === expected[22])!;
    assert.deepEqual((await get(last, `/courses/${course}/my-ranking`)).json(), {
      rank: 23,
      best_duration_seconds: 1230,
      total_runners: 23,
      percentile: 100,
    });
    const second = users.find((u) => u.id === expected[1])!;
    assert.equal((await get(second, `/courses/${course}/my-ranking`)).json().percentile, 8.7);
  });

  it('answers my-ranking with nulls for a runner without a time', async () => {
    const course = await insertCourse(t.db, owner.id);
    await ranked(course, owner.id, 1600, at(0));
    const other = await createUser(t.db, t.config);
    assert.deepEqual((await get(other, `/courses/${course}/my-ranking`)).json(), {
      rank: null,
      best_duration_seconds: null,
      total_runners: 1,
      percentile: null,
    });
    assert.deepEqual((await get(owner, `/courses/${course}/my-ranking`)).json(), {
      rank: 1,
      best_duration_seconds: 1600,
      total_runners: 1,
      percentile: 100,
    });
  });

  it('counts every run and keeps only a strictly faster (or earlier equal) time as the best', async () => {
    const course = await insertCourse(t.db, owner.id);
    const user = await createUser(t.db, t.config);
    const first = await ranked(course, user.id, 1500, at(100));
    assert.equal(first.is_personal_best, true);
    const slower = await ranked(course, user.id, 1600, at(200));
    assert.deepEqual([slower.is_personal_best, slower.rank], [false, 1]);
    const equal = await ranked(course, user.id, 1500, at(300));
    assert.equal(equal.is_personal_best, false);
    assert.deepEqual(await rankingRow(course, user.id), {
      best_duration_seconds: 1500,
      run_count: 3,
      achieved_at: at(100),
      run_record_id: first.runRecordId,
    });
    // An older run with the same time (imported later) was achieved first.
    const older = await ranked(course, user.id, 1500, at(50));
    assert.equal(older.is_personal_best, true);
    const faster = await ranked(course, user.id, 1450, at(400));
    assert.equal(faster.is_personal_best, true);
    assert.deepEqual(await rankingRow(course, user.id), {
      best_duration_seconds: 1450,
      run_count: 5,
      achieved_at: at(400),
      run_record_id: faster.runRecordId,
    });
  });

  it('loses no run when the same runner finishes several runs on a course at once', async () => {
    const course = await insertCourse(t.db, owner.id);
    const user = await createUser(t.db, t.config);
    const times = [1710, 1650, 1702, 1688, 1640, 1695, 1720, 1666];
    const results = await Promise.all(times.map((s, i) => ranked(course, user.id, s, at(i))));
    const row = await rankingRow(course, user.id);
    assert.equal(row!.run_count, times.length);
    assert.equal(row!.best_duration_seconds, Math.min(...times));
    assert.equal(row!.run_record_id, results[times.indexOf(Math.min(...times))]!.runRecordId);
    const { rows } = await t.db.query('SELECT runners FROM ranking_time_counts WHERE course_id = $1 AND runners > 0', [course]);
    assert.deepEqual(rows, [{ runners: 1 }]);
  });

  it('keeps the counts behind ranks equal to the board when many runners improve at once', async () => {
    const course = await insertCourse(t.db, owner.id);
    const users = await Promise.all(Array.from({ length: 8 }, () => createUser(t.db, t.config)));
    // Every runner improves through the same few times, in a different order, all at the same time.
    await Promise.all(
      users.flatMap((u, i) => [0, 1, 2, 3].map((k) => ranked(course, u.id, 1300 + ((i + k) % 4) * 10, at(i * 10 + k)))),
    );
    const { rows } = await t.db.query(
      `SELECT coalesce(h.best_duration_seconds, b.best_duration_seconds) AS time, coalesce(h.runners, 0) AS counted, coalesce(b.n, 0) AS on_board
       FROM (SELECT * FROM ranking_time_counts WHERE course_id = $1) h
       FULL JOIN (SELECT best_duration_seconds, count(*) AS n FROM rankings WHERE course_id = $1 GROUP BY 1) b USING (best_duration_seconds)`,
      [course],
    );
    for (const row of rows) assert.equal(row.counted, row.on_board, `runners at ${row.time} s`);
    const board = (await get(owner, `/courses/${course}/rankings?limit=100`)).json();
    assert.deepEqual(board.map((e: { rank: number }) => e.rank), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.ok(board.every((e: { best_duration_seconds: number; run_count: number }) => e.best_duration_seconds === 1300 && e.run_count === 4));
  });

  it('rebuilds a runner’s time from the remaining ranked runs after a deletion, or removes them', async () => {
    const course = await insertCourse(t.db, owner.id);
    const [user, rival] = await Promise.all([createUser(t.db, t.config), createUser(t.db, t.config)]);
    await ranked(course, rival.id, 1550, at(0));
    const best = await ranked(course, user.id, 1500, at(10));
    const second = await ranked(course, user.id, 1600, at(20));
    const sameAsSecond = await ranked(course, user.id, 1600, at(30));
    // Never ranked, but faster: Strava data, an implausible run, a run with no ranked time.
    await insertRun(t.db, { userId: user.id, courseId: course, courseDurationSeconds: 1000, finishedAt: at(40), source: 'strava' });
    await insertRun(t.db, { userId: user.id, courseId: course, courseDurationSeconds: 900, finishedAt: at(41), plausible: false });
    await insertRun(t.db, { userId: user.id, courseId: course, completed: false, finishedAt: at(42), durationSeconds: 800 });
    assert.equal((await get(user, `/courses/${course}/my-ranking`)).json().rank, 1);

    await t.db.transaction(async (tx) => {
      await tx.query('DELETE FROM run_records WHERE id = $1', [best.runRecordId]);
      await rebuildUserRanking(tx, course, user.id);
    });
    assert.deepEqual(await rankingRow(course, user.id), {
      best_duration_seconds: 1600,
      run_count: 2,
      achieved_at: at(20),
      run_record_id: second.runRecordId,
    });
    const mine = (await get(user, `/courses/${course}/my-ranking`)).json();
    assert.deepEqual([mine.rank, mine.total_runners], [2, 2]);

    await t.db.transaction(async (tx) => {
      await tx.query('DELETE FROM run_records WHERE id = ANY($1)', [[second.runRecordId, sameAsSecond.runRecordId]]);
      await rebuildUserRanking(tx, course, user.id);
    });
    assert.equal(await rankingRow(course, user.id), undefined);
    assert.deepEqual((await get(user, `/courses/${course}/my-ranking`)).json(), {
      rank: null,
      best_duration_seconds: null,
      total_runners: 1,
      percentile: null,
    });
    const board = (await get(user, `/courses/${course}/rankings?limit=10`)).json();
    assert.deepEqual(board.map((e: { user: { id: string } }) => e.user.id), [rival.id]);
  });

  it('keeps the counts behind ranks exact when a runner’s account or the course is deleted', async () => {
    const course = await insertCourse(t.db, owner.id);
    const [gone, stays] = await Promise.all([createUser(t.db, t.config), createUser(t.db, t.config)]);
    await ranked(course, gone.id, 1300, at(0));
    await ranked(course, stays.id, 1400, at(0));
    await t.db.query('DELETE FROM users WHERE id = $1', [gone.id]);
    assert.deepEqual((await get(stays, `/courses/${course}/my-ranking`)).json(), {
      rank: 1,
      best_duration_seconds: 1400,
      total_runners: 1,
      percentile: 100,
    });
    // A deleted course takes its board and counts with it (its runs stay, unlinked, as the courses feature does).
    await t.db.transaction(async (tx) => {
      await tx.query('UPDATE run_records SET course_id = NULL, course_duration_seconds = NULL WHERE course_id = $1', [course]);
      await tx.query('DELETE FROM courses WHERE id = $1', [course]);
    });
    const { rows } = await t.db.query(
      'SELECT (SELECT count(*) FROM rankings WHERE course_id = $1) + (SELECT count(*) FROM ranking_time_counts WHERE course_id = $1) AS n',
      [course],
    );
    assert.equal(rows[0]!.n, 0);
  });

  it('shows the caller’s fastest completed run as my-best, their Strava and flagged runs included', async () => {
    const course = await insertCourse(t.db, owner.id, { distanceMeters: 4000 });
    const user = await createUser(t.db, t.config);
    assert.equal((await get(user, `/courses/${course}/my-best`)).body, 'null');
    await insertRun(t.db, { userId: user.id, courseId: course, courseDurationSeconds: 1500, finishedAt: at(0) });
    await insertRun(t.db, { userId: user.id, courseId: course, completed: false, durationSeconds: 600, finishedAt: at(5) });
    const strava = await insertRun(t.db, { userId: user.id, courseId: course, courseDurationSeconds: 1300, finishedAt: at(10), source: 'strava' });
    const res = await get(user, `/courses/${course}/my-best`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { id: strava, duration_seconds: 1300, avg_pace_seconds_per_km: 325, finished_at: at(10).toISOString() });
    const flagged = await insertRun(t.db, { userId: user.id, courseId: course, courseDurationSeconds: 1200, finishedAt: at(20), plausible: false });
    assert.equal((await get(user, `/courses/${course}/my-best`)).json().id, flagged);
    // Nobody else sees them.
    assert.equal((await get(owner, `/courses/${course}/my-best`)).body, 'null');
    assert.deepEqual((await get(owner, `/courses/${course}/rankings?limit=5`)).json(), []);
    assert.deepEqual((await get(owner, `/courses/${course}/rankings`)).json(), { data: [], my_ranking: null, total_runners: 0 });
  });

  it('hides a private course from everyone but its owner, and answers 404/422 for missing or malformed ids', async () => {
    const course = await insertCourse(t.db, owner.id, { isPublic: false });
    await ranked(course, owner.id, 1500, at(0));
    const stranger = await createUser(t.db, t.config);
    for (const path of ['rankings?limit=10', 'rankings', 'my-ranking', 'my-best']) {
      const hidden = await get(stranger, `/courses/${course}/${path}`);
      assert.equal(hidden.statusCode, 404, path);
      assert.equal(hidden.json().code, 'NOT_FOUND');
      assert.equal((await get(owner, `/courses/${course}/${path}`)).statusCode, 200, path);
      assert.equal((await get(owner, `/courses/${randomUUID()}/${path}`)).statusCode, 404, path);
      assert.equal((await get(owner, `/courses/not-a-uuid/${path}`)).statusCode, 422, path);
    }
    const own = (await get(owner, `/courses/${course}/rankings?per_page=5`)).json();
    assert.deepEqual([own.data.length, own.my_ranking?.rank, own.total_runners], [1, 1, 1]);
    assert.equal((await get(owner, `/courses/${course}/rankings?per_page=101`)).statusCode, 422);
    assert.equal((await get(owner, `/courses/${course}/rankings?limit=0`)).statusCode, 422);
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/courses/${course}/rankings` })).statusCode, 401);
  });

  describe('course statistics job', () => {
    it('enqueues one waiting refresh per course', async () => {
      const course = await insertCourse(t.db, owner.id);
      await t.db.transaction(async (tx) => {
        await enqueueCourseStats(t.jobs, tx, course);
        await enqueueCourseStats(t.jobs, tx, course);
      });
      const { rows } = await t.db.query(
        "SELECT data FROM pgboss.job WHERE name = $1 AND singleton_key = $2 AND state = 'created'",
        [COURSE_STATS_JOB, course],
      );
      assert.deepEqual(rows, [{ data: { courseId: course } }]);
      await t.db.query('DELETE FROM pgboss.job WHERE name = $1 AND singleton_key = $2', [COURSE_STATS_JOB, course]);
    });

    it('computes public statistics from plausible non-Strava runs and updates the difficulty', async () => {
      const course = await insertCourse(t.db, owner.id, { distanceMeters: 5000 });
      const [a, b, c] = await Promise.all([1, 2, 3].map(() => createUser(t.db, t.config)));
      const statsRow = async () =>
        (await t.db.query('SELECT * FROM course_stats WHERE course_id = $1', [course])).rows[0] as Record<string, unknown>;
      const difficulty = async () => (await t.db.query('SELECT difficulty FROM courses WHERE id = $1', [course])).rows[0]!.difficulty;

      // 5 km, flat: 15 points of 100 from distance; the completion rate decides easy (<33) or normal.
      await insertRun(t.db, { userId: a!.id, courseId: course, completed: false, finishedAt: new Date('2026-03-01T21:40:00Z'), durationSeconds: 600 });
      await refreshCourseStats(t.db, course, 'Asia/Seoul');
      assert.equal(await difficulty(), 'normal');

      // Finished 06:40 KST = 21:40 UTC the day before; started 06:10 and 07:05 KST.
      await insertRun(t.db, { userId: a!.id, courseId: course, courseDurationSeconds: 1500, durationSeconds: 1800, finishedAt: new Date('2026-03-01T21:40:00Z') });
      await insertRun(t.db, { userId: b!.id, courseId: course, courseDurationSeconds: 1700, durationSeconds: 1800, finishedAt: new Date('2026-03-01T22:35:00Z') });
      await insertRun(t.db, { userId: b!.id, courseId: course, courseDurationSeconds: 1601, durationSeconds: 1800, finishedAt: new Date('2026-03-02T22:35:00Z') });
      // Never in public statistics.
      await insertRun(t.db, { userId: c!.id, courseId: course, courseDurationSeconds: 1000, finishedAt: new Date('2026-03-01T12:00:00Z'), source: 'strava' });
      await insertRun(t.db, { userId: c!.id, courseId: course, courseDurationSeconds: 900, finishedAt: new Date('2026-03-01T12:00:00Z'), plausible: false });
      await refreshCourseStats(t.db, course, 'Asia/Seoul');

      const stats = await statsRow();
      assert.deepEqual(
        { ...stats, updated_at: undefined },
        {
          course_id: course,
          total_runs: 3,
          unique_runners: 2,
          avg_duration_seconds: 1600,
          avg_pace_seconds_per_km: 320,
          best_duration_seconds: 1500,
          best_pace_seconds_per_km: 300,
          completion_rate: 0.75,
          runs_by_hour: { '06': 2, '07': 2 },
          updated_at: undefined,
        },
      );
      assert.equal(await difficulty(), 'easy');

      // The same hours counted in UTC are the previous evening.
      await refreshCourseStats(t.db, course, 'UTC');
      assert.deepEqual((await statsRow()).runs_by_hour, { '21': 2, '22': 2 });
    });
  });
});
