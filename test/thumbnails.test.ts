// Course thumbnails against a local fake of the Mapbox Static Images API on 127.0.0.1, and the local rendering
// used without a token or when Mapbox fails. The token may appear only in the request sent to Mapbox.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import polyline from '@mapbox/polyline';
import sharp from 'sharp';
import { enqueueCourseThumbnail } from '../src/features/thumbnails/jobs.js';
import { MAX_OVERLAY_POINTS, staticImageUrl } from '../src/features/thumbnails/mapbox.js';
import { renderCourseThumbnail } from '../src/features/thumbnails/service.js';
import { simplifyRoute, type LngLat } from '../src/features/thumbnails/simplify.js';
import { AppError } from '../src/infra/errors.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { waitForIdleQueue } from './helpers/jobs.js';
import { course as coursePath, type XY } from './helpers/tracks.js';
import { createUser, type TestUser } from './helpers/users.js';

const TOKEN = 'pk.test-secret-mapbox-token-7f3a9c';
const QUEUE = 'course-thumbnail';

/** A 3 km route with a curve: a straight leg, a quarter circle of 300 m radius, another straight leg; a vertex every 5 m. */
const WAYPOINTS: XY[] = [
  [0, 0],
  [1000, 0],
  ...Array.from({ length: 19 }, (_, i): XY => {
    const a = (Math.PI / 2) * (i / 18);
    return [1000 + 300 * Math.sin(a), 300 - 300 * Math.cos(a)];
  }),
  [1300, 1300],
];
const ROUTE = coursePath(WAYPOINTS, 5);

// --- geometry helpers: metres on a local plane ---
const M_PER_DEG_LAT = 110_574;
const mPerDegLng = (lat: number) => 111_320 * Math.cos((lat * Math.PI) / 180);
function distanceToSegmentMetres(p: LngLat, a: LngLat, b: LngLat): number {
  const k = mPerDegLng(p[1]);
  const [px, py, ax, ay, bx, by] = [p[0] * k, p[1] * M_PER_DEG_LAT, a[0] * k, a[1] * M_PER_DEG_LAT, b[0] * k, b[1] * M_PER_DEG_LAT];
  const len2 = (bx - ax) ** 2 + (by - ay) ** 2;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / len2));
  return Math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)));
}
function distanceToLineMetres(p: LngLat, line: LngLat[]): number {
  let best = Infinity;
  for (let i = 1; i < line.length; i++) best = Math.min(best, distanceToSegmentMetres(p, line[i - 1]!, line[i]!));
  return best;
}

// --- the fake Mapbox ---
type Mode = 'png' | 'error' | 'html';
interface FakeMapbox {
  url: string;
  requests: URL[];
  mode: Mode;
  png: Buffer;
  close(): Promise<void>;
}

