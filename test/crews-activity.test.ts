import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { insertCourse, insertRun } from './helpers/run-records.js';
import { weeklyRows } from '../src/features/crews/activity.js';
import { OCCUPATION_JOB, recomputeOccupation, standings } from '../src/features/crews/occupation.js';
import { applyRunToCrews } from '../src/features/crews/runs.js';
import { coursePace, recordRankedRun } from '../src/features/rankings/service.js';
import { deleteRun } from '../src/features/runs/service.js';
import { deleteAccount } from '../src/features/users/service.js';

type Json = Record<string, unknown> & { id: string };

describe('crew activity, XP and course occupation', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, u: TestUser, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: u.auth, ...(payload ? { payload } : {}) });
  const user = async () => {
    const u = await createUser(t.db, t.config);
    await t.db.query(`INSERT INTO device_tokens (user_id, device_token, platform) VALUES ($1, $2, 'ios')`, [u.id, `token-${u.id}`]);
    return u;
  };
  /** A crew of an owner and `n` more members (inserted directly). */
  async function crewOf(n: number, extra: object = {}) {
    const owner = await user();
    const res = await call('POST', '/crews', owner, { name: `Act ${randomUUID().slice(0, 8)}`, ...extra });
    assert.equal(res.statusCode, 201, res.body);
    const crew = res.json() as Json;
    const members = [owner];
    for (let i = 0; i < n; i++) {
      const u = await user();
      await t.db.query('INSERT INTO crew_members (crew_id, user_id) VALUES ($1, $2)', [crew.id, u.id]);
      members.push(u);
    }
    return { crew, owner, members };
  }
  /** A ranked run as the pipeline records it: the run, its ranking, the crews' XP and the occupation, in one transaction. */
  async function rankedRun(u: TestUser, courseId: string, seconds: number, finishedAt = new Date()) {
    return t.db.transaction(async (tx) => {
      const runId = await insertRun(tx, { userId: u.id, courseId, finishedAt, courseDurationSeconds: seconds, distanceMeters: 1000 });
      await recordRankedRun(tx, { runRecordId: runId, userId: u.id, courseId, durationSeconds: seconds, paceSecondsPerKm: coursePace(seconds, 1000), achievedAt: finishedAt });
      await applyRunToCrews(t.app.deps, tx, { runRecordId: runId, userId: u.id, distanceMeters: 1000, countsForOthers: true, rankedCourseId: courseId });
      return runId;
    });
  }
  const holder = async (courseId: string) =>
    (await t.db.query<{ crew_id: string; avg_duration_seconds: number; top_member_ids: string[] }>(
      'SELECT crew_id, avg_duration_seconds, top_member_ids FROM course_occupations WHERE course_id = $1', [courseId],
    )).rows[0];
  const lostPushes = async (courseId: string) =>
    (await t.db.query<{ user_id: string }>("SELECT user_id FROM push_notifications WHERE kind = 'crew_course_lost' AND data->>'course_id' = $1 ORDER BY user_id", [courseId]))
      .rows.map((r) => r.user_id);
  /** Runs the occupation jobs waiting for these courses, as the worker would. */
  async function runOccupationJobs(courseIds: string[]) {
    const { rows } = await t.db.query<{ id: string; course_id: string }>(
      "SELECT id, data->>'courseId' AS course_id FROM pgboss.job WHERE name = $1 AND state = 'created' AND data->>'courseId' = ANY($2)",
      [OCCUPATION_JOB, courseIds],
    );
    for (const job of rows) {
      await t.db.transaction((tx) => recomputeOccupation(t.app.deps, tx, job.course_id));
      await t.db.query('DELETE FROM pgboss.job WHERE id = $1', [job.id]);
    }
    return rows.length;
  }

  describe('weekly ranking', () => {
    it('ranks members by distance in the viewer’s calendar week, without Strava or implausible runs', async () => {
      const { crew, owner, members } = await crewOf(3);
      const [, a, b, c] = members;
      const now = new Date('2026-03-18T03:00:00Z'); // Wednesday; the Seoul week began 2026-03-15T15:00Z
      const run = (u: TestUser, at: string, meters: number, extra: object = {}) =>
        insertRun(t.db, { userId: u.id, finishedAt: new Date(at), distanceMeters: meters, ...extra });
      await run(a!, '2026-03-15T16:00:00Z', 5000); // Monday 01:00 in Seoul, still Sunday in UTC
      await run(a!, '2026-03-17T10:00:00Z', 3000);
      await run(b!, '2026-03-17T10:00:00Z', 10000, { source: 'strava' });
      await run(b!, '2026-03-17T11:00:00Z', 20000, { plausible: false });
      await run(b!, '2026-03-17T12:00:00Z', 1000);
      await run(c!, '2026-03-14T10:00:00Z', 20000); // last week
      const seoul = await weeklyRows(t.db, crew.id, 'Asia/Seoul', now);
      assert.deepEqual(seoul.map((r) => [r.user_id, r.weekly_distance, r.weekly_runs, r.rank]), [
        [a!.id, 8000, 2, 1], [b!.id, 1000, 1, 2], [owner.id, 0, 0, 3], [c!.id, 0, 0, 3],
      ]);
      assert.equal(seoul[0]!.period_start.toISOString(), '2026-03-15T15:00:00.000Z');
      assert.equal(seoul[0]!.period_end.toISOString(), '2026-03-22T15:00:00.000Z');
      const utc = await weeklyRows(t.db, crew.id, 'UTC', now);
      assert.deepEqual(utc.find((r) => r.user_id === a!.id)?.weekly_distance, 3000, 'in UTC the Monday-01:00-Seoul run is last week');

      const res = await call('GET', `/crews/${crew.id}/weekly-ranking`, owner);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { data: Json[] }).data.length, 4);
      assert.equal((await call('GET', `/crews/${crew.id}/weekly-ranking`, await user())).statusCode, 200, 'a public crew is readable');
    });

    it('is hidden with the crew when the crew is not public', async () => {
      const { crew } = await crewOf(0, { is_public: false });
      for (const path of ['weekly-ranking', 'active-courses']) {
        assert.equal((await call('GET', `/crews/${crew.id}/${path}`, await user())).statusCode, 404, path);
      }
    });
  });

  it('lists the courses members ran lately, leaving out what the viewer may not see', async () => {
    const { crew, owner, members } = await crewOf(2);
    const [, a, b] = members;
    const outsider = await user();
    const popular = await insertCourse(t.db, outsider.id);
    const secret = await insertCourse(t.db, outsider.id, { isPublic: false });
    const mine = await insertCourse(t.db, owner.id, { isPublic: false });
    await insertRun(t.db, { userId: a!.id, courseId: popular, finishedAt: new Date(), courseDurationSeconds: 700 });
    await insertRun(t.db, { userId: b!.id, courseId: popular, finishedAt: new Date(), courseDurationSeconds: 650 });
    await insertRun(t.db, { userId: b!.id, courseId: popular, finishedAt: new Date(), completed: false });
    await insertRun(t.db, { userId: b!.id, courseId: popular, finishedAt: new Date(), courseDurationSeconds: 500, source: 'strava' });
    await insertRun(t.db, { userId: a!.id, courseId: secret, finishedAt: new Date(), courseDurationSeconds: 600 });
    await insertRun(t.db, { userId: a!.id, courseId: mine, finishedAt: new Date(), courseDurationSeconds: 600 });
    await insertRun(t.db, { userId: a!.id, courseId: popular, finishedAt: new Date(Date.now() - 40 * 86400_000), courseDurationSeconds: 600 });
    const seen = (await call('GET', `/crews/${crew.id}/active-courses`, owner)).json() as Json[];
    assert.deepEqual(seen.map((c) => [c.course_id, c.member_run_count, c.best_crew_time_seconds]), [[popular, 3, 650], [mine, 1, 600]]);
    const byOther = (await call('GET', `/crews/${crew.id}/active-courses`, a!)).json() as Json[];
    assert.deepEqual(byOther.map((c) => c.course_id), [popular]);
  });

  it('gives owners and admins the management figures', async () => {
    const { crew, owner, members } = await crewOf(3, { requires_approval: true });
    const [, a, b] = members;
    await call('PATCH', `/crews/${crew.id}/members/${a!.id}/grade`, owner, { grade_level: 4 });
    await call('PATCH', `/crews/${crew.id}/members/${b!.id}/grade`, owner, { grade_level: 3 });
    await call('POST', `/crews/${crew.id}/join-requests`, await user(), {});
    await t.db.query("UPDATE crew_members SET joined_at = now() - interval '30 days' WHERE crew_id = $1 AND user_id = $2", [crew.id, b!.id]);
    assert.equal((await call('POST', `/crews/${crew.id}/leave`, members[3]!)).statusCode, 204);
    const stats = await call('GET', `/crews/${crew.id}/management/stats`, a!);
    assert.equal(stats.statusCode, 200, stats.body);
    assert.deepEqual(stats.json(), {
      total_members: 3, members_by_grade: { 1: 0, 2: 0, 3: 1, 4: 1, 5: 1 }, pending_requests: 1, recent_joins_7d: 2, recent_leaves_7d: 1,
    });
    assert.equal((await call('GET', `/crews/${crew.id}/management/stats`, b!)).statusCode, 403);
  });

  it('adds members’ plausible non-Strava distance to the crew’s XP while they are members, and takes it back with the run', async () => {
    const { crew, members } = await crewOf(1);
    const runner = members[1]!;
    const runId = await t.db.transaction(async (tx) => {
      const id = await insertRun(tx, { userId: runner.id, finishedAt: new Date(), distanceMeters: 120_000 });
      await applyRunToCrews(t.app.deps, tx, { runRecordId: id, userId: runner.id, distanceMeters: 120_000, countsForOthers: true, rankedCourseId: null });
      return id;
    });
    await t.db.transaction(async (tx) => {
      const id = await insertRun(tx, { userId: runner.id, finishedAt: new Date(), distanceMeters: 500_000, source: 'strava' });
      await applyRunToCrews(t.app.deps, tx, { runRecordId: id, userId: runner.id, distanceMeters: 500_000, countsForOthers: false, rankedCourseId: null });
    });
    const after = (await call('GET', `/crews/${crew.id}`, runner)).json() as Json;
    assert.deepEqual([after.total_xp, after.level], [120_000, 2]);
    await deleteRun(t.app.deps, runner.id, runId);
    assert.equal(((await call('GET', `/crews/${crew.id}`, runner)).json() as Json).total_xp, 0);
  });

  describe('course occupation', () => {
    it('goes to the crew whose three best members are fastest on average, and moves with the rankings', async () => {
      const course = await insertCourse(t.db, (await user()).id);
      const A = await crewOf(3);
      const B = await crewOf(3);
      for (const [i, s] of [100, 110, 120].entries()) await rankedRun(A.members[i]!, course, s);
      await rankedRun(B.members[0]!, course, 90);
      await rankedRun(B.members[1]!, course, 95);
      assert.equal((await holder(course))?.crew_id, A.crew.id, 'B has only two ranked members');
      assert.equal((await holder(course))?.avg_duration_seconds, 110);

      const detail = (await call('GET', `/courses/${course}`, A.owner)).json() as { dominion: Json & { top_members: Json[] } };
      assert.equal(detail.dominion.crew_id, A.crew.id);
      assert.deepEqual(detail.dominion.top_members.map((m) => m.best_duration_seconds), [100, 110, 120]);

      await rankedRun(B.members[2]!, course, 140); // B: (90 + 95 + 140) / 3 = 108.3 < 110
      assert.equal((await holder(course))?.crew_id, B.crew.id);
      assert.deepEqual(await lostPushes(course), A.members.map((m) => m.id).sort(), 'every member of the crew that lost it');

      const { rows } = await t.db.query<{ v: string }>('SELECT ctid::text || xmin::text AS v FROM course_occupations WHERE course_id = $1', [course]);
      await t.db.transaction((tx) => recomputeOccupation(t.app.deps, tx, course));
      const again = await t.db.query<{ v: string }>('SELECT ctid::text || xmin::text AS v FROM course_occupations WHERE course_id = $1', [course]);
      assert.deepEqual(again.rows, rows, 'recomputing with nothing changed writes nothing');

      // B's slowest member leaves: B no longer qualifies, A holds it again.
      assert.equal((await call('POST', `/crews/${B.crew.id}/leave`, B.members[2]!)).statusCode, 204);
      assert.ok((await runOccupationJobs([course])) >= 1);
      assert.equal((await holder(course))?.crew_id, A.crew.id);
    });

    it('breaks equal averages by who reached it first, whatever order the runs came in', async () => {
      const course = await insertCourse(t.db, (await user()).id);
      const A = await crewOf(2);
      const B = await crewOf(2);
      const day = (d: number) => new Date(Date.UTC(2026, 0, d));
      // B's trio was complete on day 5, A's on day 9; A's runs are recorded first.
      for (const [i, d] of [1, 2, 9].entries()) await rankedRun(A.members[i]!, course, 100, day(d));
      for (const [i, d] of [3, 4, 5].entries()) await rankedRun(B.members[i]!, course, 100, day(d));
      assert.equal((await holder(course))?.crew_id, B.crew.id);
    });

    it('never shows a crew that is not public, and follows deleted runs, crews and accounts', async () => {
      const course = await insertCourse(t.db, (await user()).id);
      const hidden = await crewOf(2, { is_public: false });
      for (const [i, s] of [80, 80, 80].entries()) await rankedRun(hidden.members[i]!, course, s);
      assert.equal(await holder(course), undefined);

      const A = await crewOf(3);
      const runs = [];
      for (const [i, s] of [100, 100, 100, 100].entries()) runs.push(await rankedRun(A.members[i]!, course, s));
      assert.equal((await holder(course))?.crew_id, A.crew.id);

      await deleteRun(t.app.deps, A.members[3]!.id, runs[3]!);
      assert.equal((await holder(course))?.crew_id, A.crew.id, 'three remain');
      await deleteRun(t.app.deps, A.members[2]!.id, runs[2]!);
      assert.equal(await holder(course), undefined, 'two are not enough');

      const B = await crewOf(2);
      for (const [i, s] of [100, 100, 100].entries()) await rankedRun(B.members[i]!, course, s);
      assert.equal((await holder(course))?.crew_id, B.crew.id);
      // The owner's account goes: the crew passes to a member, and with two ranked members it no longer holds the course.
      await deleteAccount(t.app.deps, t.app.deps.logger, B.owner.id);
      assert.equal(((await call('GET', `/crews/${B.crew.id}`, B.members[1]!)).json() as Json & { owner: Json }).owner.id, B.members[1]!.id);
      await runOccupationJobs([course]);
      assert.equal(await holder(course), undefined);

      await rankedRun(A.members[2]!, course, 90);
      assert.equal((await holder(course))?.crew_id, A.crew.id);
      assert.equal((await call('DELETE', `/crews/${A.crew.id}`, A.owner)).statusCode, 204);
      assert.equal(await holder(course), undefined, 'held courses go with the crew');
    });

    it('stays the ranking’s answer under concurrent ranked runs of rival crews', async () => {
      const course = await insertCourse(t.db, (await user()).id);
      const crews = await Promise.all([crewOf(3), crewOf(3), crewOf(3)]);
      await Promise.all(crews.flatMap((c, k) => c.members.slice(0, 4).map((m, i) => rankedRun(m, course, 100 + ((i * 7 + k * 5) % 13)))));
      const [best] = await standings(t.db, course);
      const held = await holder(course);
      assert.deepEqual([held?.crew_id, held?.avg_duration_seconds], [best!.crew_id, Math.round(best!.avg_seconds)]);
    });
  });
});
