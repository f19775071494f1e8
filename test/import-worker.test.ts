// Activity files are parsed in a worker thread: the main event loop keeps running meanwhile, a file that exhausts
// the thread's memory or takes too long fails only its own import, and the next import works.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { closeParsePool, ParsePool, ParsePoolClosedError } from '../src/features/imports/parse-pool.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { freshSpot, shifted } from './helpers/runs.js';
import { simulateRun, toLatLng } from './helpers/tracks.js';
import { createUser, type TestUser } from './helpers/users.js';

const silent = pino({ level: 'silent' });

/** A GPX of `count` one-second fixes walking north-east from a fresh spot: a valid run of the largest size allowed. */
function longGpx(count: number): Buffer {
  const [x0, y0] = freshSpot();
  const t0 = Date.UTC(2025, 0, 5, 5, 0, 0);
  const points: string[] = [];
  for (let i = 0; i < count; i++) {
    const { lat, lng } = toLatLng([x0 + i, y0 + i]);
    points.push(`<trkpt lat="${lat.toFixed(7)}" lon="${lng.toFixed(7)}"><ele>12.0</ele><time>${new Date(t0 + i * 1000).toISOString()}</time></trkpt>\n`);
  }
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="long"><trk><trkseg>\n${points.join('')}</trkseg></trk></gpx>`);
}

/** An ordinary 1.5 km run. */
function shortGpx(seed: number): Buffer {
  const { points } = simulateRun({ path: shifted([[0, 0], [1500, 0]], freshSpot()), speed: 3, noise: 2, seed, startTime: Date.UTC(2025, 0, 6 + seed, 6, 0, 0) });
  const pts = points.map((p) => `<trkpt lat="${p.lat}" lon="${p.lng}"><time>${new Date(p.t).toISOString()}</time></trkpt>`).join('\n');
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="short"><trk><trkseg>${pts}</trkseg></trk></gpx>`);
}

describe('activity file parsing in a worker thread', () => {
  const big = longGpx(100_000);

  it('parses a maximum-size file while the main event loop keeps running, without copying the bytes', async () => {
    const pool = new ParsePool({ maxMemoryMb: 512, timeoutSeconds: 120, logger: silent });
    try {
      const bytes = Buffer.from(big); // its own memory, so it can be handed over
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const run = await pool.parse('gpx_upload', bytes, silent).finally(() => clearInterval(timer));
      assert.notEqual(typeof run, 'string', String(run));
      assert.equal(typeof run === 'string' ? 0 : run.summary.point_count, 100_000);
      // Parsed on this thread, the timer could not have fired before the (synchronous) parse returned.
      assert.ok(ticks > 0, 'the main event loop was blocked while the file was parsed');
      assert.equal(bytes.length, 0, 'the buffer was transferred to the worker, not copied');
    } finally {
      await pool.close();
    }
  });

  it('fails a file that takes longer than the time limit, and refuses work once closed', async () => {
    const pool = new ParsePool({ maxMemoryMb: 512, timeoutSeconds: 0.05, logger: silent });
    try {
      const result = await pool.parse('gpx_upload', Buffer.from(big), silent);
      assert.match(String(result), /took longer than 0\.05 seconds/);
    } finally {
      await pool.close();
    }
    await assert.rejects(pool.parse('gpx_upload', shortGpx(1), silent), ParsePoolClosedError);
  });

  describe('through the import job', () => {
    let t: TestApp;
    before(async () => {
      // Enough heap for an ordinary file, far too little for the largest one.
      t = await createTestApp({ RUN_WORKERS: 'true', JOB_POLL_SECONDS: '0.5', IMPORT_PARSE_MAX_MEMORY_MB: '48' });
    });
    after(async () => {
      await t.close();
      await closeParsePool();
    });

    async function imported(user: TestUser, data: Buffer) {
      const boundary = `----runcrew${randomUUID()}`;
      const payload = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="run.gpx"\r\nContent-Type: application/gpx+xml\r\n\r\n`),
        data,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/imports/upload',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...user.auth },
        payload,
      });
      assert.equal(res.statusCode, 201, res.body);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const detail = (await t.app.inject({ method: 'GET', url: `/api/v1/imports/${res.json().import_id}`, headers: user.auth })).json();
        if (detail.status === 'completed' || detail.status === 'failed') return detail as { status: string; error_message: string | null; run_record_id: string | null };
        if (Date.now() > deadline) throw new Error(`import still ${detail.status}`);
        await sleep(100);
      }
    }

    it('fails the import of a file that exhausts the worker thread, and the next import works', async () => {
      const user = await createUser(t.db, t.config);
      const failed = await imported(user, big);
      assert.equal(failed.status, 'failed');
      assert.match(failed.error_message!, /too much memory/);
      assert.equal(failed.run_record_id, null);

      const ok = await imported(user, shortGpx(2));
      assert.equal(ok.status, 'completed', ok.error_message ?? '');
      assert.ok(ok.run_record_id);
      // The server itself carried on.
      assert.equal((await t.app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    });
  });
});
