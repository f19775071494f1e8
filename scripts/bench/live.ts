// `npm run bench:live`: live group run sockets at scale. LIVE_ROOMS runs of LIVE_ROOM_SIZE runners (default 50 x 20
// = 1,000 sockets) on LIVE_PROCESSES server processes (default 2, each its own, sharing one Redis at LIVE_REDIS_URL;
// a room's runners alternate between them, so every room crosses processes). Every runner sends a position a
// second for BENCH_SECONDS (default 60). For every position and every other runner of its room it measures how
// long until that runner's socket got standings showing it (or a later position of the same runner: standings are
// coalesced); a pair never seen by the end is lost. Prints the delays (p50/p99), the lost pairs, the servers' CPU
// and their memory per socket and growth over the run. BENCH_DATABASE_URL defaults to runcrew_bench.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import WebSocket from 'ws';
import { issueAccessToken } from '../../src/features/auth/access-token.js';
import { BENCH_DATABASE_URL, prepareDatabase } from './database.js';
import { BENCH_JWT_SECRET, startBenchServer } from './server.js';

const ROOMS = Number(process.env.LIVE_ROOMS ?? 50);
const SIZE = Number(process.env.LIVE_ROOM_SIZE ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const PROCESSES = Number(process.env.LIVE_PROCESSES ?? 2);
const REDIS_URL = process.env.LIVE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LAT = 37.5;
const LNG = 127.1;
const STEP = 0.00002; // about 2 m: plausible at any pace

const quantile = (sorted: number[], q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);

async function seed(pool: pg.Pool) {
  const users = await pool.query<{ id: string }>(
    `INSERT INTO users (nickname) SELECT 'lb' || substr(md5(random()::text), 1, 10) FROM generate_series(1, $1) RETURNING id`,
    [ROOMS * SIZE],
  );
  const ids = users.rows.map((r) => r.id);
  const course = await pool.query<{ id: string }>(
    `INSERT INTO courses (creator_id, title, distance_meters, elevation_gain_meters, is_public, route_geometry, start_point)
     VALUES ($1, 'Live bench', 5000, 0, true, 'SRID=4326;LINESTRING(127.1 37.5, 127.12 37.5)', 'SRID=4326;POINT(127.1 37.5)') RETURNING id`,
    [ids[0]],
  );
  const rooms: { runId: string; members: { id: string; token: string }[] }[] = [];
  for (let r = 0; r < ROOMS; r++) {
    const members = ids.slice(r * SIZE, (r + 1) * SIZE);
    const run = await pool.query<{ id: string }>(
      `INSERT INTO live_group_runs (course_id, host_user_id, title, status, max_participants, started_at)
       VALUES ($1, $2, 'bench', 'running', $3, now()) RETURNING id`,
      [course.rows[0]!.id, members[0], Math.max(2, SIZE)],
    );
    await pool.query(
      `INSERT INTO live_group_run_participants (live_group_run_id, user_id, status) SELECT $1, unnest($2::uuid[]), 'running'`,
      [run.rows[0]!.id, members],
    );
    const config = { JWT_SECRET_KEY: BENCH_JWT_SECRET, JWT_ALGORITHM: 'HS256' as const, ACCESS_TOKEN_EXPIRE_MINUTES: 240 };
    rooms.push({ runId: run.rows[0]!.id, members: await Promise.all(members.map(async (id) => ({ id, token: await issueAccessToken(config, id) }))) });
  }
  return rooms;
}

/** A process's CPU time so far (user + system), in seconds, and its resident memory, in MiB (Linux /proc). */
function usage(pid: number): { cpu: number; rssMiB: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { cpu: ticks / 100, rssMiB: rssKiB / 1024 };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  await prepareDatabase();
  const pool = new pg.Pool({ connectionString: BENCH_DATABASE_URL, max: 4 });
  const redisEnv: Record<string, string> = PROCESSES > 1 ? { REDIS_URL } : {};
  const servers = await Promise.all(Array.from({ length: PROCESSES }, () => startBenchServer(BENCH_DATABASE_URL, 10, redisEnv)));
  const sockets: WebSocket[] = [];
  const userIds: string[] = [];
  try {
    const rooms = await seed(pool);
    userIds.push(...rooms.flatMap((room) => room.members.map((m) => m.id)));
    /** runner → when each of their positions was sent (index = seq). */
    const sentAt = new Map<string, number[]>();
    /** receiving socket's runner → sender → the highest seq of the sender that receiver has seen. */
    const seen = new Map<string, Map<string, number>>();
    const latencies: number[] = [];
    let sent = 0;
    let dropped = 0;
    /** error code → how many (BUSY: a socket's backlog was full, some positions skipped) */
    const errors = new Map<string, number>();
    const seqOf = (lat: number) => Math.round((lat - LAT) / STEP);

    const idle = servers.map((s) => usage(s.pid));
    const opening: Promise<void>[] = [];
    for (const room of rooms) {
      room.members.forEach((m, i) => {
        sentAt.set(m.id, [0]);
        const mine = new Map(room.members.filter((o) => o.id !== m.id).map((o) => [o.id, 0]));
        seen.set(m.id, mine);
        const wsBase = servers[i % servers.length]!.url.replace(/^http/, 'ws');
        const ws = new WebSocket(`${wsBase}/api/v1/live-group-runs/${room.runId}/ws?token=${m.token}`);
        sockets.push(ws);
        ws.on('message', (data) => {
          const msg = JSON.parse(data.toString()) as { type: string; code?: string; data?: { user_id: string; last_lat: number | null }[] };
          if (msg.type === 'error') errors.set(msg.code ?? '?', (errors.get(msg.code ?? '?') ?? 0) + 1);
          if (msg.type !== 'participants' || !msg.data) return;
          const now = performance.now();
          for (const p of msg.data) {
            const before = mine.get(p.user_id);
            if (before === undefined || p.last_lat === null) continue;
            const upTo = seqOf(p.last_lat);
            const times = sentAt.get(p.user_id)!;
            for (let seq = before + 1; seq <= upTo && seq < times.length; seq++) latencies.push(now - times[seq]!);
            if (upTo > before) mine.set(p.user_id, upTo);
          }
        });
        ws.on('close', () => dropped++);
        opening.push(new Promise((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject))));
      });
    }
    await Promise.all(opening);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const open = servers.map((s) => usage(s.pid));
    console.log(`${sockets.length} sockets open in ${ROOMS} runs of ${SIZE} on ${PROCESSES} process(es)${PROCESSES > 1 ? ' sharing one Redis' : ''}`);

    const started = performance.now();
    const members = rooms.flatMap((room) => room.members);
    const timers = members.map((m, i) => {
      const ws = sockets[i]!;
      const times = sentAt.get(m.id)!;
      const send = () => {
        if (ws.readyState !== WebSocket.OPEN) return;
        const seq = times.length;
        times.push(performance.now());
        ws.send(JSON.stringify({ type: 'location', lat: LAT + seq * STEP, lng: LNG }));
        sent++;
      };
      // Staggered over the first second, then one a second.
      return setTimeout(() => {
        send();
        timers.push(setInterval(send, 1000));
      }, (i / members.length) * 1000);
    }) as NodeJS.Timeout[];
    let early = open;
    const earlyTimer = setTimeout(() => (early = servers.map((s) => usage(s.pid))), Math.min(10, SECONDS / 4) * 1000);
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    for (const t of timers) clearTimeout(t), clearInterval(t);
    clearTimeout(earlyTimer);
    const end = servers.map((s) => usage(s.pid));
    // Give what was sent in the last second time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const elapsed = (performance.now() - started) / 1000;
    let pairs = 0;
    let lost = 0;
    for (const mine of seen.values()) {
      for (const [sender, upTo] of mine) {
        const last = sentAt.get(sender)!.length - 1;
        pairs += last;
        lost += last - upTo;
      }
    }
    latencies.sort((a, b) => a - b);
    const cpuShare = sum(end.map((u, i) => u.cpu - open[i]!.cpu)) / SECONDS;
    const perSocketKiB = ((sum(open.map((u) => u.rssMiB)) - sum(idle.map((u) => u.rssMiB))) * 1024) / sockets.length;
    console.log(
      `positions sent ${sent} (${(sent / SECONDS).toFixed(0)}/s) in ${elapsed.toFixed(1)} s; ` +
        `(position, roommate) pairs ${pairs}, seen ${pairs - lost}, lost ${lost}; ` +
        `delay p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms; ` +
        `sockets dropped before the end ${dropped}; errors ${JSON.stringify(Object.fromEntries(errors))}`,
    );
    console.log(
      `servers: CPU ${(cpuShare * 100).toFixed(0)}% of one core (all processes); RSS idle ${sum(idle.map((u) => u.rssMiB)).toFixed(0)} MiB, ` +
        `with the sockets open ${sum(open.map((u) => u.rssMiB)).toFixed(0)} MiB (${perSocketKiB.toFixed(1)} KiB per socket), ` +
        `after ${Math.min(10, SECONDS / 4)} s ${sum(early.map((u) => u.rssMiB)).toFixed(0)} MiB, at the end ${sum(end.map((u) => u.rssMiB)).toFixed(0)} MiB`,
    );
  } finally {
    for (const ws of sockets) ws.removeAllListeners('close').terminate();
    await Promise.all(servers.map((s) => s.stop()));
    // The bench's users go, and their runs, courses and live runs with them.
    await pool.query('DELETE FROM users WHERE id = ANY($1::uuid[])', [userIds]).catch(() => undefined);
    await pool.end();
  }
}

await main();
