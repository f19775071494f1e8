// Overload: floods against real server processes. Promises checked:
// - rate limits hold at the configured number under a flood of concurrent clients: per client IP (several IPs,
//   told by a trusted proxy's X-Forwarded-For) exactly RATE_LIMIT_PER_MINUTE answers are 2xx in the window and
//   the rest 429 with the error body, Retry-After and the X-RateLimit-* headers (Redis store with REDIS_URL,
//   else memory);
// - under a flood of CPU-heavy requests the server sheds load with 503 OVERLOADED + Retry-After once its event
//   loop lags past MAX_EVENT_LOOP_DELAY_MS, every request still answers within HANG_MS, health probes answer,
//   and it serves again by itself once the flood stops;
// - memory stays bounded under a long flood of concurrent uploads (avatars of the largest allowed size and over
//   it, activity files over it): the process's VmRSS, read from outside, grows by at most RSS_GROWTH_LIMIT_MIB
//   and levels off instead of climbing; over-size avatars get 413 early, before the client has sent the whole
//   body, whether it declared its length or not. Importing activity files of the largest size is measured too.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import sharp from 'sharp';
import { issueAccessToken } from '../../src/features/auth/access-token.js';
import { completionOf } from '../../test/helpers/runs.js';
import { simulateRun, type XY } from '../../test/helpers/tracks.js';
import { prepareDatabase } from '../bench/database.js';
import { isErrorBody, percentile, rssMiB, send, serverProblems, SOAK_JWT_SECRET, startServerProcesses, type Answer, type ServerProcess } from './_server-process.js';
import type { Scale, SoakReport } from './types.js';

const HANG_MS = 15_000;
const RATE_LIMIT = 100;
/**
 * Largest acceptable growth of the server's resident memory over its idle baseline (about 300 MiB, most of it
 * code) during the upload flood, and largest rise of the flood's second half over its first (no steady climb).
 */
const RSS_GROWTH_LIMIT_MIB = 200;
const RSS_CLIMB_LIMIT_MIB = 64;
const AVATAR_MAX_MIB = 5;
const IMPORT_MAX_MIB = 20;
const MiB = 1024 * 1024;
/**
 * The event-loop lag past which the shedding server answers 503 (MAX_EVENT_LOOP_DELAY_MS). under-pressure compares
 * the MEAN delay of each sample window with it, and a flood of completions (each a few tens of ms of matching) keeps
 * that mean below 100 ms on a fast machine: a low limit makes the flood cross it everywhere.
 */
const SHED_LAG_MS = 30;

const PLANS = {
  short: { floodClients: 20, floodIps: 4, floodMs: 3000, heavyClients: 24, sheddingMs: 4000, uploadClients: 24, uploadMs: 8000, settleMs: 3000, bigImports: 1 },
  full: { floodClients: 40, floodIps: 8, floodMs: 20_000, heavyClients: 48, sheddingMs: 30_000, uploadClients: 48, uploadMs: 90_000, settleMs: 15_000, bigImports: 4 },
};

/** A fresh address per call (benchmark range), so runs sharing a Redis never share a counter. */
const freshIp = () => `198.19.${randomInt(256)}.${randomInt(1, 255)}`;

export interface OverloadFigures {
  /** per flooding IP: 2xx and 429 answers */
  perIp: { ok: number; limited: number }[];
  shed: number;
  sheddingServed: number;
  rss: { baseline: number; peak: number; after: number };
  /** over-size avatars answered 413, and how many of them before the client had sent its whole body */
  overSizeAvatars: number;
  cutEarlyAvatars: number;
}

interface Upload {
  status: number;
  body: string;
  /** bytes of the body the client had written when the answer arrived */
  sentWhenAnswered: number;
  total: number;
  error?: string;
}

/**
 * A multipart upload of `size` file bytes (`head`, then filler) over a raw connection, declaring its length or
 * sent chunked. The client stops sending as soon as an answer arrives, as a browser does on an early 413, and
 * notes how much it had sent by then. A keep-alive connection, as the app's (with `Connection: close` the server
 * closes right after answering, and unread body bytes then reset the connection). Node's http client is not used:
 * it may report a write error instead of an answer that came before the body was sent.
 */