async function startFakeMapbox(): Promise<FakeMapbox> {
  const png = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#3366aa' } }).png().toBuffer();
  const fake: Omit<FakeMapbox, 'url' | 'close'> = { requests: [], mode: 'png', png };
  const server: Server = createServer((req, res) => {
    fake.requests.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
    if (fake.mode === 'error') {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Internal error"}');
    } else if (fake.mode === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not an image</html>');
    } else {
      res.writeHead(200, { 'content-type': 'image/png' }).end(fake.png);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

describe('course thumbnails', () => {
  let t: TestApp;
  let mapbox: FakeMapbox;
  let owner: TestUser;

  before(async () => {
    mapbox = await startFakeMapbox();
    t = await createTestApp({ MAPBOX_ACCESS_TOKEN: TOKEN, MAPBOX_BASE_URL: mapbox.url, RUN_WORKERS: 'true', JOB_POLL_SECONDS: '0.5' });
    owner = await createUser(t.db, t.config);
    // Courses created by earlier test files left thumbnail jobs behind (their apps run no workers): let them finish.
    await waitForIdleQueue(t.db, QUEUE, 60_000);
  });
  after(async () => {
    await t?.close();
    await mapbox?.close();
  });
  beforeEach(() => {
    mapbox.requests.length = 0;
    mapbox.mode = 'png';
  });

  async function insertCourse(route: LngLat[] = ROUTE): Promise<string> {
    const { rows } = await t.db.query<{ id: string }>(
      `WITH line AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($2), 4326) AS g)
       INSERT INTO courses (creator_id, title, distance_meters, route_geometry, start_point)
       SELECT $1, 'Thumbnail test', 3000, g::geography, ST_StartPoint(g)::geography FROM line RETURNING id`,
      [owner.id, JSON.stringify({ type: 'LineString', coordinates: route })],
    );
    const id = rows[0]!.id;
    await t.db.query('INSERT INTO course_stats (course_id) VALUES ($1)', [id]);
    return id;
  }

  async function runThumbnailJob(courseId: string): Promise<string> {
    await t.db.transaction((tx) => enqueueCourseThumbnail(t.jobs, tx, courseId));
    await waitForIdleQueue(t.db, QUEUE);
    const { rows } = await t.db.query<{ thumbnail_url: string | null }>('SELECT thumbnail_url FROM courses WHERE id = $1', [courseId]);
    assert.ok(rows[0]?.thumbnail_url, 'the job stored a thumbnail');
    return rows[0].thumbnail_url;
  }

  const storedKey = (url: string) => {
    const key = t.app.deps.storage.keyOf(url) ?? '';
    assert.match(key, /^thumbnails\/[0-9a-f]{32}\.png$/, `a stored thumbnail: ${url}`);
    return key;
  };

  it('simplifies a route to at most 100 points, keeping its ends and its shape', () => {
    assert.ok(ROUTE.length > 400, `${ROUTE.length} points`);
    const simple = simplifyRoute(ROUTE, 100);
    assert.ok(simple.length <= 100 && simple.length >= 3, `${simple.length} points`);
    assert.deepEqual(simple[0], ROUTE[0]);
    assert.deepEqual(simple.at(-1), ROUTE.at(-1));
    for (const p of ROUTE) assert.ok(distanceToLineMetres(p, simple) < 10, 'every route point stays near the simplified line');
    // A short route is left alone.
    assert.deepEqual(simplifyRoute(ROUTE.slice(0, 50), 100), ROUTE.slice(0, 50));
  });

  it('keeps the URL within Mapbox’s 8,192 characters even for a huge, noisy route', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    const noisy: LngLat[] = Array.from({ length: 50_000 }, (_, i) => [126.9 + i * 1e-5 + rand() * 1e-3, 37.5 + rand() * 1e-3]);
    const url = new URL(staticImageUrl('https://api.mapbox.com', TOKEN, noisy));
    assert.ok(url.href.length < 8192, `${url.href.length} characters`);
    const encoded = /\(([^)]+)\)/.exec(decodeURIComponent(url.pathname))![1]!;
    assert.ok(polyline.decode(encoded).length <= MAX_OVERLAY_POINTS);
  });

  it('renders through Mapbox Static Images and stores the PNG in our storage; the token goes only to Mapbox', async () => {
    const courseId = await insertCourse();
    const url = await runThumbnailJob(courseId);

    assert.equal(mapbox.requests.length, 1);
    const request = mapbox.requests[0]!;
    const match = /^\/styles\/v1\/mapbox\/outdoors-v12\/static\/path-(\d+)\+([0-9a-f]{6})-([\d.]+)\(([^)]+)\)\/auto\/600x400@2x$/.exec(
      request.pathname,
    );
    assert.ok(match, `Static Images path: ${request.pathname}`);
    const [, strokeWidth, color, opacity, encodedPath] = match;
    assert.ok(Number(strokeWidth) >= 2 && Number(opacity) > 0 && Number(opacity) <= 1);
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(color!.slice(i, i + 2), 16)) as [number, number, number];
    assert.ok(r === 255 && g >= 80 && g <= 160 && b <= 80, `orange: #${color}`);
    assert.equal(request.searchParams.get('access_token'), TOKEN);
    assert.equal(request.searchParams.get('padding'), '40');

    // The overlay is an encoded polyline of at most 100 points tracing the course.
    const decoded = polyline.decode(decodeURIComponent(encodedPath!)).map(([lat, lng]): LngLat => [lng, lat]);
    assert.ok(decoded.length >= 3 && decoded.length <= 100, `${decoded.length} points`);
    assert.ok(distanceToSegmentMetres(ROUTE[0]!, decoded[0]!, decoded[0]!) < 2, 'starts at the start');
    assert.ok(distanceToSegmentMetres(ROUTE.at(-1)!, decoded.at(-1)!, decoded.at(-1)!) < 2, 'ends at the finish');
    for (const p of ROUTE) assert.ok(distanceToLineMetres(p, decoded) < 15, 'every course point lies on the drawn line');
    for (const p of decoded) assert.ok(distanceToLineMetres(p, ROUTE) < 2, 'every drawn point lies on the course');

    // Stored: our own URL, serving exactly the image Mapbox answered.
    assert.ok(url.startsWith(`${t.config.publicBaseUrl}/uploads/thumbnails/`), url);
    assert.ok(!url.includes(TOKEN) && !/mapbox/i.test(url));
    assert.deepEqual(await t.app.deps.storage.get(storedKey(url)), mapbox.png);
    const served = await t.app.inject({ method: 'GET', url: new URL(url).pathname });
    assert.equal(served.statusCode, 200);
    assert.equal(served.headers['content-type'], 'image/png');

    // The token is nowhere in the database (course rows, job rows with their outputs) ...
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM courses WHERE thumbnail_url LIKE '%' || $1 || '%')
            + (SELECT count(*) FROM pgboss.job WHERE data::text LIKE '%' || $1 || '%' OR output::text LIKE '%' || $1 || '%') AS n`,
      [TOKEN],
    );
    assert.equal(rows[0]!.n, 0);
    // ... nor in any response that shows the course ...
    for (const path of [`/api/v1/courses/${courseId}`, '/api/v1/courses', `/api/v1/users/${owner.id}/profile`, '/api/v1/users/me/courses']) {
      const res = await t.app.inject({ method: 'GET', url: path, headers: owner.auth });
      assert.equal(res.statusCode, 200, `${path}: ${res.body}`);
      assert.ok(!res.body.includes(TOKEN) && !res.body.includes('api.mapbox.com'), path);
      assert.ok(res.body.includes(url), `${path} shows the stored thumbnail`);
    }
    // ... nor in the logs.
    assert.ok(!t.logs.lines.some((line) => line.includes(TOKEN)));
  });

  it('creating a course through the API queues its thumbnail, and no Mapbox URL is ever returned', async () => {
    const { rows: s } = await t.db.query<{ id: string }>(
      "INSERT INTO run_sessions (user_id, status, started_at) VALUES ($1, 'completed', now()) RETURNING id",
      [owner.id],
    );
    const { rows: r } = await t.db.query<{ id: string }>(
      `INSERT INTO run_records (user_id, session_id, distance_meters, duration_seconds, started_at, finished_at)
       VALUES ($1, $2, 2500, 900, now(), now()) RETURNING id`,
      [owner.id, s[0]!.id],
    );
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/courses',
      headers: owner.auth,
      payload: {
        run_record_id: r[0]!.id,
        title: 'Through the API',
        route_geometry: { type: 'LineString', coordinates: ROUTE },
        distance_meters: 2471,
        estimated_duration_seconds: 900,
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const { id, thumbnail_url: address } = res.json() as { id: string; thumbnail_url: string };
    assert.equal(address, `${t.config.publicBaseUrl}/api/v1/courses/${id}/thumbnail`, 'the stable address of the picture');
    assert.ok(!res.body.includes(TOKEN));
    await waitForIdleQueue(t.db, QUEUE);
    assert.equal(mapbox.requests.length, 1);
    const detail = await t.app.inject({ method: 'GET', url: `/api/v1/courses/${id}` });
    assert.equal(detail.statusCode, 200);
    const stored = detail.json().thumbnail_url as string;
    storedKey(stored);
    // Once drawn, the address serves the stored picture, to an image loader that sends no token too.
    const picture = await t.app.inject({ method: 'GET', url: new URL(address).pathname });
    assert.equal(picture.statusCode, 200);
    assert.equal(picture.headers['content-type'], 'image/png');
    assert.deepEqual(picture.rawPayload, mapbox.png);
  });

  it('a job run again replaces the thumbnail and deletes the old file', async () => {
    const courseId = await insertCourse();
    const first = await runThumbnailJob(courseId);
    const second = await runThumbnailJob(courseId);
    assert.notEqual(second, first);
    assert.equal(mapbox.requests.length, 2);
    await assert.rejects(t.app.deps.storage.get(storedKey(first)), (err: unknown) => err instanceof AppError && err.statusCode === 404);
    assert.deepEqual(await t.app.deps.storage.get(storedKey(second)), mapbox.png);
  });

  async function assertLocalRendering(url: string): Promise<void> {
    const png = await t.app.deps.storage.get(storedKey(url));
    assert.notDeepEqual(png, mapbox.png);
    const meta = await sharp(png).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 1200, 800]);
    // The route is drawn in the app's orange.
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let orange = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      if (data[i]! > 230 && data[i + 1]! > 90 && data[i + 1]! < 150 && data[i + 2]! < 100) orange++;
    }
    assert.ok(orange > 1000, `${orange} orange pixels`);
  }

  it('renders locally when Mapbox answers 500', async () => {
    mapbox.mode = 'error';
    const url = await runThumbnailJob(await insertCourse());
    assert.equal(mapbox.requests.length, 1, 'Mapbox was asked first');
    await assertLocalRendering(url);
    const warning = t.logs.records.find((r) => r.message === 'Mapbox thumbnail failed; rendering locally');
    assert.match(String(warning?.reason), /answered 500/);
  });

  it('renders locally when Mapbox answers something that is not a PNG', async () => {
    mapbox.mode = 'html';
    const url = await runThumbnailJob(await insertCourse());
    assert.equal(mapbox.requests.length, 1);
    await assertLocalRendering(url);
  });

  it('renders locally without a Mapbox token, without asking Mapbox', async () => {
    const courseId = await insertCourse();
    const deps = { ...t.app.deps, config: { ...t.config, MAPBOX_ACCESS_TOKEN: '' } };
    const url = await renderCourseThumbnail(deps, t.app.deps.logger, courseId);
    assert.ok(url);
    assert.equal(mapbox.requests.length, 0);
    await assertLocalRendering(url);
    const { rows } = await t.db.query<{ thumbnail_url: string }>('SELECT thumbnail_url FROM courses WHERE id = $1', [courseId]);
    assert.equal(rows[0]!.thumbnail_url, url);
  });

  it('does nothing for a course deleted before its job ran', async () => {
    const courseId = await insertCourse();
    await t.db.query('DELETE FROM courses WHERE id = $1', [courseId]);
    assert.equal(await renderCourseThumbnail(t.app.deps, t.app.deps.logger, courseId), null);
    assert.equal(mapbox.requests.length, 0);
  });
});
