import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { insertCourse } from './helpers/run-records.js';

// Runs are drawn on a 0.001° grid (the heatmap's finest); the file starts on an empty database (scripts/test.ts).
// Coordinates are in thousandths of a degree, so grid cells are whole numbers. The patch is fixed: at 129.015, the
// west edge of the box in "trims a run…", 129.015 × 1000 is 129014.99999999999 in floating point.
const LAT0 = 35_100;
const LNG0 = 129_000;
const deg = (milli: number) => milli / 1000;

type Cell = { lat: number; lng: number; weight: number };
/** The cell index (in thousandths) of a returned cell centre. */
const index = (centre: number) => Math.floor(centre * 1000);

/** [lng, lat] positions along a straight line, every 0.0005°. */
function line(from: [number, number], to: [number, number]): [number, number][] {
  const steps = Math.ceil(Math.max(Math.abs(to[0] - from[0]), Math.abs(to[1] - from[1])) / 0.5);
  return Array.from({ length: steps + 1 }, (_, i) => [
    deg(from[0] + ((to[0] - from[0]) * i) / steps),
    deg(from[1] + ((to[1] - from[1]) * i) / steps),
  ]);
}

describe('heatmap', () => {
  let t: TestApp;
  let runner: TestUser;
  before(async () => {
    t = await createTestApp();
    runner = await createUser(t.db, t.config);
  });
  after(async () => {
    await t.db.query('DELETE FROM users WHERE id = $1', [runner.id]); // its runs and courses go with it
    await t.close();
  });

  async function insertRun(route: [number, number][], f: { source?: string; plausible?: boolean; courseId?: string } = {}) {
    const { rows: session } = await t.db.query<{ id: string }>(
      `INSERT INTO run_sessions (user_id, course_id, status, started_at) VALUES ($1, $2, 'completed', now() - interval '1 hour') RETURNING id`,
      [runner.id, f.courseId ?? null],
    );
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO run_records (user_id, session_id, course_id, distance_meters, duration_seconds, started_at, finished_at,
                                route_geometry, source, is_plausible)
       VALUES ($1, $2, $3, 1000, 600, now() - interval '1 hour', now(),
               ST_SetSRID(ST_GeomFromGeoJSON($4), 4326)::geography, $5, $6)
       RETURNING id`,
      [runner.id, session[0]!.id, f.courseId ?? null, JSON.stringify({ type: 'LineString', coordinates: route }), f.source ?? 'app', f.plausible ?? true],
    );
    return rows[0]!.id;
  }

  const heatmap = (q: string) => t.app.inject({ method: 'GET', url: `/api/v1/heatmap?${q}` });
  const box = (sw: [number, number], ne: [number, number], extra = '') =>
    `sw_lat=${deg(sw[1])}&sw_lng=${deg(sw[0])}&ne_lat=${deg(ne[1])}&ne_lng=${deg(ne[0])}${extra}`;
  const around = (extra = '') => box([LNG0 - 10, LAT0 - 20], [LNG0 + 30, LAT0 + 20], extra);

  // East–west run A through the middle of row LAT0, 2 km long, and north–south run B crossing it in
  // column LNG0 + 10. 200 m is 2.19 thousandths of longitude here and 1.80 of latitude.
  const rowA = LAT0;
  const colB = LNG0 + 10;
  const runA = line([LNG0 + 0.1, rowA + 0.5], [LNG0 + 20.1, rowA + 0.5]);
  const runB = line([colB + 0.5, LAT0 - 9.5], [colB + 0.5, LAT0 + 10.5]);

  before(async () => {
    await insertRun(runA);
    await insertRun(runB);
    // None of these may count: a Strava run, an implausible run, a run on a private course, the run a
    // private course was made from, and a run too short to keep anything once its ends are dropped.
    await insertRun(runA, { source: 'strava' });
    await insertRun(runA, { plausible: false });
    const privateCourse = await insertCourse(t.db, runner.id, { isPublic: false });
    await insertRun(runA, { courseId: privateCourse });
    const source = await insertRun(runB);
    const privateFromRun = await insertCourse(t.db, runner.id, { isPublic: false });
    await t.db.query('UPDATE courses SET run_record_id = $1 WHERE id = $2', [source, privateFromRun]);
    await insertRun(line([LNG0 + 1.1, LAT0 + 15.5], [LNG0 + 5.1, LAT0 + 15.5])); // about 365 m
  });

  it('counts each public run once per cell it passes, without its first and last 200 m', async () => {
    const res = await heatmap(around());
    assert.equal(res.statusCode, 200);
    const cells = res.json() as Cell[];
    const at = new Map(cells.map((c) => [`${index(c.lat)},${index(c.lng)}`, c.weight]));

    // Run A keeps columns +2 … +17 of its row: it starts in +0 and ends in +20.
    for (let x = LNG0 + 2; x <= LNG0 + 17; x++) assert.equal(at.get(`${rowA},${x}`), x === colB ? 2 : 1, `column ${x - LNG0}`);
    for (const x of [LNG0, LNG0 + 1, LNG0 + 18, LNG0 + 19, LNG0 + 20]) assert.equal(at.get(`${rowA},${x}`), undefined, `column ${x - LNG0}`);
    // Run B keeps rows −8 … +8 of its column: it starts in −10 and ends in +10.
    for (let y = LAT0 - 8; y <= LAT0 + 8; y++) assert.equal(at.get(`${y},${colB}`), y === rowA ? 2 : 1, `row ${y - LAT0}`);
    for (const y of [LAT0 - 10, LAT0 - 9, LAT0 + 9, LAT0 + 10]) assert.equal(at.get(`${y},${colB}`), undefined, `row ${y - LAT0}`);
    // Nothing else: the excluded runs and the short one added no cell.
    assert.equal(cells.length, 16 + 17 - 1);

    // Heaviest first; cell centres on the 0.001° grid, rounded to 6 decimals.
    assert.deepEqual(cells[0], { lat: deg(rowA + 0.5), lng: deg(colB + 0.5), weight: 2 });
    assert.ok(cells.every((c, i) => i === 0 || c.weight <= cells[i - 1]!.weight));
    assert.ok(cells.every((c) => Math.abs(c.lat * 1000 - index(c.lat) - 0.5) < 1e-6));
  });

  it('trims a run by its whole length, not by the part inside the box', async () => {
    // A box around the east end of run A alone: still nothing in its last 200 m.
    const cells = (await heatmap(box([LNG0 + 15, LAT0 - 2], [LNG0 + 25, LAT0 + 2]))).json() as Cell[];
    assert.deepEqual(cells.map((c) => index(c.lng) - LNG0).sort((a, b) => a - b), [15, 16, 17]);
  });

  it('returns at most `limit` cells, heaviest first', async () => {
    assert.deepEqual((await heatmap(around('&limit=1'))).json(), [{ lat: deg(rowA + 0.5), lng: deg(colB + 0.5), weight: 2 }]);
    assert.equal((await heatmap(around('&limit=0'))).statusCode, 422);
    assert.equal((await heatmap(around('&limit=10001'))).statusCode, 422);
  });

  it('uses coarser cells for larger boxes', async () => {
    const res = await heatmap(box([LNG0 - 250, LAT0 - 250], [LNG0 + 250, LAT0 + 250]));
    assert.equal(res.statusCode, 200);
    const cells = res.json() as Cell[];
    assert.ok(cells.length > 0);
    // 0.005° cells: centres at odd multiples of 0.0025°.
    for (const c of cells) {
      for (const v of [c.lat, c.lng]) assert.ok(Math.abs(v * 200 - Math.floor(v * 200) - 0.5) < 1e-6, String(v));
    }
    // Runs A and B both cross the cell holding their crossing.
    assert.equal(cells[0]!.weight, 2);
  });

  it('refuses inverted, empty and too large boxes with 422', async () => {
    for (const q of [
      box([LNG0, LAT0 + 10], [LNG0 + 10, LAT0]),
      box([LNG0 + 10, LAT0], [LNG0, LAT0 + 10]),
      box([LNG0, LAT0], [LNG0, LAT0 + 10]),
      box([LNG0, LAT0], [LNG0 + 1001, LAT0 + 10]),
      box([LNG0, LAT0], [LNG0 + 10, LAT0 + 1001]),
      'sw_lat=91&sw_lng=0&ne_lat=92&ne_lng=1',
      'sw_lat=1&sw_lng=2',
    ]) {
      const res = await heatmap(q);
      assert.equal(res.statusCode, 422, q);
      assert.equal(res.json().code, 'VALIDATION_ERROR');
    }
  });

  it('answers without a token and shows no track', async () => {
    const res = await heatmap(around());
    assert.equal(res.statusCode, 200);
    for (const cell of res.json() as Cell[]) assert.deepEqual(Object.keys(cell).sort(), ['lat', 'lng', 'weight']);
  });
});
