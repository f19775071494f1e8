// No lost or doubled runs, in short form (scripts/soak/runs.ts; `npm run soak runs` sends ~3,000 sessions): run
// completions against the real server process, sent 2–4 times at once, abandoned mid-flight and retried, with
// deletions in between; afterwards one run per completed session, one answer per session, and counters,
// leaderboards and course statistics equal to a recomputation from run_records. The next tests show the
// recomputation notices each kind of drift, so a clean verdict means something, and pin the deadlock found while
// building the scenario: two runs queueing the statistics of the same two courses in opposite orders.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { rebuildRanking } from '../src/features/rankings/queries.js';
import { COURSE_STATS_JOB, enqueueCoursesStats, refreshCourseStats } from '../src/features/rankings/stats-jobs.js';
import type { Database, Queryable, Row } from '../src/infra/db/database.js';
import { checkConsistency, createWorld, removeWorld, type SessionFate, type World } from '../scripts/soak/_run-load.js';
import { run } from '../scripts/soak/runs.js';
import { createTestApp, openTestDatabase, testConfig, usingEmbeddedDb, type TestApp } from './helpers/app.js';
import { insertRun } from './helpers/run-records.js';

const skip = usingEmbeddedDb && 'needs a real PostgreSQL (DATABASE_URL): the server runs in a process of its own, and the embedded PGlite is owned by the test runner';

describe('run completions under duplicates, aborts and deletions', { skip }, () => {
  it('stores exactly one run per completed session and keeps everything derived from runs exact', async () => {
    process.env.SOAK_DATABASE_URL = process.env.DATABASE_URL;
    const report = await run('short');
    assert.equal(report.failures, 0, report.notes.join('\n'));
    assert.ok(report.requests >= 500, `${report.requests} requests`);
    assert.ok(report.faults > 0, 'some requests were abandoned mid-flight');
  });
});

