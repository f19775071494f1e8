import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { insertCourse, insertRun } from './helpers/run-records.js';
import { applyRunToEvents, type FinishedRun } from '../src/features/events/progress.js';
import { sendEventReminders } from '../src/features/events/reminders.js';
import { markersInBounds } from '../src/features/events/queries.js';
import type { Queryable } from '../src/infra/db/database.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const HOUR = 3600_000;
const fromNow = (ms: number) => new Date(Date.now() + ms);

describe('events', () => {
  let t: TestApp;
  let creator: TestUser;
  before(async () => {
    t = await createTestApp();
    creator = (await users(1))[0]!;
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, user?: TestUser, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {}, ...(payload ? { payload } : {}) });
  /** Users with a device each, so pushes to them are recorded. */
  const users = (n: number) =>
    Promise.all(
      Array.from({ length: n }, async () => {
        const u = await createUser(t.db, t.config);
        await t.db.query(`INSERT INTO device_tokens (user_id, device_token, platform) VALUES ($1, $2, 'ios')`, [u.id, `token-${u.id}`]);
        return u;
      }),
    );

  /** A valid creation body starting in `startsIn` ms and lasting two hours. */
  const body = (extra: object = {}, startsIn = 24 * HOUR) => ({
    title: 'Han river 10K',
    starts_at: fromNow(startsIn).toISOString(),
    ends_at: fromNow(startsIn + 2 * HOUR).toISOString(),
    center_lat: 37.52,
    center_lng: 126.93,
    ...extra,
  });
  async function createEvent(extra: object = {}, by = creator, startsIn?: number) {
    const res = await call('POST', '/events', by, body(extra, startsIn));
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as Record<string, unknown> & { id: string };
  }
  /** An event written straight into the database (its times may be in the past). */
  async function insertEvent(f: { startsAt: Date; endsAt: Date; courseId?: string | null; targetDistance?: number | null; targetRuns?: number | null; lat?: number; lng?: number }) {
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO events (creator_id, title, starts_at, ends_at, course_id, target_distance_meters, target_runs, center_lat, center_lng)
       VALUES ($1, 'Seeded', $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [creator.id, f.startsAt, f.endsAt, f.courseId ?? null, f.targetDistance ?? null, f.targetRuns ?? null, f.lat ?? null, f.lng ?? null],
    );
    return rows[0]!.id;
  }
  const joinDb = (eventId: string, userId: string) =>
    t.db.query('INSERT INTO event_participants (event_id, user_id) VALUES ($1, $2)', [eventId, userId]);
  const eventRow = async (id: string) => (await t.db.query('SELECT * FROM events WHERE id = $1', [id])).rows[0]!;
  const participants = async (id: string) =>
    (await t.db.query<{ n: number }>('SELECT count(*) AS n FROM event_participants WHERE event_id = $1', [id])).rows[0]!.n;
  const pushes = async (kind: string, userIds: string[]) =>
    (
      await t.db.query<{ user_id: string; cause_key: string; data: Record<string, string> }>(
        'SELECT user_id, cause_key, data FROM push_notifications WHERE kind = $1 AND user_id = ANY($2) ORDER BY user_id',
        [kind, userIds],
      )
    ).rows;

  it('refuses every route without a token', async () => {
    const id = randomUUID();
    for (const [method, url] of [
      ['GET', '/events'], ['POST', '/events'], ['GET', '/events/map-markers?sw_lat=0&sw_lng=0&ne_lat=1&ne_lng=1'],
      ['GET', `/events/${id}`], ['PATCH', `/events/${id}`], ['POST', `/events/${id}/cancel`],
      ['POST', `/events/${id}/join`], ['DELETE', `/events/${id}/join`],
    ] as const) {
      const res = await call(method, url);
      assert.equal(res.statusCode, 401, `${method} ${url}`);
    }
  });

  describe('POST /events', () => {
    it('creates an event with its creator, defaults and rounded numbers (M1)', async () => {
      const ev = await createEvent({ description: 'Easy pace', target_distance_meters: 5000.6, target_runs: 2, max_participants: 10.4 });
      assert.match(ev.id, /^[0-9a-f-]{36}$/);
      assert.equal(ev.title, 'Han river 10K');
      assert.equal(ev.description, 'Easy pace');
      assert.equal(ev.event_type, 'group_run');
      assert.equal(ev.target_distance_meters, 5001);
      assert.equal(ev.target_runs, 2);
      assert.equal(ev.max_participants, 10);
      assert.equal(ev.badge_color, '#FF5252');
      assert.equal(ev.badge_icon, 'trophy');
      assert.equal(ev.status, 'upcoming');
      assert.equal(ev.is_active, true);
      assert.equal(ev.participant_count, 0);
      assert.equal(ev.is_participating, false);
      assert.equal(ev.my_progress, null);
      assert.equal(ev.cancelled_at, null);
      assert.deepEqual(ev.creator, { id: creator.id, nickname: creator.nickname, avatar_url: null });
      // The newer app's EventItem: flat creator and progress fields, no crew schedule.
      assert.deepEqual(
        [ev.creator_nickname, ev.my_progress_distance_meters, ev.my_progress_runs, ev.recurring_schedule, ev.meeting_point],
        [creator.nickname, null, null, null, null],
      );
      assert.deepEqual([ev.center_lat, ev.center_lng], [37.52, 126.93]);
      assert.match(String(ev.starts_at), ISO_UTC);
      assert.equal((await eventRow(ev.id)).creator_id, creator.id);
    });

    it('refuses starts_at not before ends_at, an end in the past and half a meeting point with 422, creating nothing', async () => {
      const before = (await t.db.query<{ n: number }>('SELECT count(*) AS n FROM events')).rows[0]!.n;
      const start = fromNow(HOUR).toISOString();
      for (const [extra, code] of [
        [{ starts_at: start, ends_at: start }, 'INVALID_EVENT_TIMES'],
        [{ starts_at: fromNow(2 * HOUR).toISOString(), ends_at: fromNow(HOUR).toISOString() }, 'INVALID_EVENT_TIMES'],
        [{ starts_at: fromNow(-3 * HOUR).toISOString(), ends_at: fromNow(-HOUR).toISOString() }, 'INVALID_EVENT_TIMES'],
        [{ center_lng: null }, 'INVALID_MEETING_POINT'],
      ] as const) {
        const res = await call('POST', '/events', creator, body(extra));
        assert.equal(res.statusCode, 422, JSON.stringify(extra));
        assert.equal(res.json().code, code);
      }
      const invalid = await call('POST', '/events', creator, body({ starts_at: 'tomorrow' }));
      assert.equal(invalid.statusCode, 422);
      assert.equal(invalid.json().code, 'VALIDATION_ERROR');
      assert.equal((await t.db.query<{ n: number }>('SELECT count(*) AS n FROM events')).rows[0]!.n, before);
    });

    it('takes a public course and meets at its start; refuses a course the creator cannot see or that is private', async () => {
      const [other] = await users(1);
      const publicCourse = await insertCourse(t.db, other!.id);
      const ev = await createEvent({ course_id: publicCourse, center_lat: undefined, center_lng: undefined });
      assert.equal(ev.course_id, publicCourse);
      assert.deepEqual([ev.center_lat, ev.center_lng], [37.5665, 126.978]);

      const othersPrivate = await insertCourse(t.db, other!.id, { isPublic: false });
      const hidden = await call('POST', '/events', creator, body({ course_id: othersPrivate }));
      assert.equal(hidden.statusCode, 404);
      const ownPrivate = await insertCourse(t.db, creator.id, { isPublic: false });
      const mine = await call('POST', '/events', creator, body({ course_id: ownPrivate }));
      assert.equal(mine.statusCode, 422);
      assert.equal(mine.json().code, 'COURSE_NOT_PUBLIC');
      const missing = await call('POST', '/events', creator, body({ course_id: randomUUID() }));
      assert.equal(missing.statusCode, 404);
    });
  });

  describe('PATCH /events/{id}', () => {
    it('lets the creator edit; null clears a field', async () => {
      const ev = await createEvent({ description: 'old', max_participants: 3 });
      const res = await call('PATCH', `/events/${ev.id}`, creator, { title: 'Renamed', description: null, max_participants: 8 });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().title, 'Renamed');
      assert.equal(res.json().description, null);
      assert.equal(res.json().max_participants, 8);
      assert.equal((await eventRow(ev.id)).title, 'Renamed');
    });

    it('refuses anyone but the creator with 403 and changes nothing; unknown ids are 404', async () => {
      const ev = await createEvent();
      const [intruder] = await users(1);
      const res = await call('PATCH', `/events/${ev.id}`, intruder, { title: 'Hijacked' });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'FORBIDDEN');
      const cancel = await call('POST', `/events/${ev.id}/cancel`, intruder);
      assert.equal(cancel.statusCode, 403);
      const row = await eventRow(ev.id);
      assert.equal(row.title, 'Han river 10K');
      assert.equal(row.is_active, true);
      assert.equal((await call('PATCH', `/events/${randomUUID()}`, creator, { title: 'x' })).statusCode, 404);
      // An event made in the database has no creator: nobody edits it.
      const seeded = await insertEvent({ startsAt: fromNow(HOUR), endsAt: fromNow(2 * HOUR) });
      await t.db.query('UPDATE events SET creator_id = NULL WHERE id = $1', [seeded]);
      assert.equal((await call('PATCH', `/events/${seeded}`, creator, { title: 'x' })).statusCode, 403);
    });

    it('checks start before end against the stored values', async () => {
      const ev = await createEvent();
      const res = await call('PATCH', `/events/${ev.id}`, creator, { starts_at: fromNow(30 * HOUR).toISOString() });
      assert.equal(res.statusCode, 422);
      assert.equal(res.json().code, 'INVALID_EVENT_TIMES');
      assert.equal(((await eventRow(ev.id)).starts_at as Date).toISOString(), ev.starts_at);
    });

    it('refuses a capacity below the current participants with 409', async () => {
      const ev = await createEvent({ max_participants: 5 });
      for (const u of await users(3)) assert.equal((await call('POST', `/events/${ev.id}/join`, u)).statusCode, 201);
      const res = await call('PATCH', `/events/${ev.id}`, creator, { max_participants: 2 });
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, 'CAPACITY_BELOW_PARTICIPANTS');
      assert.equal((await eventRow(ev.id)).max_participants, 5);
      assert.equal((await call('PATCH', `/events/${ev.id}`, creator, { max_participants: 3 })).statusCode, 200);
    });

    it('re-evaluates completion when the targets change', async () => {
      const ev = await createEvent({ target_runs: 1 });
      const [runner] = await users(1);
      await call('POST', `/events/${ev.id}/join`, runner);
      await t.db.query('UPDATE event_participants SET progress_runs = 1, completed = true WHERE event_id = $1', [ev.id]);
      await call('PATCH', `/events/${ev.id}`, creator, { target_runs: 2 });
      assert.equal((await call('GET', `/events/${ev.id}`, runner)).json().my_progress.completed, false);
      await call('PATCH', `/events/${ev.id}`, creator, { target_runs: null });
      assert.equal((await call('GET', `/events/${ev.id}`, runner)).json().my_progress.completed, true);
    });
  });

  describe('cancellation', () => {
    it('cancels, keeps the event readable, refuses joins and edits, and pushes to every other participant once', async () => {
      const ev = await createEvent();
      const members = await users(2);
      for (const u of [creator, ...members]) assert.equal((await call('POST', `/events/${ev.id}/join`, u)).statusCode, 201);

      const res = await call('POST', `/events/${ev.id}/cancel`, creator);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().status, 'cancelled');
      assert.equal(res.json().is_active, false);
      assert.match(res.json().cancelled_at, ISO_UTC);

      const read = await call('GET', `/events/${ev.id}`, members[0]);
      assert.equal(read.statusCode, 200);
      assert.equal(read.json().status, 'cancelled');
      const [late] = await users(1);
      const join = await call('POST', `/events/${ev.id}/join`, late);
      assert.equal(join.statusCode, 422);
      assert.equal(join.json().code, 'EVENT_CANCELLED');
      const edit = await call('PATCH', `/events/${ev.id}`, creator, { title: 'Back on' });
      assert.equal(edit.statusCode, 422);
      assert.equal(edit.json().code, 'EVENT_CANCELLED');

      const sent = await pushes('event_cancelled', [creator.id, ...members.map((m) => m.id)]);
      assert.deepEqual(sent.map((p) => p.user_id), members.map((m) => m.id).sort());
      assert.ok(sent.every((p) => p.cause_key === ev.id && p.data.event_id === ev.id));

      // Cancelling again changes nothing and pushes nothing more.
      assert.equal((await call('POST', `/events/${ev.id}/cancel`, creator)).statusCode, 200);
      assert.equal((await pushes('event_cancelled', members.map((m) => m.id))).length, 2);
      // Leaving stays possible.
      assert.equal((await call('DELETE', `/events/${ev.id}/join`, members[0])).statusCode, 204);
    });
  });

  describe('listing and map markers', () => {
    it('lists active, not-ended events (upcoming included) soonest start first, with counts', async () => {
      const [viewer] = await users(1);
      const later = await createEvent({ title: 'Later' }, creator, 48 * HOUR);
      const sooner = await createEvent({ title: 'Sooner' }, creator, 2 * HOUR);
      const ongoing = await insertEvent({ startsAt: fromNow(-HOUR), endsAt: fromNow(HOUR) });
      const ended = await insertEvent({ startsAt: fromNow(-3 * HOUR), endsAt: fromNow(-HOUR) });
      const cancelled = await createEvent({ title: 'Cancelled' });
      await call('POST', `/events/${cancelled.id}/cancel`, creator);
      await call('POST', `/events/${sooner.id}/join`, viewer);

      // Every page.
      type Listed = { id: string; starts_at: string; participant_count: number; is_participating: boolean; status: string };
      const data: Listed[] = [];
      let total_count = 0;
      for (let page = 0; ; page++) {
        const res = await call('GET', `/events?page=${page}&per_page=100`, viewer);
        assert.equal(res.statusCode, 200);
        const body = res.json() as { data: Listed[]; total_count: number };
        data.push(...body.data);
        total_count = body.total_count;
        if (body.data.length < 100) break;
      }
      const expected = (await t.db.query<{ n: number }>('SELECT count(*) AS n FROM events WHERE is_active AND ends_at > now()')).rows[0]!.n;
      assert.equal(total_count, expected);
      assert.equal(data.length, total_count);
      const ids = data.map((e) => e.id);
      assert.ok(ids.includes(later.id) && ids.includes(sooner.id) && ids.includes(ongoing));
      assert.ok(!ids.includes(ended) && !ids.includes(cancelled.id));
      assert.ok(ids.indexOf(ongoing) < ids.indexOf(sooner.id) && ids.indexOf(sooner.id) < ids.indexOf(later.id));
      const starts = data.map((e) => Date.parse(e.starts_at));
      assert.deepEqual(starts, [...starts].sort((a, b) => a - b));
      const s = data.find((e) => e.id === sooner.id)!;
      assert.deepEqual([s.participant_count, s.is_participating], [1, true]);
      assert.equal(data.find((e) => e.id === ongoing)!.status, 'ongoing');

      const page = await call('GET', '/events?page=0&per_page=1', viewer);
      assert.equal(page.json().data.length, 1);
      assert.equal((await call('GET', '/events?per_page=101', viewer)).statusCode, 422);
      const endedDetail = await call('GET', `/events/${ended}`, viewer);
      assert.equal(endedDetail.json().status, 'ended');
    });

    it('answers map markers inside the box (bounds inclusive), soonest end first, across the antimeridian', async () => {
      const [viewer] = await users(1);
      // A spot in the Pacific no other test of this file uses.
      const inside = await insertEvent({ startsAt: fromNow(HOUR), endsAt: fromNow(5 * HOUR), lat: -10, lng: -150 });
      const edge = await insertEvent({ startsAt: fromNow(HOUR), endsAt: fromNow(3 * HOUR), lat: -11, lng: -151 });
      const outside = await insertEvent({ startsAt: fromNow(HOUR), endsAt: fromNow(3 * HOUR), lat: -12, lng: -150 });
      const ended = await insertEvent({ startsAt: fromNow(-2 * HOUR), endsAt: fromNow(-HOUR), lat: -10, lng: -150 });
      const east = await insertEvent({ startsAt: fromNow(HOUR), endsAt: fromNow(3 * HOUR), lat: -10, lng: 179.5 });

      const res = await call('GET', '/events/map-markers?sw_lat=-11&sw_lng=-151&ne_lat=-9&ne_lng=-149', viewer);
      assert.equal(res.statusCode, 200);
      const markers = res.json() as { id: string }[];
      assert.deepEqual(markers.map((m) => m.id), [edge, inside]);
      assert.deepEqual(Object.keys(markers[0]!).sort(), [
        'badge_color', 'badge_icon', 'center_lat', 'center_lng', 'ends_at', 'event_type', 'id', 'participant_count', 'title',
      ]);
      assert.ok(![outside, ended].some((id) => markers.some((m) => m.id === id)));

      const across = await call('GET', '/events/map-markers?sw_lat=-11&sw_lng=179&ne_lat=-9&ne_lng=-149', viewer);
      assert.deepEqual((across.json() as { id: string }[]).map((m) => m.id).sort(), [east, edge, inside].sort());

      const inverted = await call('GET', '/events/map-markers?sw_lat=-9&sw_lng=-151&ne_lat=-11&ne_lng=-149', viewer);
      assert.equal(inverted.statusCode, 422);
      assert.equal((await call('GET', '/events/map-markers?sw_lat=-95&sw_lng=0&ne_lat=0&ne_lng=1', viewer)).statusCode, 422);
    });

    it('finds map markers through the spatial index', async () => {
      const plan = await t.db.transaction(async (tx) => {
        await tx.query('SET LOCAL enable_seqscan = off');
        // The feature's own SQL, explained.
        const explain: Queryable = { query: (text, values) => tx.query(`EXPLAIN ${text}`, values) };
        const rows = (await markersInBounds(explain, [[-151, -11, -149, -9]], 10)) as unknown as { 'QUERY PLAN': string }[];
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      assert.match(plan, /idx_events_active_center_geom/);
    });
  });

  describe('join and leave', () => {
    it('joins with 201, refuses twice, and leaves with 204', async () => {
      const ev = await createEvent();
      const [runner] = await users(1);
      const res = await call('POST', `/events/${ev.id}/join`, runner);
      assert.equal(res.statusCode, 201);
      const p = res.json();
      assert.deepEqual(Object.keys(p).sort(), ['completed', 'event_id', 'joined_at', 'progress_distance_meters', 'progress_runs', 'user_id']);
      assert.deepEqual([p.event_id, p.user_id, p.progress_distance_meters, p.progress_runs, p.completed], [ev.id, runner!.id, 0, 0, false]);
      assert.match(p.joined_at, ISO_UTC);

      const again = await call('POST', `/events/${ev.id}/join`, runner);
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'ALREADY_JOINED');
      const detail = (await call('GET', `/events/${ev.id}`, runner)).json();
      assert.deepEqual([detail.participant_count, detail.is_participating, detail.my_progress.progress_runs], [1, true, 0]);
      assert.deepEqual([detail.my_progress_distance_meters, detail.my_progress_runs], [0, 0]);

      assert.equal((await call('DELETE', `/events/${ev.id}/join`, runner)).statusCode, 204);
      assert.equal(await participants(ev.id), 0);
      const gone = await call('DELETE', `/events/${ev.id}/join`, runner);
      assert.equal(gone.statusCode, 404);
    });

    it('refuses ended or switched-off events with 422 EVENT_ENDED and unknown ones with 404', async () => {
      const [runner] = await users(1);
      const ended = await insertEvent({ startsAt: fromNow(-3 * HOUR), endsAt: fromNow(-HOUR) });
      const res = await call('POST', `/events/${ended}/join`, runner);
      assert.equal(res.statusCode, 422);
      assert.equal(res.json().code, 'EVENT_ENDED');
      const off = await insertEvent({ startsAt: fromNow(HOUR), endsAt: fromNow(2 * HOUR) });
      await t.db.query('UPDATE events SET is_active = false WHERE id = $1', [off]);
      assert.equal((await call('POST', `/events/${off}/join`, runner)).json().code, 'EVENT_ENDED');
      assert.equal((await call('POST', `/events/${randomUUID()}/join`, runner)).statusCode, 404);
      assert.equal(await participants(ended), 0);
    });

    it('never goes over capacity under concurrent joins', async () => {
      const ev = await createEvent({ max_participants: 5 });
      const runners = await users(20);
      const results = await Promise.all(runners.map((u) => call('POST', `/events/${ev.id}/join`, u)));
      const codes = results.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 201).length, 5);
      assert.equal(codes.filter((c) => c === 409).length, 15);
      assert.ok(results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'EVENT_FULL'));
      assert.equal(await participants(ev.id), 5);
      // A place freed is taken again.
      const joined = runners.find((_, i) => codes[i] === 201)!;
      await call('DELETE', `/events/${ev.id}/join`, joined);
      const outsider = runners.find((_, i) => codes[i] === 409)!;
      assert.equal((await call('POST', `/events/${ev.id}/join`, outsider)).statusCode, 201);
      assert.equal((await call('POST', `/events/${ev.id}/join`, joined)).json().code, 'EVENT_FULL');
    });
  });

  describe('progress from runs', () => {
    const run = async (userId: string, f: Partial<FinishedRun> & { finishedAt: Date }) => {
      const runRecordId = await insertRun(t.db, {
        userId,
        finishedAt: f.finishedAt,
        distanceMeters: Math.round(f.distanceMeters ?? 3000),
        courseId: f.courseId ?? null,
        completed: f.courseCompleted ?? null,
        source: (f.source as 'app' | 'strava' | undefined) ?? 'app',
      });
      const full: FinishedRun = {
        userId,
        runRecordId,
        distanceMeters: 3000,
        startedAt: new Date(f.finishedAt.getTime() - 1800_000),
        courseId: null,
        courseCompleted: false,
        source: 'app',
        ...f,
      };
      return { full, moved: await t.db.transaction((tx) => applyRunToEvents(tx, full)) };
    };
    const progress = async (eventId: string, userId: string) =>
      (await t.db.query('SELECT progress_distance_meters, progress_runs, completed FROM event_participants WHERE event_id = $1 AND user_id = $2', [eventId, userId])).rows[0];

    it('counts runs finished inside the window, once each, and completes when every target is met', async () => {
      const [runner, bystander] = await users(2);
      const ev = await insertEvent({ startsAt: fromNow(-2 * HOUR), endsAt: fromNow(2 * HOUR), targetDistance: 5000, targetRuns: 2 });
      await joinDb(ev, runner!.id);

      const first = await run(runner!.id, { finishedAt: fromNow(-HOUR), distanceMeters: 3000.4 });
      assert.deepEqual(first.moved, [{ event_id: ev, progress_distance_meters: 3000, progress_runs: 1, completed: false }]);
      // The same run again (a retried completion) changes nothing.
      assert.deepEqual(await t.db.transaction((tx) => applyRunToEvents(tx, first.full)), []);
      // Outside the window: before the start, and at the end (the window is half-open).
      await run(runner!.id, { finishedAt: fromNow(-3 * HOUR), distanceMeters: 9000 });
      const end = (await eventRow(ev)).ends_at as Date;
      await run(runner!.id, { finishedAt: end, distanceMeters: 9000 });
      assert.deepEqual(await progress(ev, runner!.id), { progress_distance_meters: 3000, progress_runs: 1, completed: false });

      await run(runner!.id, { finishedAt: fromNow(-30 * 60_000), distanceMeters: 2500 });
      assert.deepEqual(await progress(ev, runner!.id), { progress_distance_meters: 5500, progress_runs: 2, completed: true });
      const mine = (await call('GET', `/events/${ev}`, runner)).json().my_progress;
      assert.deepEqual([mine.progress_distance_meters, mine.progress_runs, mine.completed], [5500, 2, true]);

      // Someone who did not join gets nothing.
      assert.deepEqual((await run(bystander!.id, { finishedAt: fromNow(-HOUR) })).moved, []);
    });

    it('on an event with a course, counts only runs that completed that course', async () => {
      const [runner] = await users(1);
      const course = await insertCourse(t.db, creator.id);
      const otherCourse = await insertCourse(t.db, creator.id);
      const ev = await insertEvent({ startsAt: fromNow(-2 * HOUR), endsAt: fromNow(2 * HOUR), courseId: course, targetRuns: 1 });
      await joinDb(ev, runner!.id);

      assert.deepEqual((await run(runner!.id, { finishedAt: fromNow(-HOUR) })).moved, []);
      assert.deepEqual((await run(runner!.id, { finishedAt: fromNow(-HOUR), courseId: course, courseCompleted: false })).moved, []);
      assert.deepEqual((await run(runner!.id, { finishedAt: fromNow(-HOUR), courseId: otherCourse, courseCompleted: true })).moved, []);
      const done = await run(runner!.id, { finishedAt: fromNow(-HOUR), courseId: course, courseCompleted: true, distanceMeters: 5000 });
      assert.deepEqual(done.moved, [{ event_id: ev, progress_distance_meters: 5000, progress_runs: 1, completed: true }]);
    });

    it('counts a Strava run for its owner, ignores cancelled events, and counts concurrent runs without losing one', async () => {
      const [runner] = await users(1);
      const ev = await insertEvent({ startsAt: fromNow(-2 * HOUR), endsAt: fromNow(2 * HOUR) });
      const cancelled = await insertEvent({ startsAt: fromNow(-2 * HOUR), endsAt: fromNow(2 * HOUR) });
      await joinDb(ev, runner!.id);
      await joinDb(cancelled, runner!.id);
      await t.db.query('UPDATE events SET is_active = false, cancelled_at = now() WHERE id = $1', [cancelled]);

      const strava = await run(runner!.id, { finishedAt: fromNow(-HOUR), source: 'strava', distanceMeters: 1000 });
      assert.deepEqual(strava.moved.map((m) => m.event_id), [ev]);
      await Promise.all(Array.from({ length: 5 }, () => run(runner!.id, { finishedAt: fromNow(-HOUR), distanceMeters: 1000 })));
      assert.deepEqual(await progress(ev, runner!.id), { progress_distance_meters: 6000, progress_runs: 6, completed: true });
      assert.deepEqual(await progress(cancelled, runner!.id), { progress_distance_meters: 0, progress_runs: 0, completed: false });
    });

    it('takes a deleted run back out of the events it counted for', async () => {
      const [runner] = await users(1);
      const ev = await insertEvent({ startsAt: fromNow(-2 * HOUR), endsAt: fromNow(2 * HOUR), targetDistance: 5000, targetRuns: 2 });
      const distanceOnly = await insertEvent({ startsAt: fromNow(-2 * HOUR), endsAt: fromNow(2 * HOUR), targetDistance: 2000 });
      await joinDb(ev, runner!.id);
      await joinDb(distanceOnly, runner!.id);
      const first = await run(runner!.id, { finishedAt: fromNow(-HOUR), distanceMeters: 3000 });
      const second = await run(runner!.id, { finishedAt: fromNow(-HOUR), distanceMeters: 2500 });
      // Counted nowhere (finished before both events): deleting it moves nothing.
      const outside = await run(runner!.id, { finishedAt: fromNow(-3 * HOUR), distanceMeters: 9000 });
      assert.deepEqual(await progress(ev, runner!.id), { progress_distance_meters: 5500, progress_runs: 2, completed: true });
      const contributions = async (runId: string) =>
        (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_run_contributions WHERE run_record_id = $1', [runId])).rows[0]!.n;
      assert.equal(await contributions(second.full.runRecordId), 2);

      const del = (runId: string) => call('DELETE', `/runs/${runId}`, runner);
      assert.equal((await del(outside.full.runRecordId)).statusCode, 204);
      assert.deepEqual(await progress(ev, runner!.id), { progress_distance_meters: 5500, progress_runs: 2, completed: true });

      assert.equal((await del(second.full.runRecordId)).statusCode, 204);
      assert.deepEqual(await progress(ev, runner!.id), { progress_distance_meters: 3000, progress_runs: 1, completed: false });
      // Still over its 2,000 m target.
      assert.deepEqual(await progress(distanceOnly, runner!.id), { progress_distance_meters: 3000, progress_runs: 1, completed: true });
      assert.equal(await contributions(second.full.runRecordId), 0);
      const mine = (await call('GET', `/events/${ev}`, runner)).json().my_progress;
      assert.deepEqual([mine.progress_distance_meters, mine.progress_runs, mine.completed], [3000, 1, false]);

      assert.equal((await del(first.full.runRecordId)).statusCode, 204);
      assert.deepEqual(await progress(ev, runner!.id), { progress_distance_meters: 0, progress_runs: 0, completed: false });
      assert.deepEqual(await progress(distanceOnly, runner!.id), { progress_distance_meters: 0, progress_runs: 0, completed: false });
      assert.equal(await contributions(first.full.runRecordId), 0);
      // Deleting it again is a 404 and changes nothing.
      assert.equal((await del(first.full.runRecordId)).statusCode, 404);
    });
  });

  describe('reminders', () => {
    it('reminds the participants of events starting soon once, again after the start moved, and late joiners', async () => {
      const members = await users(2);
      const soon = await createEvent({}, creator, 30 * 60_000);
      const later = await createEvent({}, creator, 3 * HOUR);
      for (const m of members) {
        await call('POST', `/events/${soon.id}/join`, m);
        await call('POST', `/events/${later.id}/join`, m);
      }
      const ids = members.map((m) => m.id);

      assert.ok((await sendEventReminders(t.app.deps)) >= 2);
      let sent = await pushes('event_reminder', ids);
      assert.deepEqual(sent.map((p) => p.user_id), [...ids].sort());
      assert.ok(sent.every((p) => p.data.event_id === soon.id));
      assert.equal((await sendEventReminders(t.app.deps)), 0);
      assert.equal((await pushes('event_reminder', ids)).length, 2);

      // Joining after the reminder went out: reminded at once.
      const [late] = await users(1);
      await call('POST', `/events/${soon.id}/join`, late);
      assert.equal((await pushes('event_reminder', [late!.id])).length, 1);

      // A new start time is a new reminder.
      const moved = fromNow(40 * 60_000).toISOString();
      assert.equal((await call('PATCH', `/events/${soon.id}`, creator, { starts_at: moved })).statusCode, 200);
      await sendEventReminders(t.app.deps);
      sent = await pushes('event_reminder', ids);
      assert.equal(sent.length, 4);
      assert.equal(sent.filter((p) => p.data.starts_at === moved).length, 2);

      // A cancelled event is not reminded.
      await call('PATCH', `/events/${later.id}`, creator, { starts_at: fromNow(20 * 60_000).toISOString() });
      await call('POST', `/events/${later.id}/cancel`, creator);
      await sendEventReminders(t.app.deps);
      assert.equal((await pushes('event_reminder', ids)).filter((p) => p.data.event_id === later.id).length, 0);
    });

    it('are swept by the job workers', async () => {
      const [member] = await users(1);
      const ev = await createEvent({}, creator, 10 * 60_000);
      await call('POST', `/events/${ev.id}/join`, member);
      // The workers run the sweep once as they start.
      const workers = await createTestApp({ RUN_WORKERS: 'true' });
      try {
        const deadline = Date.now() + 15_000;
        while ((await pushes('event_reminder', [member!.id])).length === 0 && Date.now() < deadline) await sleep(50);
      } finally {
        await workers.close();
      }
      assert.deepEqual((await pushes('event_reminder', [member!.id])).map((p) => p.data.event_id), [ev.id]);
    });
  });
});