function upload(base: string, path: string, auth: string, ip: string, head: Buffer, size: number, declareLength: boolean): Promise<Upload> {
  const boundary = `soak${randomBytes(8).toString('hex')}`;
  const open = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const close = Buffer.from(`\r\n--${boundary}--\r\n`);
  const { hostname, port } = new URL(base);
  const framing = declareLength ? `Content-Length: ${open.length + size + close.length}` : 'Transfer-Encoding: chunked';
  const headers = Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: ${auth}\r\nX-Forwarded-For: ${ip}\r\n` +
      `Content-Type: multipart/form-data; boundary=${boundary}\r\n${framing}\r\n\r\n`,
  );
  const frame = (b: Buffer) => (declareLength ? [b] : [Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const started = Date.now();
    const after = () => `after ${Math.round((Date.now() - started) / 1000)} s, ${Math.round(sent / MiB)} MiB sent`;
    let sent = 0;
    let answeredAt: number | undefined;
    let received = Buffer.alloc(0);
    let settled = false;
    const done = (u: Omit<Upload, 'total' | 'sentWhenAnswered'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...u, total: size, sentWhenAnswered: answeredAt ?? sent });
    };
    const timer = setTimeout(() => done({ status: 0, body: '', error: `no answer within ${HANG_MS} ms` }), HANG_MS);
    socket.on('data', (d: Buffer) => {
      answeredAt ??= sent;
      received = Buffer.concat([received, d]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = received.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
      if (received.length - end - 4 >= length) {
        done({ status: Number(head.slice(9, 12)), body: received.subarray(end + 4, end + 4 + length).toString('utf8') });
      }
    });
    socket.on('error', (err) => done({ status: 0, body: '', error: `${err.message} ${after()}` }));
    socket.on('close', () => done({ status: 0, body: '', error: `connection closed without a whole answer ${after()}` }));
    const filler = Buffer.alloc(256 * 1024, 0x41);
    let first = true;
    const pump = () => {
      while (answeredAt === undefined && !socket.destroyed) {
        let pieces: Buffer[];
        if (first) pieces = [headers, ...frame(Buffer.concat([open, head]))];
        else if (sent >= size) pieces = [...frame(close), ...(declareLength ? [] : [Buffer.from('0\r\n\r\n')])];
        else pieces = frame(filler.subarray(0, Math.min(filler.length, size - sent)));
        const finished = !first && sent >= size;
        sent += first ? head.length : finished ? 0 : pieces[declareLength ? 0 : 1]!.length;
        first = false;
        let ok = true;
        for (const p of pieces) ok = socket.write(p);
        if (finished) return;
        if (!ok) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.once('connect', pump);
  });
}

/** A PNG of random noise of about `targetBytes` (noise does not compress). */
async function noisePng(targetBytes: number): Promise<Buffer> {
  const side = Math.floor(Math.sqrt(targetBytes / 3));
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
}

/** A GPX document of about `targetBytes`: one track of 1-second fixes with Garmin extensions (under 100,000 points). */
function bigGpx(targetBytes: number, seed: number): Buffer {
  const start = Date.UTC(2025, 0, 1, 6, 0, 0) + (seed % 300) * 86_400_000;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<gpx version="1.1" creator="soak" xmlns="http://www.topografix.com/GPX/1/1" xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"><trk><trkseg>',
  ];
  let size = lines.join('\n').length;
  for (let i = 0; size < targetBytes - 200; i++) {
    const line =
      `<trkpt lat="${(37.5 + Math.sin(i / 600) * 0.01).toFixed(7)}" lon="${(127 + seed * 1e-6 + Math.cos(i / 600) * 0.012).toFixed(7)}">` +
      `<ele>${(20 + Math.sin(i / 50)).toFixed(1)}</ele><time>${new Date(start + i * 1000).toISOString()}</time>` +
      `<extensions><gpxtpx:TrackPointExtension><gpxtpx:speed>3.00</gpxtpx:speed><gpxtpx:hr>150</gpxtpx:hr><gpxtpx:cad>85</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions></trkpt>`;
    lines.push(line);
    size += line.length + 1;
  }
  lines.push('</trkseg></trk></gpx>');
  return Buffer.from(lines.join('\n'));
}

/** Samples a process's VmRSS every 50 ms until stopped. */
class RssSampler {
  private readonly samples: { at: number; mib: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.now(), 50).unref();
  }

  now(): number {
    const mib = rssMiB(this.pid);
    this.samples.push({ at: Date.now(), mib });
    return mib;
  }

  /** The highest sample between `from` and `to`, and in each half of that span. */
  peaks(from: number, to: number): { peak: number; firstHalf: number; secondHalf: number } {
    const middle = (from + to) / 2;
    const max = (a: number, b: number) => Math.max(0, ...this.samples.filter((s) => s.at >= a && s.at <= b).map((s) => s.mib));
    return { peak: max(from, to), firstHalf: max(from, middle), secondHalf: max(middle, to) };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export async function run(scale: Scale): Promise<SoakReport> {
  return (await runOverload(scale)).report;
}

export async function runOverload(scale: Scale): Promise<{ report: SoakReport; figures: OverloadFigures }> {
  const plan = PLANS[scale];
  const notes: string[] = [];
  const problems = new Map<string, number>();
  const fail = (what: string) => {
    if (problems.size < 50 || problems.has(what)) problems.set(what, (problems.get(what) ?? 0) + 1);
  };
  let requests = 0;
  let faults = 0;

  const url = process.env.SOAK_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/runcrew_soak';
  const redisUrl = process.env.REDIS_URL ?? '';
  await prepareDatabase(url);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const uploadDir = mkdtempSync(joinPath(tmpdir(), 'runcrew-soak-uploads-'));
  let limited: ServerProcess | undefined;
  let shedding: ServerProcess | undefined;
  try {
    const tokenConfig = { JWT_SECRET_KEY: SOAK_JWT_SECRET, JWT_ALGORITHM: 'HS256' as const, ACCESS_TOKEN_EXPIRE_MINUTES: 240 };
    const users: { id: string; auth: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const { rows } = await db.query<{ id: string }>(`INSERT INTO users (nickname) VALUES ('ov' || substr(md5(random()::text), 1, 10)) RETURNING id`);
      users.push({ id: rows[0]!.id, auth: `Bearer ${await issueAccessToken(tokenConfig, rows[0]!.id)}` });
    }
    const common = { DATABASE_URL: url, DB_POOL_MAX: '10', UPLOAD_DIR: uploadDir };
    [limited, shedding] = await startServerProcesses([
      {
        ...common,
        RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
        TRUSTED_PROXIES: '127.0.0.1',
        REDIS_URL: redisUrl,
        MAX_UPLOAD_SIZE_MB: String(AVATAR_MAX_MIB),
        IMPORT_MAX_UPLOAD_MB: String(IMPORT_MAX_MIB),
      },
      { ...common, MAX_EVENT_LOOP_DELAY_MS: String(SHED_LAG_MS) },
    ]);

    const idle = rssMiB(limited.pid);

    // --- 1. rate limits under a flood: several client IPs behind a trusted proxy
    const ips = Array.from({ length: plan.floodIps }, freshIp);
    const perIp = ips.map(() => ({ ok: 0, limited: 0 }));
    let floodOverloaded = 0;
    const floodStart = Date.now();
    // floodMs, and on a machine too busy to use up the budgets that fast, until every IP was limited.
    const flooding = () =>
      Date.now() - floodStart < plan.floodMs || (perIp.some((p) => p.limited === 0) && Date.now() - floodStart < 4 * plan.floodMs);
    faults++;
    await Promise.all(
      Array.from({ length: plan.floodClients }, async (_, c) => {
        const i = c % ips.length;
        const user = users[c % users.length]!;
        while (flooding()) {
          const a = await send(`${limited!.url}/api/v1/users/me`, { headers: { authorization: user.auth, 'x-forwarded-for': ips[i]! } }, HANG_MS);
          requests++;
          if (a.status === 200) perIp[i]!.ok++;
          else if (a.status === 429) {
            perIp[i]!.limited++;
            const good =
              isErrorBody(a, 'RATE_LIMITED') &&
              Number(a.headers.get('retry-after')) >= 1 &&
              a.headers.get('x-ratelimit-limit') === String(RATE_LIMIT) &&
              a.headers.get('x-ratelimit-remaining') === '0';
            if (!good) fail(`rate-limit flood: a 429 without the error body or headers: ${a.body.slice(0, 200)}`);
          } else if (a.status === 503 && isErrorBody(a, 'OVERLOADED') && a.headers.get('retry-after')) floodOverloaded++;
          else fail(`rate-limit flood: ${a.status} ${a.error ?? a.body.slice(0, 200)}`);
        }
      }),
    );
    perIp.forEach((p, i) => {
      if (p.ok !== RATE_LIMIT) fail(`rate-limit flood: IP ${ips[i]} got ${p.ok} 2xx answers in the window, not ${RATE_LIMIT}`);
      if (p.limited === 0) fail(`rate-limit flood: IP ${ips[i]} was never limited`);
    });
    notes.push(
      `rate limit (${redisUrl ? 'Redis' : 'memory'} store, ${RATE_LIMIT}/min): ${plan.floodClients} clients over ${ips.length} IPs for ${Date.now() - floodStart} ms: ` +
        `${perIp.map((p) => `${p.ok} ok/${p.limited} limited`).join(', ')}${floodOverloaded ? `, ${floodOverloaded} shed` : ''}`,
    );

    // --- 2. load shedding under a flood of heavy requests: run completions of long routes
    const shedUser = users[0]!;
    const sessions = (
      await db.query<{ id: string }>(
        `INSERT INTO run_sessions (user_id, started_at) SELECT $1, now() - interval '4 hours' FROM generate_series(1, $2) RETURNING id`,
        [shedUser.id, scale === 'short' ? 400 : 3000],
      )
    ).rows.map((r) => r.id);
    const longPath: XY[] = [[0, 0], [5000, 0], [5000, 2000], [0, 2000], [0, 0]];
    const heavyBody = JSON.stringify(
      completionOf(simulateRun({ path: longPath, speed: 3, noise: 3, seed: 7, interval: 0.25, startTime: Date.now() - 3 * 3600_000 }).points),
    );
    const shedAnswers: Answer[] = [];
    let nextSession = 0;
    let floodOn = true;
    const judge = (what: string, a: Answer) => {
      requests++;
      shedAnswers.push(a);
      if (a.status === 0) fail(`shedding flood, ${what}: ${a.error}`);
      else if (a.status === 503 && !(isErrorBody(a, 'OVERLOADED') && a.headers.get('retry-after'))) fail(`shedding flood, ${what}: 503 without the error body or Retry-After: ${a.body.slice(0, 200)}`);
      else if (a.status >= 400 && a.status !== 503) fail(`shedding flood, ${what}: ${a.status} ${a.body.slice(0, 200)}`);
    };
    faults++;
    const heavy = Array.from({ length: plan.heavyClients }, async () => {
      while (floodOn) {
        const session = sessions[nextSession++ % sessions.length]!;
        const a = await send(
          `${shedding!.url}/api/v1/runs/sessions/${session}/complete`,
          { method: 'POST', headers: { authorization: shedUser.auth, 'content-type': 'application/json' }, body: heavyBody },
          HANG_MS,
        );
        judge('completion', a);
      }
    });
    const light = Array.from({ length: 4 }, async () => {
      while (floodOn) {
        judge('read', await send(`${shedding!.url}/api/v1/users/me`, { headers: { authorization: shedUser.auth } }, HANG_MS));
        await sleep(20);
      }
    });
    let healthAnswers = 0;
    const health = (async () => {
      while (floodOn) {
        const a = await send(`${shedding!.url}/health`, {}, HANG_MS);
        requests++;
        healthAnswers++;
        if (a.status !== 200) fail(`shedding flood: /health answered ${a.status} ${a.error ?? ''}`);
        await sleep(100);
      }
    })();
    // The flood lasts sheddingMs, and on a machine fast enough to keep up that long, until it makes the loop lag.
    const shedStart = Date.now();
    while (Date.now() - shedStart < plan.sheddingMs || (!shedAnswers.some((a) => a.status === 503) && Date.now() - shedStart < 3 * plan.sheddingMs)) {
      await sleep(100);
    }
    const floodLasted = Date.now() - shedStart;
    floodOn = false;
    await Promise.all([...heavy, ...light, health]);
    const floodDone = Date.now();
    let recoveredAfter: number | null = null;
    while (Date.now() - floodDone < HANG_MS) {
      const a = await send(`${shedding.url}/api/v1/users/me`, { headers: { authorization: shedUser.auth } }, HANG_MS);
      requests++;
      if (a.status === 200) {
        recoveredAfter = Date.now() - floodDone;
        break;
      }
      await sleep(100);
    }
    const shed = shedAnswers.filter((a) => a.status === 503).length;
    const served = shedAnswers.filter((a) => a.status >= 200 && a.status < 300).length;
    if (shed === 0) fail(`shedding flood: no request was shed with MAX_EVENT_LOOP_DELAY_MS=${SHED_LAG_MS}`);
    if (served === 0) fail('shedding flood: no request was served');
    if (recoveredAfter === null) fail(`shedding flood: still not serving ${HANG_MS} ms after the flood`);
    const latencies = shedAnswers.filter((a) => a.status > 0).map((a) => a.ms);
    notes.push(
      `load shedding (MAX_EVENT_LOOP_DELAY_MS=${SHED_LAG_MS}): ${shedAnswers.length} answers in ${floodLasted} ms from ${plan.heavyClients} heavy + 4 light clients: ` +
        `${served} served, ${shed} shed 503; p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, ` +
        `max ${Math.max(0, ...latencies).toFixed(0)} ms; ${healthAnswers} health probes all 200; serving again ${recoveredAfter ?? '-'} ms after the flood`,
    );

    // --- 3. memory under a long upload flood (each upload from its own IP, so the rate limit stays out of it)
    const png = await noisePng(AVATAR_MAX_MIB * MiB - 64 * 1024);
    const gpxHead = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="soak" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>\n');
    // Over-size activity files get 413 without being kept in memory, but only after their whole body was read:
    // the imports route streams the file into storage (reported, not failed here; see the imports feature).
    const kinds = [
      { name: 'avatar at the limit', path: '/api/v1/uploads/avatar', head: png, size: png.length, declare: true, expect: 200, early: false },
      { name: 'avatar over the limit', path: '/api/v1/uploads/avatar', head: png.subarray(0, 1024), size: 4 * AVATAR_MAX_MIB * MiB, declare: true, expect: 413, early: true },
      { name: 'avatar over the limit, chunked', path: '/api/v1/uploads/avatar', head: png.subarray(0, 1024), size: 4 * AVATAR_MAX_MIB * MiB, declare: false, expect: 413, early: true },
      { name: 'activity file over the limit', path: '/api/v1/imports/upload', head: gpxHead, size: 2 * IMPORT_MAX_MIB * MiB, declare: true, expect: 413, early: false },
      { name: 'activity file over the limit, chunked', path: '/api/v1/imports/upload', head: gpxHead, size: 2 * IMPORT_MAX_MIB * MiB, declare: false, expect: 413, early: false },
    ];
    const byKind = new Map(kinds.map((k) => [k.name, { sent: 0, ok: 0, busy: 0, early: 0 }]));
    const memory = new RssSampler(limited.pid);
    const baseline = memory.now();
    faults++;
    const uploadStart = Date.now();
    const uploadEnd = uploadStart + plan.uploadMs;
    await Promise.all(
      Array.from({ length: plan.uploadClients }, async (_, c) => {
        const user = users[c % users.length]!;
        for (let n = 0; Date.now() < uploadEnd; n++) {
          const kind = kinds[(c + n) % kinds.length]!;
          const u = await upload(limited!.url, kind.path, user.auth, freshIp(), kind.head, kind.size, kind.declare);
          requests++;
          const tally = byKind.get(kind.name)!;
          tally.sent++;
          const answer = { status: u.status, ms: 0, headers: new Headers(), body: u.body };
          // Uploads waiting too long for a slot are told to come back: a proper answer under a flood.
          if (u.status === 503 && isErrorBody(answer, 'UPLOADS_BUSY')) {
            tally.busy++;
            continue;
          }
          if (u.status !== kind.expect) {
            fail(`${kind.name}: ${u.status} ${u.error ?? u.body.slice(0, 200)}`);
            continue;
          }
          tally.ok++;
          if (kind.expect === 413 && !isErrorBody(answer, 'UPLOAD_TOO_LARGE')) fail(`${kind.name}: 413 without the error body: ${u.body.slice(0, 200)}`);
          if (kind.expect === 413 && u.sentWhenAnswered < u.total) tally.early++;
          else if (kind.early) fail(`${kind.name}: 413 only after the whole ${(u.total / MiB).toFixed(0)} MiB body was sent`);
        }
      }),
    );
    const flood = memory.peaks(uploadStart, uploadEnd);
    await sleep(plan.settleMs);
    const afterFlood = memory.now();
    if (flood.peak - baseline > RSS_GROWTH_LIMIT_MIB) {
      fail(`upload flood: the server's RSS grew from ${baseline.toFixed(0)} to ${flood.peak.toFixed(0)} MiB (more than ${RSS_GROWTH_LIMIT_MIB} MiB)`);
    }
    // Bounded means a plateau: the second half of the flood must not keep climbing above the first.
    if (flood.secondHalf > flood.firstHalf + RSS_CLIMB_LIMIT_MIB) {
      fail(`upload flood: RSS kept climbing (${flood.firstHalf.toFixed(0)} MiB in the first half, ${flood.secondHalf.toFixed(0)} MiB in the second)`);
    }
    for (const [name, t] of byKind) if (t.ok === 0) fail(`upload flood: no "${name}" was answered as expected`);
    const overSizeAvatars = kinds.filter((k) => k.early).reduce((n, k) => n + byKind.get(k.name)!.ok, 0);
    const cutEarlyAvatars = kinds.filter((k) => k.early).reduce((n, k) => n + byKind.get(k.name)!.early, 0);
    notes.push(
      `upload flood: ${plan.uploadClients} clients for ${plan.uploadMs} ms: ` +
        `${[...byKind].map(([k, t]) => `${k}: ${t.sent} sent, ${t.ok} as expected${t.busy ? `, ${t.busy} 503 busy` : ''}${t.early ? `, ${t.early} answered early` : ''}`).join('; ')}`,
      `upload flood memory (VmRSS): idle after start ${idle.toFixed(0)} MiB, before the flood ${baseline.toFixed(0)} MiB, peak ${flood.peak.toFixed(0)} MiB ` +
        `(first half ${flood.firstHalf.toFixed(0)}, second half ${flood.secondHalf.toFixed(0)}), ${(plan.settleMs / 1000).toFixed(0)} s after ${afterFlood.toFixed(0)} MiB`,
    );

    // --- 4. activity files of the largest allowed size, each different so each is imported (in the background)
    const gpxFiles = Array.from({ length: plan.bigImports }, (_, i) => bigGpx(IMPORT_MAX_MIB * MiB - 256 * 1024, randomInt(1_000_000) + i));
    const importStart = Date.now();
    const beforeImports = memory.now();
    let imported = 0;
    await Promise.all(
      gpxFiles.map(async (gpx, i) => {
        const u = await upload(limited!.url, '/api/v1/imports/upload', users[i % users.length]!.auth, freshIp(), gpx, gpx.length, true);
        requests++;
        if (u.status !== 201) fail(`activity file at the limit: ${u.status} ${u.error ?? u.body.slice(0, 200)}`);
      }),
    );
    for (const deadline = Date.now() + 90_000; ; ) {
      const { rows } = await db.query<{ pending: number; done: number }>(
        `SELECT count(*) FILTER (WHERE status IN ('pending', 'processing'))::int AS pending, count(*) FILTER (WHERE status = 'completed')::int AS done
         FROM external_imports WHERE user_id = ANY($1) AND created_at >= to_timestamp($2 / 1000.0)`,
        [users.map((u) => u.id), importStart],
      );
      imported = rows[0]!.done;
      if (rows[0]!.pending === 0) break;
      if (Date.now() > deadline) {
        fail(`${rows[0]!.pending} activity files at the limit still not imported after 90 s`);
        break;
      }
      await sleep(250);
    }
    const importPeak = memory.peaks(importStart, Date.now()).peak;
    memory.stop();
    notes.push(
      `${gpxFiles.length} activity files of ${IMPORT_MAX_MIB} MiB imported (${imported} completed) in ${((Date.now() - importStart) / 1000).toFixed(1)} s: ` +
        `RSS ${beforeImports.toFixed(0)} MiB before, peak ${importPeak.toFixed(0)} MiB while processing`,
    );

    for (const s of [limited, shedding]) for (const problem of serverProblems(s)) fail(problem);
    notes.push(...[...problems].map(([p, n]) => `FAILURE ${p}${n > 1 ? ` (x${n})` : ''}`));
    return {
      report: { name: 'overload', requests, faults, failures: [...problems.values()].reduce((a, b) => a + b, 0), notes },
      figures: { perIp, shed, sheddingServed: served, rss: { baseline, peak: flood.peak, after: afterFlood }, overSizeAvatars, cutEarlyAvatars },
    };
  } finally {
    await Promise.all([limited?.stop(), shedding?.stop()].map((p) => p?.catch(() => undefined)));
    await db.end();
    rmSync(uploadDir, { recursive: true, force: true });
  }
}
