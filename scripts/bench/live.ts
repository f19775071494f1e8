// `npm run bench:live`: live group run sockets at scale. LIVE_ROOMS runs of LIVE_ROOM_SIZE runners (default 100 x 10
// = 1,000 sockets) on one server process (its own, as in production); every runner sends a position a second for
// BENCH_SECONDS; for each position it measures how long until a roommate's socket got standings showing it (or a
// later position of the same runner: standings are coalesced). Prints sent, delivered, latency p50/p99 and the
// sockets that were dropped. BENCH_DATABASE_URL defaults to runcrew_bench (created and migrated on first use).
import pg from 'pg';
import WebSocket from 'ws';
import { issueAccessToken } from '../../src/features/auth/access-token.js';
import { BENCH_DATABASE_URL, prepareDatabase } from './database.js';
import { BENCH_JWT_SECRET, startBenchServer } from './server.js';

const ROOMS = Number(process.env.LIVE_ROOMS ?? 100);
const SIZE = Number(process.env.LIVE_ROOM_SIZE ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
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

async function main(): Promise<void> {
  await prepareDatabase();
  const pool = new pg.Pool({ connectionString: BENCH_DATABASE_URL, max: 4 });
  const server = await startBenchServer(BENCH_DATABASE_URL, 10);
  const sockets: WebSocket[] = [];
  const userIds: string[] = [];
  try {
    const rooms = await seed(pool);
    userIds.push(...rooms.flatMap((room) => room.members.map((m) => m.id)));
    const wsBase = server.url.replace(/^http/, 'ws');
    /** `${userId}` → positions sent and not yet seen by a roommate: seq → sent at. */
    const pending = new Map<string, Map<number, number>>();
    const latencies: number[] = [];
    let sent = 0;
    let dropped = 0;
    /** error code → how many (BUSY: a socket's backlog was full, some positions skipped) */
    const errors = new Map<string, number>();
    const seqOf = (lat: number) => Math.round((lat - LAT) / STEP);

    const opening: Promise<void>[] = [];
    for (const room of rooms) {
      for (const m of room.members) {
        pending.set(m.id, new Map());
        const ws = new WebSocket(`${wsBase}/api/v1/live-group-runs/${room.runId}/ws?token=${m.token}`);
        sockets.push(ws);
        ws.on('message', (data) => {
          const msg = JSON.parse(data.toString()) as { type: string; code?: string; data?: { user_id: string; last_lat: number | null }[] };
          if (msg.type === 'error') errors.set(msg.code ?? '?', (errors.get(msg.code ?? '?') ?? 0) + 1);
          if (msg.type !== 'participants' || !msg.data) return;
          const now = performance.now();
          for (const p of msg.data) {
            if (p.user_id === m.id || p.last_lat === null) continue;
            const waiting = pending.get(p.user_id);
            if (!waiting) continue;
            const upTo = seqOf(p.last_lat);
            for (const [seq, at] of waiting) {
              if (seq > upTo) continue;
              latencies.push(now - at);
              waiting.delete(seq);
            }
          }
        });
        ws.on('close', () => dropped++);
        opening.push(new Promise((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject))));
      }
    }
    await Promise.all(opening);
    console.log(`${sockets.length} sockets open in ${ROOMS} runs of ${SIZE}`);

    const started = performance.now();
    const members = rooms.flatMap((room) => room.members);
    const timers = members.map((m, i) => {
      let seq = 0;
      const ws = sockets[i]!;
      const send = () => {
        if (ws.readyState !== WebSocket.OPEN) return;
        seq++;
        pending.get(m.id)!.set(seq, performance.now());
        ws.send(JSON.stringify({ type: 'location', lat: LAT + seq * STEP, lng: LNG }));
        sent++;
      };
      // Staggered over the first second, then one a second.
      return setTimeout(() => {
        send();
        timers.push(setInterval(send, 1000));
      }, (i / members.length) * 1000);
    }) as NodeJS.Timeout[];
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    for (const t of timers) clearTimeout(t), clearInterval(t);
    // Give what was sent in the last second time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const elapsed = (performance.now() - started) / 1000;
    const undelivered = [...pending.values()].reduce((n, m) => n + m.size, 0);
    latencies.sort((a, b) => a - b);
    console.log(
      `positions sent ${sent} (${(sent / SECONDS).toFixed(0)}/s) in ${elapsed.toFixed(1)} s; seen by a roommate ${latencies.length}, ` +
        `not seen ${undelivered}; latency p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms; ` +
        `sockets dropped before the end ${dropped}; errors ${JSON.stringify(Object.fromEntries(errors))}`,
    );
  } finally {
    for (const ws of sockets) ws.removeAllListeners('close').terminate();
    await server.stop();
    // The bench's users go, and their runs, courses and live runs with them.
    await pool.query('DELETE FROM users WHERE id = ANY($1::uuid[])', [userIds]).catch(() => undefined);
    await pool.end();
  }
}

await main();
