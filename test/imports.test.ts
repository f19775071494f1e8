// Activity file imports: GPX, TCX and FIT files become runs through the shared run pipeline (course matching,
// rankings, counters), duplicates are recognised, hostile and broken files fail cleanly, and deleting an import
// undoes its run.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { trackLengthMeters, type TrackPoint } from '../src/features/matching/geo.js';
import { processImport } from '../src/features/imports/job.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { waitForIdleQueue } from './helpers/jobs.js';
import { deleteTestCourses, freshSpot, insertCourse, shifted } from './helpers/runs.js';
import { course, join, simulateRun, type XY } from './helpers/tracks.js';
import { createUser, type TestUser } from './helpers/users.js';
import { encodeRunWithPause, FIT_SERIAL } from './fixtures/imports/make-fit.js';

const FIXTURES = new URL('./fixtures/imports/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));
const MiB = 1024 * 1024;

// Point-to-point course of 1,200 m; the runner warms up 300 m before its start and runs on 200 m past its finish.
const COURSE: XY[] = [[0, 0], [500, 0], [500, 300], [900, 300]];
const RUN_PATH: XY[] = join([[-300, 0]], COURSE, [[900, 500]]);

const iso = (t: number) => new Date(t).toISOString();

function gpxOf(points: readonly TrackPoint[], creator = 'RunCrew tests', withTime = true): Buffer {
  const pts = points
    .map((p, i) => `<trkpt lat="${p.lat}" lon="${p.lng}"><ele>${(20 + i / 100).toFixed(1)}</ele>${withTime ? `<time>${iso(p.t)}</time>` : ''}</trkpt>`)
    .join('\n');
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="${creator}" xmlns="http://www.topografix.com/GPX/1/1">` +
      `<trk><name>Morning run</name><trkseg>\n${pts}\n</trkseg></trk></gpx>\n`,
  );
}

/** A TCX activity with one lap per part of `laps`, each with the watch's timer time. */
function tcxOf(laps: { points: readonly TrackPoint[]; seconds: number }[]): Buffer {
  const lapXml = laps
    .map(
      ({ points, seconds }) =>
        `<Lap StartTime="${iso(points[0]!.t)}"><TotalTimeSeconds>${seconds}</TotalTimeSeconds><Calories>80</Calories><Track>` +
        points
          .map(
            (p) =>
              `<Trackpoint><Time>${iso(p.t)}</Time><Position><LatitudeDegrees>${p.lat}</LatitudeDegrees>` +
              `<LongitudeDegrees>${p.lng}</LongitudeDegrees></Position><AltitudeMeters>15</AltitudeMeters></Trackpoint>`,
          )
          .join('') +
        `</Track></Lap>`,
    )
    .join('');
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">` +
      `<Activities><Activity Sport="Running"><Id>${iso(laps[0]!.points[0]!.t)}</Id>${lapXml}` +
      `<Creator><Name>Forerunner &amp; Co</Name></Creator></Activity></Activities></TrainingCenterDatabase>`,
  );
}

