import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { insertCourse, insertRun } from './helpers/run-records.js';
import { crewsData } from '../src/features/exports/queries.js';
import { applyRunToCrews } from '../src/features/crews/runs.js';
import { coursePace, recordRankedRun } from '../src/features/rankings/service.js';
import { deleteAccount } from '../src/features/users/service.js';

type Json = Record<string, unknown> & { id: string };
interface Item extends Json {
  status: string;
  created_by: string | null;
  records: { user_id: string; best_duration_seconds: number | null; best_pace_seconds_per_km: number | null; completed_at: string | null; run_count: number }[];
  completed_count: number;
  total_participants: number;
  ended_at: string | null;
}

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('crew challenges and crew rankings on a course', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST', url: string, u: TestUser, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: u.auth, ...(payload ? { payload } : {}) });

  /** A crew: the owner, then members of the given grades (4 admin, 1..3 members), all joined a day before `since`. */
  async function crewOf(grades: number[], extra: object = {}, since = new Date(Date.now() - 10 * HOUR)) {
    const owner = await createUser(t.db, t.config);
    const res = await call('POST', '/crews', owner, { name: `Raid ${randomUUID().slice(0, 8)}`, ...extra });
    assert.equal(res.statusCode, 201, res.body);
    const crewId = (res.json() as Json).id;
    const members: TestUser[] = [];
    for (const grade of grades) {
      const u = await createUser(t.db, t.config);
      await t.db.query('INSERT INTO crew_members (crew_id, user_id, grade_level) VALUES ($1, $2, $3)', [crewId, u.id, grade]);
      members.push(u);
    }
    await t.db.query("UPDATE crew_members SET joined_at = $2::timestamptz - interval '1 day' WHERE crew_id = $1", [crewId, since]);
    return { crewId, owner, members };
  }

  async function start(crewId: string, u: TestUser, courseId: string) {
    const res = await call('POST', `/crews/${crewId}/challenges`, u, { course_id: courseId });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as Item;
  }
  const active = async (crewId: string, u: TestUser) => {
    const res = await call('GET', `/crews/${crewId}/challenges/active`, u);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as Item | null;
  };

  describe('starting and ending', () => {
    it('lets the owner and admins start a challenge, and no member of grade 1 to 3 or outsider', async () => {
      const { crewId, owner, members } = await crewOf([4, 3, 2, 1]);
      const [admin, ...below] = members;
      const courseId = await insertCourse(t.db, owner.id);
      const outsider = await createUser(t.db, t.config);
      for (const u of [...below, outsider]) {
        const res = await call('POST', `/crews/${crewId}/challenges`, u, { course_id: courseId });
        assert.equal(res.statusCode, 403, res.body);
      }
      assert.equal((await t.db.query('SELECT 1 FROM crew_challenges WHERE crew_id = $1', [crewId])).rowCount, 0);

      const item = await start(crewId, admin!, courseId);
      assert.equal(item.status, 'active');
      assert.equal(item.created_by, admin!.id);
      assert.equal(item.course_id, courseId);
      assert.equal(item.course_name, 'Test course');
      assert.equal(item.course_distance_meters, 5000);
      assert.deepEqual(item.records, []);
      assert.equal(item.total_participants, 5);
      assert.equal(item.ended_at, null);

      const ended = await call('POST', `/crews/${crewId}/challenges/${item.id}/end`, below[0]!);
      assert.equal(ended.statusCode, 403, 'a grade-3 member cannot end it');
      const byOwner = await call('POST', `/crews/${crewId}/challenges/${item.id}/end`, owner);
      assert.equal(byOwner.statusCode, 200, byOwner.body);
      assert.equal(byOwner.json().status, 'ended');
      assert.ok(byOwner.json().ended_at);
    });

    it('keeps one active challenge per crew, also when two start at once', async () => {
      const { crewId, owner, members } = await crewOf([4]);
      const courseId = await insertCourse(t.db, owner.id);
      const other = await insertCourse(t.db, owner.id);
      const both = await Promise.all([
        call('POST', `/crews/${crewId}/challenges`, owner, { course_id: courseId }),
        call('POST', `/crews/${crewId}/challenges`, members[0]!, { course_id: other }),
      ]);
      assert.deepEqual(both.map((r) => r.statusCode).sort(), [201, 409], both.map((r) => r.body).join(' '));
      assert.equal(both.find((r) => r.statusCode === 409)!.json().code, 'CHALLENGE_LIMIT');
      const again = await call('POST', `/crews/${crewId}/challenges`, owner, { course_id: courseId });
      assert.equal(again.statusCode, 409);
      assert.equal((await t.db.query('SELECT 1 FROM crew_challenges WHERE crew_id = $1', [crewId])).rowCount, 1);

      const current = (await active(crewId, owner))!;
      assert.equal(current.id, both.find((r) => r.statusCode === 201)!.json().id);
      assert.equal((await call('POST', `/crews/${crewId}/challenges/${current.id}/end`, owner)).statusCode, 200);
      const second = await call('POST', `/crews/${crewId}/challenges/${current.id}/end`, owner);
      assert.equal(second.statusCode, 409);
      assert.equal(second.json().code, 'CHALLENGE_NOT_ACTIVE');
      assert.equal(await active(crewId, owner), null, 'no active challenge once ended');
      await start(crewId, owner, other); // the slot is free again
    });

    it('takes only a course the caller may see, and ends only the crew’s own challenges', async () => {
      const { crewId, owner } = await crewOf([]);
      const stranger = await createUser(t.db, t.config);
      const theirPrivate = await insertCourse(t.db, stranger.id, { isPublic: false });
      for (const courseId of [theirPrivate, randomUUID()]) {
        const res = await call('POST', `/crews/${crewId}/challenges`, owner, { course_id: courseId });
        assert.equal(res.statusCode, 404, res.body);
      }
      const bad = await call('POST', `/crews/${crewId}/challenges`, owner, { course_id: 'nope' });
      assert.equal(bad.statusCode, 422);

      const foreign = await crewOf([]);
      const theirs = await start(foreign.crewId, foreign.owner, await insertCourse(t.db, foreign.owner.id));
      for (const id of [theirs.id, randomUUID()]) {
        const res = await call('POST', `/crews/${crewId}/challenges/${id}/end`, owner);
        assert.equal(res.statusCode, 404, res.body);
      }
      assert.equal((await active(foreign.crewId, foreign.owner))!.status, 'active', 'the other crew’s challenge runs on');

      const hidden = await crewOf([], { is_public: false });
      const hiddenOne = await start(hidden.crewId, hidden.owner, await insertCourse(t.db, hidden.owner.id));
      for (const url of [`/crews/${hidden.crewId}/challenges/active`, `/crews/${hidden.crewId}/challenges/history`]) {
        assert.equal((await call('GET', url, stranger)).statusCode, 404, url);
      }
      assert.equal((await call('POST', `/crews/${hidden.crewId}/challenges/${hiddenOne.id}/end`, stranger)).statusCode, 404);
      assert.equal((await active(crewId, stranger)), null, 'anyone signed in reads a public crew');
    });

    it('shows a challenge on a private course only to whoever may see the course', async () => {
      const { crewId, owner, members } = await crewOf([1]);
      const ownPrivate = await insertCourse(t.db, owner.id, { isPublic: false });
      const item = await start(crewId, owner, ownPrivate);
      assert.equal((await active(crewId, owner))!.id, item.id);
      const seen = await call('GET', `/crews/${crewId}/challenges/active`, members[0]!);
      assert.equal(seen.json(), null);
      assert.ok(!seen.body.includes(ownPrivate));
      assert.equal((await call('POST', `/crews/${crewId}/challenges`, owner, { course_id: await insertCourse(t.db, owner.id) })).statusCode, 409);
      assert.equal((await call('POST', `/crews/${crewId}/challenges/${item.id}/end`, owner)).statusCode, 200);
      const history = await call('GET', `/crews/${crewId}/challenges/history`, members[0]!);
      assert.deepEqual(history.json(), { data: [], total_count: 0 });
      assert.equal((await call('GET', `/crews/${crewId}/challenges/history`, owner)).json().total_count, 1);
    });
  });

  describe('progress', () => {
    it('counts members’ runs on the course since the start, never Strava, earlier, other courses’ or non-members’ runs', async () => {
      const since = new Date(Date.now() - 5 * HOUR);
      const { crewId, owner, members } = await crewOf([1, 1, 1], {}, since);
      const [a, b, late] = members;
      const outsider = await createUser(t.db, t.config);
      const courseId = await insertCourse(t.db, owner.id, { distanceMeters: 1000 });
      const otherCourse = await insertCourse(t.db, owner.id, { distanceMeters: 1000 });
      const item = await start(crewId, owner, courseId);
      await t.db.query('UPDATE crew_challenges SET created_at = $2 WHERE id = $1', [item.id, since]);
      // `late` joined 30 minutes after the start: their run before joining is not a member's run.
      await t.db.query('UPDATE crew_members SET joined_at = $3 WHERE crew_id = $1 AND user_id = $2', [crewId, late!.id, new Date(since.getTime() + 30 * MIN)]);
      const at = (minutes: number) => new Date(since.getTime() + minutes * MIN);
      const run = (u: TestUser, finishedMinutes: number, seconds: number | null, extra: object = {}) =>
        insertRun(t.db, { userId: u.id, courseId, finishedAt: at(finishedMinutes), durationSeconds: 300, courseDurationSeconds: seconds, ...extra });

      await run(a!, 10, 300);
      await run(a!, 20, 280);
      await run(a!, 40, 150, { source: 'strava' }); // Strava: shown to its owner only
      await run(a!, 50, 140, { plausible: false });
      await run(a!, 60, 120, { courseId: otherCourse });
      await run(b!, -10, 100); // started before the challenge
      await run(b!, 30, null, { completed: false }); // ran it, did not complete it
      await run(late!, 25, 200); // before joining
      await run(outsider, 30, 90); // not a member

      for (const viewer of [owner, a!, outsider]) {
        const got = (await active(crewId, viewer))!;
        assert.deepEqual(
          got.records.map((r) => [r.user_id, r.best_duration_seconds, r.best_pace_seconds_per_km, r.completed_at, r.run_count]),
          [
            [a!.id, 280, coursePace(280, 1000), at(20).toISOString(), 2],
            [b!.id, null, null, null, 1],
          ],
        );
        assert.equal(got.completed_count, 1);
        assert.equal(got.total_participants, 4);
      }

      // A run after the end does not count; the ended challenge keeps what happened while it ran.
      const ended = await call('POST', `/crews/${crewId}/challenges/${item.id}/end`, owner);
      assert.equal(ended.statusCode, 200);
      const endedAt = new Date(ended.json().ended_at as string);
      await insertRun(t.db, { userId: b!.id, courseId, finishedAt: new Date(endedAt.getTime() + 20 * MIN), durationSeconds: 200, courseDurationSeconds: 100 });
      const [past] = (await call('GET', `/crews/${crewId}/challenges/history`, owner)).json().data as Item[];
      assert.deepEqual(past!.records.map((r) => [r.user_id, r.best_duration_seconds]), [[a!.id, 280], [b!.id, null]]);
      assert.equal(past!.status, 'ended');
    });
  });

  describe('history', () => {
    it('pages ended challenges from 0, the latest ended first, the active one left out', async () => {
      const { crewId, owner } = await crewOf([]);
      const courseId = await insertCourse(t.db, owner.id);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const item = await start(crewId, owner, courseId);
        assert.equal((await call('POST', `/crews/${crewId}/challenges/${item.id}/end`, owner)).statusCode, 200);
        ids.push(item.id);
      }
      // Explicit times: the embedded clock may give consecutive requests the same now().
      for (const [i, id] of ids.entries()) {
        await t.db.query('UPDATE crew_challenges SET created_at = $2, ended_at = $3 WHERE id = $1', [
          id, new Date(Date.now() - (10 - i) * HOUR), new Date(Date.now() - (9 - i) * HOUR),
        ]);
      }
      const running = await start(crewId, owner, courseId);
      const page = async (n: number) => (await call('GET', `/crews/${crewId}/challenges/history?page=${n}&per_page=2`, owner)).json() as { data: Item[]; total_count: number };
      const first = await page(0);
      assert.equal(first.total_count, 3);
      assert.deepEqual(first.data.map((c) => c.id), [ids[2], ids[1]]);
      assert.deepEqual((await page(1)).data.map((c) => c.id), [ids[0]]);
      assert.deepEqual((await page(2)).data, []);
      assert.ok(!first.data.some((c) => c.id === running.id));
      assert.ok(first.data.every((c) => c.status === 'ended'));
      assert.equal((await call('GET', `/crews/${crewId}/challenges/history?per_page=0`, owner)).statusCode, 422);
    });
  });

  describe('the creator’s data', () => {
    it('exports the challenges a user started, and keeps them for the crew when the account goes', async () => {
      const { crewId, owner, members } = await crewOf([4, 1]);
      const [admin, member] = members;
      const item = await start(crewId, admin!, await insertCourse(t.db, owner.id));
      const exported = await crewsData(t.db, admin!.id);
      assert.deepEqual(exported.challenges_started.map((c) => c.id), [item.id]);
      assert.deepEqual((await crewsData(t.db, member!.id)).challenges_started, []);

      await deleteAccount(t.app.deps, t.app.deps.logger, admin!.id);
      const after = (await active(crewId, member!))!;
      assert.equal(after.id, item.id);
      assert.equal(after.created_by, null);
      assert.equal(after.total_participants, 2);
    });
  });

  describe('crew rankings on a course', () => {
    /** A ranked run as the pipeline records it: the run, the ranking and the occupation, in one transaction. */
    async function rankedRun(u: TestUser, courseId: string, seconds: number, finishedAt: Date) {
      await t.db.transaction(async (tx) => {
        const runId = await insertRun(tx, { userId: u.id, courseId, finishedAt, courseDurationSeconds: seconds, distanceMeters: 1000 });
        await recordRankedRun(tx, { runRecordId: runId, userId: u.id, courseId, durationSeconds: seconds, paceSecondsPerKm: coursePace(seconds, 1000), achievedAt: finishedAt });
        await applyRunToCrews(t.app.deps, tx, { runRecordId: runId, userId: u.id, distanceMeters: 1000, countsForOthers: true, rankedCourseId: courseId });
      });
    }
    const rankings = async (courseId: string, u: TestUser, query = '') => {
      const res = await call('GET', `/courses/${courseId}/crew-rankings${query}`, u);
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { data: (Json & { rank: number; crew_id: string; avg_duration_seconds: number })[]; my_crews: Json[]; total_crews: number };
    };

    it('ranks crews as the occupation does: rank 1 holds the course, my crews off the page listed apart', async () => {
      const creator = await createUser(t.db, t.config);
      const courseId = await insertCourse(t.db, creator.id, { distanceMeters: 1000 });
      const base = Date.now() - 5 * HOUR;
      const fast = await crewOf([1, 1, 1], { badge_color: '#112233' });
      const slow = await crewOf([1, 1]);
      const hidden = await crewOf([1, 1], { is_public: false });
      const few = await crewOf([1]);
      const times: [TestUser[], number[]][] = [
        [[fast.owner, ...fast.members], [300, 310, 320, 500]],
        [[slow.owner, ...slow.members], [400, 410, 420]],
        [[hidden.owner, ...hidden.members], [100, 100, 100]], // not public: takes no part
        [[few.owner, ...few.members], [50, 60]], // two ranked members: not enough
      ];
      let minute = 0;
      for (const [users, seconds] of times) {
        for (const [i, u] of users.entries()) await rankedRun(u, courseId, seconds[i]!, new Date(base + ++minute * MIN));
      }

      const viewer = slow.members[0]!;
      const all = await rankings(courseId, viewer);
      assert.equal(all.total_crews, 2);
      assert.deepEqual(all.data.map((e) => [e.rank, e.crew_id, e.avg_duration_seconds, e.completed_count, e.total_participants]), [
        [1, fast.crewId, 310, 4, 4],
        [2, slow.crewId, 410, 3, 3],
      ]);
      assert.equal(all.data[0]!.crew_badge_color, '#112233');
      assert.deepEqual(all.my_crews, [], 'my crew is on the page already');
      const { rows } = await t.db.query<{ crew_id: string; avg_duration_seconds: number }>('SELECT crew_id, avg_duration_seconds FROM course_occupations WHERE course_id = $1', [courseId]);
      assert.deepEqual(rows, [{ crew_id: all.data[0]!.crew_id, avg_duration_seconds: all.data[0]!.avg_duration_seconds }]);

      const firstPage = await rankings(courseId, viewer, '?page=0&per_page=1');
      assert.deepEqual(firstPage.data.map((e) => e.crew_id), [fast.crewId]);
      assert.deepEqual(firstPage.my_crews.map((e) => [e.crew_id, e.rank]), [[slow.crewId, 2]]);
      assert.deepEqual((await rankings(courseId, hidden.owner)).my_crews, [], 'a crew that is not public is not ranked');
    });

    it('is 404 for a private course to all but its creator', async () => {
      const creator = await createUser(t.db, t.config);
      const other = await createUser(t.db, t.config);
      const privateCourse = await insertCourse(t.db, creator.id, { isPublic: false });
      assert.equal((await call('GET', `/courses/${privateCourse}/crew-rankings`, other)).statusCode, 404);
      assert.equal((await call('GET', `/courses/${randomUUID()}/crew-rankings`, other)).statusCode, 404);
      assert.deepEqual(await rankings(privateCourse, creator), { data: [], my_crews: [], total_crews: 0 });
    });
  });
});
