// Live group runs under faults, on two server processes sharing PostgreSQL and a private Redis (a redis-server of
// our own, so killing it touches nothing else). Runners of each run alternate between the processes and send a
// position every STEP_MS. Promises checked:
// - a socket dropped mid-run (terminated, no close frame) reconnects to the other process and hears the room's
//   state at once, its distance kept;
// - Redis killed and restarted mid-run: the processes stay up, and within RECOVERY_LIMIT_MS of its return a
//   position sent to one process reaches roommates on the other again (rooms resubscribed);
// - every runner finishes twice on one socket and once on the other process: exactly one run each, with the
//   server's distance, one `completed` per runner on every socket, and no error in the servers' logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { insertCourse } from '../../test/helpers/run-records.js';
import { TestSocket, type Message } from '../../test/helpers/ws.js';
import { prepareDatabase } from '../bench/database.js';
import { soakDatabaseUrl, soakToken } from './_run-load.js';
import { freePort } from '../free-port.js';
import { portAnswers, serverProblems, startServerProcesses, type ServerProcess } from './_server-process.js';
import type { Scale, SoakReport } from './types.js';

const PLANS = {
  short: { runs: 2, size: 4, beforeFaultsMs: 2500, outageMs: 1500, afterMs: 2500 },
  full: { runs: 10, size: 10, beforeFaultsMs: 15_000, outageMs: 8000, afterMs: 15_000 },
};
const STEP_MS = 400;
/** Degrees of latitude per step: about 2.2 m, well under the plausible speed. */
const STEP_DEG = 0.00002;
const RECOVERY_LIMIT_MS = 15_000;

type Standing = { user_id: string; status: string; current_distance_m: number; last_lat: number | null };
const standings = (m: Message) => (m.type === 'participants' ? (m.data as Standing[]) : []);

/** A redis-server of this scenario's own on `port`; kill() and start() again to restart it. */
class PrivateRedis {
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await portAnswers('127.0.0.1', this.port)) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }
  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

interface LiveRunner {
  id: string;
  token: string;
  /** which of the two servers the runner's socket is on now */
  on: number;
  socket: TestSocket;
  lat: number;
}