function multipart(data: Buffer, filename: string, field = 'file', type = 'application/octet-stream') {
  const boundary = `----runcrew${randomUUID()}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([Buffer.from(head), data, Buffer.from(`\r\n--${boundary}--\r\n`)]),
  };
}

interface ImportDetail {
  id: string;
  source: string;
  status: string;
  original_filename: string | null;
  import_summary: Record<string, number | string | null> | null;
  course_match: { course_id: string; course_title: string; match_percent: number; is_completed: boolean } | null;
  run_record_id: string | null;
  error_message: string | null;
}

describe('activity file imports', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ RUN_WORKERS: 'true', JOB_POLL_SECONDS: '0.5' });
  });
  after(async () => {
    await deleteTestCourses(t.db);
    await t.close();
  });

  const upload = (user: TestUser, data: Buffer, filename = 'run.gpx', field = 'file') => {
    const { headers, payload } = multipart(data, filename, field);
    return t.app.inject({ method: 'POST', url: '/api/v1/imports/upload', headers: { ...headers, ...user.auth }, payload });
  };

  const getImport = (user: TestUser, id: string) => t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: user.auth });

  /** Polls the import as the app does until it is completed or failed. */
  async function settled(user: TestUser, id: string): Promise<ImportDetail> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await getImport(user, id);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json<ImportDetail>();
      if (body.status === 'completed' || body.status === 'failed') return body;
      if (Date.now() > deadline) throw new Error(`import ${id} is still ${body.status}`);
      await sleep(100);
    }
  }

  async function imported(user: TestUser, data: Buffer, filename = 'run.gpx'): Promise<ImportDetail> {
    const res = await upload(user, data, filename);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().status, 'pending');
    return settled(user, res.json().import_id);
  }

  const userTotals = async (user: TestUser) =>
    (await t.db.query<{ total_runs: number; total_distance_meters: number }>('SELECT total_runs, total_distance_meters FROM users WHERE id = $1', [user.id]))
      .rows[0]!;
  const runCount = async (user: TestUser) =>
    (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM run_records WHERE user_id = $1', [user.id])).rows[0]!.n;
  const storedKey = async (id: string) =>
    (await t.db.query<{ file_path: string }>('SELECT file_path FROM external_imports WHERE id = $1', [id])).rows[0]!.file_path;
  const diskPath = (key: string) => joinPath(t.config.UPLOAD_DIR, 'private', key);

  /** A run at a spot of its own (so no other test's course is near), standing 120 s at 800 m with no fixes meanwhile. */
  const pausedRun = (seed = 1) =>
    simulateRun({
      path: shifted([[0, 0], [1500, 0]], freshSpot()),
      speed: 3,
      noise: 2,
      seed,
      startTime: Date.UTC(2025, 3, 1, 6, 0, 0) + seed * 86_400_000,
      pauses: [{ at: 800, seconds: 120 }],
      gaps: [{ at: 800, seconds: 120 }],
    }).points;

  it('turns a GPX file into a run whose moving time leaves out the pause', async () => {
    const user = await createUser(t.db, t.config);
    const points = pausedRun(1);
    const detail = await imported(user, gpxOf(points), 'Morning Run.gpx');
    assert.equal(detail.status, 'completed', detail.error_message ?? '');
    assert.equal(detail.source, 'gpx_upload');
    assert.equal(detail.original_filename, 'Morning Run.gpx');
    assert.equal(detail.course_match, null);

    const distance = Math.round(trackLengthMeters(points));
    const elapsed = (points[points.length - 1]!.t - points[0]!.t) / 1000;
    const summary = detail.import_summary!;
    assert.equal(summary.distance_meters, distance);
    assert.equal(summary.total_elapsed_seconds, Math.round(elapsed));
    assert.ok(Math.abs((summary.duration_seconds as number) - (elapsed - 120)) <= 2, `moving ${summary.duration_seconds}, elapsed ${elapsed}`);
    assert.equal(summary.point_count, points.length);
    assert.equal(summary.source_device, 'RunCrew tests');

    const run = await t.app.inject({ method: 'GET', url: `/api/v1/runs/${detail.run_record_id}`, headers: user.auth });
    assert.equal(run.statusCode, 200, run.body);
    assert.equal(run.json().distance_meters, distance);
    assert.equal(run.json().duration_seconds, summary.duration_seconds);
    assert.equal(run.json().started_at, iso(points[0]!.t));
    assert.equal(run.json().finished_at, iso(points[points.length - 1]!.t));
    assert.equal(run.json().splits.length, 1);
    assert.equal(run.json().route_geometry.coordinates.length, points.length);
    const { rows } = await t.db.query<{ source: string; status: string; external_import_id: string }>(
      'SELECT r.source, s.status, r.external_import_id FROM run_records r JOIN run_sessions s ON s.id = r.session_id WHERE r.id = $1',
      [detail.run_record_id],
    );
    assert.deepEqual(rows[0], { source: 'gpx_upload', status: 'imported', external_import_id: detail.id });
    assert.deepEqual(await userTotals(user), { total_runs: 1, total_distance_meters: distance });
  });

  it('reads FIT files with the watch timer, whatever the extension says', async () => {
    const fit = fixture('run-with-pause.fit');
    const user = await createUser(t.db, t.config);
    const detail = await imported(user, fit, 'Afternoon.fit');
    assert.equal(detail.status, 'completed', detail.error_message ?? '');
    assert.equal(detail.source, 'fit_upload');
    // The timer was stopped for 100 s while the watch kept recording a walk: moving time is the timer's 666 s.
    assert.deepEqual(
      { ...detail.import_summary, distance_meters: Math.round((detail.import_summary!.distance_meters as number) / 5) * 5 },
      {
        distance_meters: 2100,
        duration_seconds: 666,
        total_elapsed_seconds: 766,
        avg_pace_seconds_per_km: Math.round(666_000 / (detail.import_summary!.distance_meters as number)),
        elevation_gain_meters: 20,
        elevation_loss_meters: 10,
        point_count: 767,
        source_device: 'RunCrew Test Watch',
      },
    );
    const run = (await t.db.query<{ calories: number; pause_intervals: unknown[] }>('SELECT calories, pause_intervals FROM run_records WHERE id = $1', [
      detail.run_record_id,
    ])).rows[0]!;
    assert.equal(run.calories, 150);
    assert.equal(run.pause_intervals.length, 1);

    // Someone else's copy named .gpx is still read as FIT; the stored file gets the right extension.
    const other = await createUser(t.db, t.config);
    const renamed = await imported(other, fit, 'morning-run.gpx');
    assert.equal(renamed.status, 'completed', renamed.error_message ?? '');
    assert.equal(renamed.source, 'fit_upload');
    assert.match(await storedKey(renamed.id), /^imports\/[0-9a-f]{32}\.fit$/);
  });

  it('reads TCX files with the lap timer as moving time', async () => {
    const user = await createUser(t.db, t.config);
    // Standing 60 s at 700 m with fixes still coming: only the laps' timer says it was a pause.
    const points = simulateRun({
      path: shifted([[0, 0], [1400, 0]], freshSpot()),
      speed: 3,
      noise: 2,
      startTime: Date.UTC(2025, 2, 1, 7, 0, 0),
      pauses: [{ at: 700, seconds: 60 }],
    }).points;
    // Two laps split at the pause; the second lap's timer leaves out the 60 s standing.
    const split = Math.round(700 / 3 + 1);
    const firstLap = points.slice(0, split);
    const secondLap = points.slice(split);
    const lapSeconds = (p: readonly TrackPoint[]) => (p[p.length - 1]!.t - p[0]!.t) / 1000;
    const laps = [
      { points: firstLap, seconds: lapSeconds(firstLap) },
      { points: secondLap, seconds: lapSeconds(secondLap) - 60 },
    ];
    const detail = await imported(user, tcxOf(laps), 'x.tcx');
    assert.equal(detail.status, 'completed', detail.error_message ?? '');
    assert.equal(detail.source, 'tcx_upload');
    assert.equal(detail.import_summary!.duration_seconds, Math.round(laps[0]!.seconds + laps[1]!.seconds));
    assert.equal(detail.import_summary!.total_elapsed_seconds, Math.round(lapSeconds(points)));
    assert.equal(detail.import_summary!.source_device, 'Forerunner & Co');
    assert.equal(detail.import_summary!.point_count, points.length);
  });

  it('matches a file that covers a course, ranks it, and deleting the import undoes all of it', async () => {
    const owner = await createUser(t.db, t.config);
    const runner = await createUser(t.db, t.config);
    const spot = freshSpot();
    const courseId = await insertCourse(t.db, owner.id, course(shifted(COURSE, spot), 10), { title: 'Riverside 1.2K' });
    const points = simulateRun({ path: shifted(RUN_PATH, spot), speed: 3, noise: 4, startTime: Date.UTC(2025, 4, 2, 6, 0, 0) }).points;

    const detail = await imported(runner, gpxOf(points));
    assert.equal(detail.status, 'completed', detail.error_message ?? '');
    assert.equal(detail.course_match?.course_id, courseId);
    assert.equal(detail.course_match?.course_title, 'Riverside 1.2K');
    assert.equal(detail.course_match?.is_completed, true);
    assert.ok(detail.course_match!.match_percent >= 90);

    const runId = detail.run_record_id!;
    const run = await t.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: runner.auth });
    assert.equal(run.json().course.id, courseId);
    assert.equal(run.json().course_completion.is_completed, true);
    const ranking = await t.db.query<{ user_id: string; run_record_id: string; best_duration_seconds: number }>(
      'SELECT user_id, run_record_id, best_duration_seconds FROM rankings WHERE course_id = $1',
      [courseId],
    );
    assert.equal(ranking.rows.length, 1);
    assert.equal(ranking.rows[0]!.run_record_id, runId);
    // Ranked on the course's own stretch (about 400 s at 3 m/s), not the whole run.
    assert.ok(Math.abs(ranking.rows[0]!.best_duration_seconds - 400) <= 20, String(ranking.rows[0]!.best_duration_seconds));
    await waitForIdleQueue(t.db, 'course-stats');
    const stats = async () => (await t.db.query<{ total_runs: number }>('SELECT total_runs FROM course_stats WHERE course_id = $1', [courseId])).rows[0];
    assert.equal((await stats())?.total_runs, 1);
    const totals = await userTotals(runner);
    assert.equal(totals.total_runs, 1);

    // Nobody else can see or delete it.
    const stranger = await createUser(t.db, t.config);
    assert.equal((await getImport(stranger, detail.id)).statusCode, 404);
    const strangerDelete = await t.app.inject({ method: 'DELETE', url: `/api/v1/imports/${detail.id}`, headers: stranger.auth });
    assert.equal(strangerDelete.statusCode, 404);
    assert.equal(strangerDelete.json().code, 'NOT_FOUND');

    const key = await storedKey(detail.id);
    assert.ok(existsSync(diskPath(key)));
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/imports/${detail.id}`, headers: runner.auth });
    assert.equal(del.statusCode, 204, del.body);
    assert.equal((await getImport(runner, detail.id)).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: runner.auth })).statusCode, 404);
    assert.deepEqual(await userTotals(runner), { total_runs: 0, total_distance_meters: 0 });
    assert.equal((await t.db.query('SELECT 1 FROM rankings WHERE course_id = $1', [courseId])).rows.length, 0);
    assert.equal(existsSync(diskPath(key)), false);
    await waitForIdleQueue(t.db, 'course-stats');
    assert.equal((await stats())?.total_runs ?? 0, 0);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/imports/${detail.id}`, headers: runner.auth })).statusCode, 404);
  });

  it('answers the same bytes with the first import, even when two uploads race', async () => {
    const user = await createUser(t.db, t.config);
    const gpx = gpxOf(pausedRun(2));
    const [a, b] = await Promise.all([upload(user, gpx), upload(user, gpx, 'copy.gpx')]);
    assert.equal(a.statusCode, 201, a.body);
    assert.equal(b.statusCode, 201, b.body);
    assert.equal(a.json().import_id, b.json().import_id);
    const first = await settled(user, a.json().import_id);
    assert.equal(first.status, 'completed');

    const again = await upload(user, gpx, 'again.gpx');
    assert.equal(again.statusCode, 201);
    assert.deepEqual(again.json(), { import_id: first.id, status: 'completed', message: again.json().message });
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM external_imports WHERE user_id = $1', [user.id]);
    assert.equal(rows[0]!.n, 1);
    assert.equal(await runCount(user), 1);
    // Only the first upload's file is kept.
    const files = await t.db.query<{ file_path: string }>('SELECT file_path FROM external_imports WHERE user_id = $1', [user.id]);
    assert.ok(existsSync(diskPath(files.rows[0]!.file_path)));
  });

  it('does not import the same activity twice from different files', async () => {
    const user = await createUser(t.db, t.config);
    const points = pausedRun(3);
    assert.equal((await imported(user, gpxOf(points, 'Phone app'))).status, 'completed');
    // The same track exported by another app: other bytes, same start and distance.
    const copy = await imported(user, gpxOf(points, 'Another app'));
    assert.equal(copy.status, 'failed');
    assert.match(copy.error_message!, /already imported/);
    assert.equal(copy.run_record_id, null);

    // A FIT file with the same file_id (serial number and creation time), even with its times shifted an hour.
    assert.equal((await imported(user, fixture('run-with-pause.fit'), 'a.fit')).status, 'completed');
    const shifted1h = await imported(user, Buffer.from(encodeRunWithPause(FIT_SERIAL, 3600)), 'b.fit');
    assert.equal(shifted1h.status, 'failed');
    assert.match(shifted1h.error_message!, /already imported/);
    // Another watch (another serial number) at that shifted time is a different activity.
    assert.equal((await imported(user, Buffer.from(encodeRunWithPause(FIT_SERIAL + 1, 3600)), 'c.fit')).status, 'completed');
    assert.equal(await runCount(user), 3);
  });

  it('processes an import once, however often the job runs', async () => {
    const user = await createUser(t.db, t.config);
    const res = await upload(user, gpxOf(pausedRun(4)));
    const id = res.json().import_id as string;
    const log = t.app.deps.logger;
    // Alongside the worker: two more runs of the job at once, then one after it finished.
    await Promise.all([processImport(t.app.deps, log, id), processImport(t.app.deps, log, id)]);
    const detail = await settled(user, id);
    assert.equal(detail.status, 'completed');
    await processImport(t.app.deps, log, id);
    await waitForIdleQueue(t.db, 'import-file');
    assert.equal(await runCount(user), 1);
    assert.equal((await userTotals(user)).total_runs, 1);
    assert.equal((await getImport(user, id)).json().run_record_id, detail.run_record_id);
  });

  it('fails broken and hostile files with a reason, and keeps working', async () => {
    const user = await createUser(t.db, t.config);
    const good = gpxOf(pausedRun(5));
    const fit = fixture('run-with-pause.fit');
    const manyPoints = Buffer.from(
      `<gpx creator="x"><trk><trkseg>${'<trkpt lat="37.5" lon="127.5"/>'.repeat(200_000)}</trkseg></trk></gpx>`,
    );
    const fitHeaderOnly = Buffer.concat([fit.subarray(0, 14), Buffer.alloc(500, 0x41)]);
    // Markup floods: cheap to send, a gigabyte of memory for an XML tree builder.
    const elementFlood = Buffer.from(`<gpx creator="x"><trk><trkseg>${'<x/>'.repeat(1_000_000)}</trkseg></trk></gpx>`);
    const junkAttributes = Array.from({ length: 100_000 }, (_, i) => `a${i}="x"`).join(' ');
    const attributeFlood = Buffer.from(`<gpx creator="x"><trk><trkseg><trkpt lat="1" lon="1" ${junkAttributes}/></trkseg></trk></gpx>`);
    const cases: [string, Buffer, string, RegExp][] = [
      ['truncated XML', good.subarray(0, Math.floor(good.length / 2)), 'a.gpx', /not well-formed XML/],
      ['truncated FIT', fit.subarray(0, fit.length - 200), 'a.fit', /damaged or incomplete/],
      ['FIT header, garbage body', fitHeaderOnly, 'b.fit', /damaged or incomplete/],
      ['billion laughs', fixture('billion-laughs.gpx'), 'bomb.gpx', /DOCTYPE/],
      ['external entity', fixture('external-entity.gpx'), 'xxe.gpx', /DOCTYPE/],
      ['200,000 points', manyPoints, 'big.gpx', /more than 100,000 track points/],
      ['a million empty elements', elementFlood, 'flood.gpx', /far more XML elements/],
      ['100,000 attributes', attributeFlood, 'attrs.gpx', /too many attributes/],
      ['no timestamps', gpxOf(pausedRun(6), 'x', false), 'route.gpx', /fewer than two timed GPS points/],
      ['a route shorter than 100 m', gpxOf(pausedRun(7).slice(0, 20)), 'short.gpx', /shorter than 100 m/],
      ['TCX without activities', Buffer.from('<TrainingCenterDatabase><Activities/></TrainingCenterDatabase>'), 'e.tcx', /no activity/],
    ];
    const ids = [];
    for (const [, data, name] of cases) {
      const res = await upload(user, data, name);
      assert.equal(res.statusCode, 201, `${name}: ${res.body}`);
      ids.push(res.json().import_id as string);
    }
    for (const [i, [what, , , reason]] of cases.entries()) {
      const detail = await settled(user, ids[i]!);
      assert.equal(detail.status, 'failed', what);
      assert.match(detail.error_message!, reason, what);
      assert.doesNotMatch(detail.error_message!, /root:|lollol/, what);
      assert.equal(detail.run_record_id, null, what);
    }
    assert.equal(await runCount(user), 0);
    // A failed file uploaded again is tried again (and fails again), as a new import.
    const retry = await upload(user, cases[0]![1], 'a.gpx');
    assert.notEqual(retry.json().import_id, ids[0]);
    assert.equal((await settled(user, retry.json().import_id)).status, 'failed');
    assert.equal((await getImport(user, ids[0]!)).statusCode, 404);
    // The server is fine: a good file still imports.
    assert.equal((await imported(user, good)).status, 'completed');
  });

  it('refuses what is not an activity file, too large, or not multipart', async () => {
    const user = await createUser(t.db, t.config);
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    for (const [data, name] of [
      [png, 'run.gpx'],
      [Buffer.from('lat,lng\n37.5,127.0\n'), 'run.fit'],
      [Buffer.from('<?xml version="1.0"?><kml><Document/></kml>'), 'run.gpx'],
      [Buffer.alloc(0), 'empty.gpx'],
    ] as const) {
      const res = await upload(user, data, name);
      assert.equal(res.statusCode, 400, `${name}: ${res.body}`);
      assert.equal(res.json().code, 'VALIDATION_ERROR');
    }
    const big = Buffer.concat([Buffer.from('<gpx creator="x"><!-- '), Buffer.alloc(20 * MiB, 0x20), Buffer.from(' --></gpx>')]);
    const tooLarge = await upload(user, big, 'big.gpx');
    assert.equal(tooLarge.statusCode, 413, tooLarge.body);
    assert.equal(tooLarge.json().code, 'UPLOAD_TOO_LARGE');

    const wrongField = await upload(user, gpxOf(pausedRun(8)), 'run.gpx', 'upload');
    assert.equal(wrongField.statusCode, 422);
    assert.deepEqual(wrongField.json().detail[0].loc, ['body', 'file']);
    const json = await t.app.inject({ method: 'POST', url: '/api/v1/imports/upload', headers: user.auth, payload: { file: 'x' } });
    assert.equal(json.statusCode, 415);
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/imports/upload', ...multipart(gpxOf(pausedRun(8)), 'a.gpx') });
    assert.equal(anonymous.statusCode, 401);
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM external_imports WHERE user_id = $1', [user.id]);
    assert.equal(rows[0]!.n, 0);
  });

  it("lists the caller's imports newest first, with and without the trailing slash", async () => {
    const user = await createUser(t.db, t.config);
    const other = await createUser(t.db, t.config);
    const first = (await upload(user, gpxOf(pausedRun(9)), 'first.gpx')).json().import_id;
    const second = (await upload(user, gpxOf(pausedRun(10)), 'second.gpx')).json().import_id;
    await upload(other, gpxOf(pausedRun(11)), 'theirs.gpx');
    await settled(user, first);
    await settled(user, second);

    for (const url of ['/api/v1/imports/', '/api/v1/imports']) {
      const res = await t.app.inject({ method: 'GET', url: `${url}?page=0&per_page=20`, headers: user.auth });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      assert.deepEqual(
        res.json().data.map((d: ImportDetail) => d.id),
        [second, first],
      );
      assert.equal(res.json().total_count, 2);
      assert.equal(res.json().has_next, false);
    }
    const page = await t.app.inject({ method: 'GET', url: '/api/v1/imports/?page=0&per_page=1', headers: user.auth });
    assert.deepEqual([page.json().data.length, page.json().has_next], [1, true]);
    const last = await t.app.inject({ method: 'GET', url: '/api/v1/imports/?page=1&per_page=1', headers: user.auth });
    assert.deepEqual([last.json().data[0].id, last.json().has_next], [first, false]);
    for (const query of ['page=-1', 'per_page=0', 'per_page=101', 'page=x']) {
      const bad = await t.app.inject({ method: 'GET', url: `/api/v1/imports/?${query}`, headers: user.auth });
      assert.equal(bad.statusCode, 422, query);
    }
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/imports/not-a-uuid', headers: user.auth })).statusCode, 422);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/imports/', headers: {} })).statusCode, 401);
  });

  it('reads GPX in UTF-16 and keeps only the base of the file name, for display', async () => {
    const user = await createUser(t.db, t.config);
    const utf8 = gpxOf(pausedRun(13), 'Läufer-App 한강').toString('utf8').replace('encoding="UTF-8"', 'encoding="UTF-16"');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(utf8, 'utf16le')]);
    const detail = await imported(user, utf16, '../../etc/Läufer run.gpx');
    assert.equal(detail.status, 'completed', detail.error_message ?? '');
    assert.equal(detail.import_summary!.source_device, 'Läufer-App 한강');
    assert.equal(detail.original_filename, 'Läufer run.gpx');
  });

  it('deleting an import that is still pending leaves no run behind', async () => {
    const user = await createUser(t.db, t.config);
    const res = await upload(user, gpxOf(pausedRun(14)));
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/imports/${res.json().import_id}`, headers: user.auth });
    assert.equal(del.statusCode, 204);
    await waitForIdleQueue(t.db, 'import-file');
    assert.equal(await runCount(user), 0);
    assert.deepEqual(await userTotals(user), { total_runs: 0, total_distance_meters: 0 });
  });

  it('keeps the raw files private', async () => {
    const user = await createUser(t.db, t.config);
    const detail = await imported(user, gpxOf(pausedRun(12)));
    const key = await storedKey(detail.id);
    const name = key.slice('imports/'.length);
    assert.ok(existsSync(diskPath(key)));
    assert.equal(readFileSync(diskPath(key)).toString('utf8').slice(0, 5), '<?xml');
    for (const url of [`/uploads/imports/${name}`, `/uploads/private/imports/${name}`, `/uploads/${key}`]) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
    }
    const body = (await getImport(user, detail.id)).body;
    assert.doesNotMatch(body, new RegExp(name));
  });
});