describe('the soak recomputation', () => {
  let db: Database;
  let world: World;
  const fates = new Map<string, SessionFate>();

  before(async () => {
    db = await openTestDatabase(testConfig());
    world = await createWorld(db.pool, 2);
    const [u1, u2] = world.users.map((u) => u.id) as [string, string];
    const { A, C } = world.courses;
    const finishedAt = (days: number) => new Date(Date.now() - days * 86_400_000);
    const runs = [
      await insertRun(db, { userId: u1, courseId: A, finishedAt: finishedAt(3), courseDurationSeconds: 700, distanceMeters: 2300 }),
      await insertRun(db, { userId: u1, courseId: A, finishedAt: finishedAt(2), courseDurationSeconds: 650, distanceMeters: 2310 }),
      await insertRun(db, { userId: u2, courseId: A, finishedAt: finishedAt(1), courseDurationSeconds: 650, distanceMeters: 2290 }),
      await insertRun(db, { userId: u2, courseId: C, finishedAt: finishedAt(1), courseDurationSeconds: 100, plausible: false }),
    ];
    const { rows } = await db.query<{ id: string; session_id: string }>('SELECT id, session_id FROM run_records WHERE id = ANY($1)', [runs]);
    for (const r of rows) fates.set(r.session_id, { kind: 'completed', runId: r.id });
    // What the server would have derived from these runs.
    await db.query(
      `UPDATE users u SET total_runs = (SELECT count(*) FROM run_records WHERE user_id = u.id),
              total_distance_meters = (SELECT coalesce(sum(distance_meters), 0) FROM run_records WHERE user_id = u.id)
        WHERE id = ANY($1)`,
      [[u1, u2]],
    );
    for (const user of [u1, u2]) for (const course of [A, C]) await db.transaction((tx) => rebuildRanking(tx, course, user));
    for (const course of world.courseIds) await refreshCourseStats(db, course, 'Asia/Seoul');
  });
  after(async () => {
    await removeWorld(db.pool, world);
    await db.close();
  });

  /** The problems found while `corrupt` is applied (then undone by `undo`); $1 is the world's course ids. */
  async function problemsWith(corrupt: string, undo: string): Promise<string[]> {
    await db.query(corrupt, [world.courseIds]);
    try {
      return await checkConsistency(db.pool, world, fates, true);
    } finally {
      await db.query(undo, [world.courseIds]);
    }
  }

  it('finds nothing when every derived table is right', async () => {
    assert.deepEqual(await checkConsistency(db.pool, world, fates, true), []);
  });

  it('notices a counter, a leaderboard row, a time count or a course statistic that drifted', async () => {
    const runners = 'SELECT user_id FROM rankings WHERE course_id = ANY($1)';
    const sessions = 'SELECT session_id FROM run_records WHERE course_id = ANY($1)';
    const cases: [string, string, RegExp][] = [
      [`UPDATE users SET total_runs = total_runs + 1 WHERE id IN (${runners})`, `UPDATE users SET total_runs = total_runs - 1 WHERE id IN (${runners})`, /^counters differ/],
      ['UPDATE rankings SET run_count = run_count + 1 WHERE course_id = ANY($1)', 'UPDATE rankings SET run_count = run_count - 1 WHERE course_id = ANY($1)', /^leaderboard row differs/],
      [
        "UPDATE rankings SET achieved_at = achieved_at + interval '1 s' WHERE course_id = ANY($1)",
        "UPDATE rankings SET achieved_at = achieved_at - interval '1 s' WHERE course_id = ANY($1)",
        /^leaderboard row differs/,
      ],
      [
        'UPDATE ranking_time_counts SET runners = runners + 1 WHERE course_id = ANY($1)',
        'UPDATE ranking_time_counts SET runners = runners - 1 WHERE course_id = ANY($1)',
        /^ranking_time_counts differ/,
      ],
      [
        'UPDATE course_stats SET unique_runners = unique_runners + 1 WHERE course_id = ANY($1)',
        'UPDATE course_stats SET unique_runners = unique_runners - 1 WHERE course_id = ANY($1)',
        /^course_stats of .* differ in unique_runners/,
      ],
      [`UPDATE run_sessions SET status = 'active' WHERE id IN (${sessions})`, `UPDATE run_sessions SET status = 'completed' WHERE id IN (${sessions})`, /^session .* is active with 1 runs/],
    ];
    for (const [corrupt, undo, expected] of cases) {
      const problems = await problemsWith(corrupt, undo);
      assert.ok(problems.some((p) => expected.test(p)), `${corrupt}\n→ ${problems.join('\n')}`);
    }
    assert.deepEqual(await checkConsistency(db.pool, world, fates, true), [], 'every corruption was undone');
  });
});

describe('queueing course statistics', { skip: usingEmbeddedDb && 'needs two concurrent transactions (PGlite is one session)' }, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('queues several courses in one order, so two runs touching the same two courses never deadlock', async () => {
    const [a, b] = [randomUUID(), randomUUID()] as const;
    const firstStarted = [false, false];
    // Each transaction pauses after its first statement until the other has sent its own first statement: in
    // queueing order (a, b) and (b, a) each then holds one course's waiting job and wants the other's.
    const run = (i: 0 | 1, courseIds: (string | null)[]) =>
      t.db.transaction(async (tx) => {
        let first = true;
        const gated: Queryable = {
          async query<R extends Row = Row>(text: string, values?: unknown[]) {
            if (!first) return tx.query<R>(text, values);
            first = false;
            firstStarted[i] = true;
            const result = await tx.query<R>(text, values);
            for (let n = 0; n < 200 && !firstStarted[1 - i]; n++) await sleep(10);
            await sleep(100);
            return result;
          },
        };
        await enqueueCoursesStats(t.jobs, gated, courseIds);
      });
    try {
      await Promise.all([run(0, [a, b]), run(1, [b, null, a])]);
      const { rows } = await t.db.query<{ key: string }>(
        "SELECT singleton_key AS key FROM pgboss.job WHERE name = $1 AND singleton_key = ANY($2) AND state = 'created'",
        [COURSE_STATS_JOB, [a, b]],
      );
      assert.deepEqual(rows.map((r) => r.key).sort(), [a, b].sort(), 'one waiting job per course');
    } finally {
      await t.db.query('DELETE FROM pgboss.job WHERE name = $1 AND singleton_key = ANY($2)', [COURSE_STATS_JOB, [a, b]]);
    }
  });
});