export async function run(scale: Scale): Promise<SoakReport> {
  const plan = PLANS[scale];
  const failures: string[] = [];
  const notes: string[] = [];
  let requests = 0;
  let faults = 0;

  const url = soakDatabaseUrl();
  await prepareDatabase(url);
  const db = new pg.Pool({ connectionString: url, max: 2 });
  const redis = new PrivateRedis(await freePort());
  await redis.start();
  const servers: ServerProcess[] = [];
  const runners: LiveRunner[] = [];
  try {
    const env = { DATABASE_URL: url, REDIS_URL: redis.url, RUN_WORKERS: 'false', MAX_EVENT_LOOP_DELAY_MS: '0', LIVE_WS_HEARTBEAT_SECONDS: '1', LIVE_WS_IDLE_SECONDS: '5' };
    servers.push(...(await startServerProcesses([env, env])));
    const post = async (server: ServerProcess, path: string, token: string, body?: object) => {
      requests++;
      const res = await fetch(`${server.url}/api/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (res.status >= 300) failures.push(`POST ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    };
    const open = (server: number, runId: string, token: string) =>
      TestSocket.open(`${servers[server]!.url.replace(/^http/, 'ws')}/api/v1/live-group-runs/${runId}/ws?token=${token}`);

    // The runs: host first, runners alternating between the processes, every socket open, then started.
    const rooms: { runId: string; runners: LiveRunner[] }[] = [];
    for (let r = 0; r < plan.runs; r++) {
      const members: LiveRunner[] = [];
      let runId = '';
      for (let i = 0; i < plan.size; i++) {
        const { rows } = await db.query<{ id: string }>(`INSERT INTO users (nickname) VALUES ('lv' || substr(md5(random()::text), 1, 10)) RETURNING id`);
        const id = rows[0]!.id;
        const token = await soakToken(id);
        if (i === 0) {
          const course = await insertCourse(db, id);
          runId = String((await post(servers[0]!, '/live-group-runs', token, { course_id: course, title: `Soak ${r}`, max_participants: plan.size })).id);
        } else {
          await post(servers[i % 2]!, `/live-group-runs/${runId}/join`, token);
        }
        members.push({ id, token, on: i % 2, socket: await open(i % 2, runId, token), lat: 37.5 + r * 0.01 });
      }
      await post(servers[1]!, `/live-group-runs/${runId}/start`, members[0]!.token);
      await Promise.all(members.map((m) => m.socket.next((msg) => msg.type === 'started', 'started', RECOVERY_LIMIT_MS)));
      rooms.push({ runId, runners: members });
      runners.push(...members);
    }

    // Every runner moves north one step every STEP_MS while its socket is open.
    let moving = true;
    let positions = 0;
    const send = (m: LiveRunner) => {
      if (m.socket.ws.readyState !== m.socket.ws.OPEN) return;
      m.lat += STEP_DEG;
      positions++;
      m.socket.send({ type: 'location', lat: Number(m.lat.toFixed(6)), lng: 126.978 });
    };
    const mover = (async () => {
      while (moving) {
        runners.forEach(send);
        await sleep(STEP_MS);
      }
    })();

    await sleep(plan.beforeFaultsMs);
    // Fault 1: one runner of every run loses its socket without a close frame and comes back on the other process.
    for (const { runId, runners: members } of rooms) {
      const dropped = members[1]!;
      dropped.socket.ws.terminate();
      faults++;
      await sleep(STEP_MS * 2);
      // Standings carry the distance to 0.1 m.
      const before = await distanceOf(db, runId, dropped.id);
      dropped.on = 1 - dropped.on;
      dropped.socket = await open(dropped.on, runId, dropped.token);
      const first = await dropped.socket.next(() => true, 'the first message after reconnecting');
      const mine = standings(first).find((s) => s.user_id === dropped.id);
      if (!mine) failures.push(`run ${runId}: the first message after a reconnect was ${first.type}, not the room's standings`);
      else if (mine.status !== 'running' || mine.current_distance_m < before - 0.1) {
        failures.push(`run ${runId}: after a reconnect the runner was ${mine.status} at ${mine.current_distance_m} m (had ${before} m)`);
      }
    }

    // Fault 2: Redis killed mid-run and started again on the same port.
    await redis.kill();
    faults++;
    await sleep(plan.outageMs);
    for (const [i, server] of servers.entries()) if (server.child.exitCode !== null) failures.push(`server ${i} exited during the Redis outage`);
    await redis.start();
    const backAt = Date.now();
    const recoveries: number[] = [];
    await Promise.all(rooms.map(async ({ runId, runners: members }) => {
      // A position sent after Redis is back, heard by a roommate on the other process.
      const sender = members[0]!;
      const listener = members.find((m) => m.on !== sender.on)!;
      while (Date.now() - backAt < RECOVERY_LIMIT_MS) {
        const lat = Number((sender.lat + STEP_DEG / 2).toFixed(6));
        const heard = listener.socket.upcoming((m) => standings(m).some((s) => s.user_id === sender.id && (s.last_lat ?? 0) >= lat), 'recovery', 2000);
        await sleep(STEP_MS);
        if (await heard.then(() => true, () => false)) return recoveries.push(Date.now() - backAt);
      }
      failures.push(`run ${runId}: positions did not cross processes within ${RECOVERY_LIMIT_MS} ms of Redis being back`);
    }));
    await sleep(plan.afterMs);
    moving = false;
    await mover;

    // Finishes: twice on the runner's socket and once more through a socket on the other process.
    for (const { runId, runners: members } of rooms) {
      for (const m of members) {
        const other = await open(1 - m.on, runId, m.token);
        await other.next((msg) => msg.type === 'participants', 'standings on the second socket');
        m.socket.send({ type: 'finish' });
        m.socket.send({ type: 'finish' });
        other.send({ type: 'finish' });
        faults += 2;
        await Promise.all([m.socket, other].map((s) => s.next((msg) => standings(msg).some((x) => x.user_id === m.id && x.status === 'completed'), 'completed standings', RECOVERY_LIMIT_MS)));
        await other.close();
      }
      // The last `completed` broadcasts settle before they are counted.
      await sleep(500);
      for (const m of members) {
        for (const them of members) {
          const heard = m.socket.messages.filter((msg) => msg.type === 'completed' && msg.user_id === them.id).length;
          if (heard !== 1) failures.push(`run ${runId}: a socket heard ${heard} 'completed' for one runner`);
        }
      }
      const { rows } = await db.query<{ user_id: string; runs: number; distance: number; server_distance: number }>(
        `SELECT p.user_id, count(r.id)::int AS runs, max(r.distance_meters) AS distance, p.current_distance_m AS server_distance
           FROM live_group_run_participants p LEFT JOIN run_records r ON r.user_id = p.user_id
          WHERE p.live_group_run_id = $1 GROUP BY p.user_id, p.current_distance_m`,
        [runId],
      );
      for (const row of rows) {
        if (row.runs !== 1) failures.push(`run ${runId}: a runner has ${row.runs} runs after three finishes`);
        else if (Math.abs(row.distance - row.server_distance) > 1 || row.server_distance <= 0) {
          failures.push(`run ${runId}: the run's ${row.distance} m differs from the server's ${row.server_distance} m`);
        }
      }
    }
    for (const [i, server] of servers.entries()) for (const problem of serverProblems(server)) failures.push(`server ${i}: ${problem}`);
    notes.push(`${runners.length} runners in ${rooms.length} runs on 2 processes, ${positions} positions; ${faults} faults (drops, a Redis restart, duplicate finishes)`);
    if (recoveries.length > 0) notes.push(`across processes again ${Math.min(...recoveries)}-${Math.max(...recoveries)} ms after Redis was back`);
  } finally {
    await Promise.all(runners.map((m) => m.socket.close().catch(() => undefined)));
    await Promise.all(servers.map((s) => s.stop()));
    await redis.kill();
    await db.end();
  }
  return { name: 'live group runs under faults', requests, faults, failures: failures.length, notes: [...notes, ...failures.slice(0, 20)] };
}

async function distanceOf(db: pg.Pool, runId: string, userId: string): Promise<number> {
  const { rows } = await db.query<{ d: number }>(
    'SELECT current_distance_m AS d FROM live_group_run_participants WHERE live_group_run_id = $1 AND user_id = $2',
    [runId, userId],
  );
  return rows[0]?.d ?? 0;
}
