// Database faults under load: a private PostgreSQL is stopped (fast shutdown, then an immediate-mode stop that
// forces crash recovery) and started again while the server process answers reads, writes and run completions,
// and while a batch of background jobs runs. Promises checked:
// - the server process stays up; every request answers within HANG_MS; during an outage the answers are 503 with
//   Retry-After and the standard error body (never a 500, never a hang) and /health/ready reports 503;
// - the service recovers by itself within seconds of the database being back (no restart of our process);
// - no half-written run: after recovery every user's counters match their runs, every leaderboard row matches its
//   ranked runs, every session the client saw completed has exactly its one run, and a completion retried after a
//   503 answers with the same run;
// - background jobs in flight are retried, not lost: every acknowledged job runs at least once and ends completed.
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { issueAccessToken } from '../../src/features/auth/access-token.js';
import { Database } from '../../src/infra/db/database.js';
import { isDatabaseUnavailable } from '../../src/infra/db/unavailable.js';
import { JobQueue } from '../../src/infra/jobs/queue.js';
import { completionOf, insertCourse } from '../../test/helpers/runs.js';
import { course, join, simulateRun, type XY } from '../../test/helpers/tracks.js';
import { prepareDatabase } from '../bench/database.js';
import { startPrivatePostgres, type PrivatePostgres } from './_private-postgres.js';
import { isErrorBody, percentile, send, serverProblems, SOAK_JWT_SECRET, startServerProcess, type Answer, type ServerProcess } from './_server-process.js';
import type { Scale, SoakReport } from './types.js';

/** Longest acceptable wait for any answer; a request still unanswered then is a hang. */
const HANG_MS = 15_000;
/** Longest acceptable time from the database being back to the service answering normally again. */
const RECOVERY_LIMIT_MS = 30_000;
const PROBE_QUEUE = 'soak-probe';
/** The job queue counts as stuck when no job finishes for this long (a retry waits a few seconds at most). */
const STALL_MS = 20_000;

const PLANS = {
  short: { faults: ['fast', 'immediate'] as const, outageMs: 2000, loadBetweenMs: 2000, readers: 4, writers: 2, runners: 4, jobsEveryMs: 200 },
  full: {
    faults: ['fast', 'immediate', 'fast', 'immediate', 'fast', 'immediate'] as const,
    outageMs: 8000,
    loadBetweenMs: 8000,
    readers: 8,
    writers: 3,
    runners: 6,
    jobsEveryMs: 300, // below what one worker finishes (about 4 a second), so the backlog drains
  },
};

// A 1,200 m point-to-point course near Seoul City Hall (metres east/north), and the path runners take over it.
const COURSE: XY[] = [[0, 0], [500, 0], [500, 300], [900, 300]];
const RUN_PATH: XY[] = join([[-100, 0]], COURSE, [[900, 400]]);

interface Outage {
  mode: 'fast' | 'immediate';
  /** epoch ms: the stop command returned (the database is gone) */
  downAt: number;
  /** epoch ms: the start command was issued */
  restartAt: number;
  /** epoch ms: the start command returned (the database accepts connections) */
  upAt: number;
}

interface Sample {
  sentAt: number;
  answer: Answer;
  what: string;
}

/** What the CI test asserts beyond `failures === 0`. */
export interface DbFaultFigures {
  outage503: number;
  runsCompleted: number;
  jobsAcknowledged: number;
  jobsRetried: number;
  recoveriesMs: number[];
}

export async function run(scale: Scale): Promise<SoakReport> {
  return (await runDbFaults(scale)).report;
}

export async function runDbFaults(scale: Scale): Promise<{ report: SoakReport; figures: DbFaultFigures }> {
  const plan = PLANS[scale];
  const notes: string[] = [];
  // Failures by message: a broken promise usually repeats, and one line with its count says it better.
  const problems = new Map<string, number>();
  const fail = (what: string) => {
    if (problems.size < 50 || problems.has(what)) problems.set(what, (problems.get(what) ?? 0) + 1);
  };
  const logger = pino({ level: 'silent' });

  const cluster: PrivatePostgres = await startPrivatePostgres();
  let server: ServerProcess | undefined;
  let db: Database | undefined;
  let jobs: JobQueue | undefined;
  const samples: Sample[] = [];
  const outages: Outage[] = [];
  try {
    const url = cluster.url('runcrew_soak');
    await prepareDatabase(url);
    // The scenario's own connections (setup, checks, the job queue) may fail during the outages, like the server's.
    db = await Database.open({ url, dataDir: '', poolMax: 4, logger });
    await db.query('CREATE TABLE soak_job_runs (job_key integer NOT NULL, attempt integer NOT NULL, ran_at timestamptz NOT NULL DEFAULT now())');

    // --- data: users with tokens, a public course they run on
    const tokenConfig = { JWT_SECRET_KEY: SOAK_JWT_SECRET, JWT_ALGORITHM: 'HS256' as const, ACCESS_TOKEN_EXPIRE_MINUTES: 240 };
    const users: { id: string; auth: Record<string, string> }[] = [];
    for (let i = 0; i < plan.readers + plan.writers + plan.runners; i++) {
      const { rows } = await db.query<{ id: string }>('INSERT INTO users (nickname) VALUES ($1) RETURNING id', [`soak${i}_${Date.now() % 100000}`]);
      const id = rows[0]!.id;
      users.push({ id, auth: { authorization: `Bearer ${await issueAccessToken(tokenConfig, id)}` } });
    }
    const courseId = await insertCourse(db, users[0]!.id, course(COURSE, 10), { title: 'soak course' });

    server = await startServerProcess({ DATABASE_URL: url, DB_POOL_MAX: '10' });
    const base = `${server.url}/api/v1`;

    // --- the job batch, worked in this process by the real queue wrapper on the same database
    jobs = new JobQueue(db, logger, { pollSeconds: 1 });
    const probeDb = db;
    jobs.register<{ key: number }>(
      PROBE_QUEUE,
      async (job) => {
        // Long enough that a job is often in flight when the database goes away.
        await probeDb.query('INSERT INTO soak_job_runs (job_key, attempt) SELECT $1, $2 FROM pg_sleep(0.2)', [job.data.key, job.retryCount]);
      },
      { retryLimit: 5, retryDelay: 1, retryBackoff: true },
    );
    await jobs.start({ workers: true });

    let stopping = false;
    // A server that dies ends the scenario: what it logged says why.
    const died = (code: number | null, signal: string | null) => {
      fail(`the server process exited (${code ?? signal}) during the scenario`);
      stopping = true;
    };
    server.child.once('exit', died);
    const call = async (what: string, path: string, init: RequestInit = {}): Promise<Answer> => {
      const sentAt = Date.now();
      const answer = await send(`${base}${path}`, init, HANG_MS);
      samples.push({ sentAt, answer, what });
      return answer;
    };
    const json = (auth: Record<string, string>, method: string, body: unknown): RequestInit => ({
      method,
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

    const readers = users.slice(0, plan.readers).map(async (u) => {
      const paths = ['/users/me', `/courses/${courseId}/rankings?limit=10`, '/users/me/runs?page=0&per_page=10'];
      for (let i = 0; !stopping; i++) {
        await call('read', paths[i % paths.length]!, { headers: u.auth });
        await sleep(20);
      }
    });
    const writers = users.slice(plan.readers, plan.readers + plan.writers).map(async (u) => {
      for (let i = 0; !stopping; i++) {
        await call('write', '/users/me/profile', json(u.auth, 'PATCH', { bio: `soak write ${i}` }));
        await sleep(20);
      }
    });

    // Runners complete runs over and over; a request that got no 2xx is retried, as the app does.
    const runnerUsers = users.slice(plan.readers + plan.writers);
    const completedRuns = new Map<string, Set<string>>(); // user id -> run ids the client saw
    const runners = runnerUsers.map(async (u, r) => {
      const seen = new Set<string>();
      completedRuns.set(u.id, seen);
      for (let i = 0; !stopping; i++) {
        const sim = simulateRun({ path: RUN_PATH, speed: 3 + ((r + i) % 5) * 0.2, noise: 3, seed: r * 1000 + i, startTime: Date.now() - 3 * 3600_000 });
        const until = Date.now() + 60_000;
        let sessionId: string | undefined;
        while (!sessionId && Date.now() < until) {
          const a = await call('session', '/runs/sessions', json(u.auth, 'POST', { course_id: courseId, started_at: new Date(sim.points[0]!.t).toISOString() }));
          if (a.status === 201) sessionId = (JSON.parse(a.body) as { session_id: string }).session_id;
          else await sleep(200);
        }
        if (!sessionId) {
          fail(`runner ${r}: no session could be started within 60 s`);
          return;
        }
        const body = completionOf(sim.points);
        let runId: string | undefined;
        let attempts = 0;
        while (!runId && Date.now() < until) {
          attempts++;
          const a = await call('complete', `/runs/sessions/${sessionId}/complete`, json(u.auth, 'POST', body));
          if (a.status === 201) runId = (JSON.parse(a.body) as { run_record_id: string }).run_record_id;
          else await sleep(200);
        }
        if (!runId) {
          fail(`runner ${r}: session ${sessionId} could not be completed within 60 s`);
          return;
        }
        // A retried completion must answer with the run of the first one (idempotent), never a second run.
        if (attempts > 1) {
          const again = await call('complete', `/runs/sessions/${sessionId}/complete`, json(u.auth, 'POST', body));
          if (again.status === 201 && (JSON.parse(again.body) as { run_record_id: string }).run_record_id !== runId) {
            fail(`session ${sessionId}: a repeated completion answered with another run`);
          }
        }
        seen.add(runId);
      }
    });

    // Readiness is polled throughout; each answer is kept with the moment it was asked.
    const readiness: { sentAt: number; answeredAt: number; status: number }[] = [];
    const poller = (async () => {
      while (!stopping) {
        const sentAt = Date.now();
        const a = await send(`${server!.url}/health/ready`, {}, HANG_MS);
        readiness.push({ sentAt, answeredAt: Date.now(), status: a.status });
        if (a.status === 503 && (!a.headers.get('retry-after') || !isErrorBody(a, 'NOT_READY'))) fail(`/health/ready 503 without Retry-After or error body: ${a.body}`);
        if (a.status !== 200 && a.status !== 503) fail(`/health/ready answered ${a.status} ${a.error ?? a.body.slice(0, 200)}`);
        await sleep(100);
      }
    })();

    // Jobs are enqueued throughout; only the ones whose enqueue was acknowledged must run.
    const acknowledged = new Set<number>();
    let enqueueFailures = 0;
    const enqueuer = (async () => {
      for (let key = 0; !stopping; key++) {
        try {
          await jobs!.enqueue(probeDb, PROBE_QUEUE, { key });
          acknowledged.add(key);
        } catch (err) {
          if (!isDatabaseUnavailable(err)) fail(`enqueue failed with something else than an outage: ${(err as Error).message}`);
          enqueueFailures++;
        }
        await sleep(plan.jobsEveryMs);
      }
    })();

    // --- the faults
    await sleep(plan.loadBetweenMs);
    for (const mode of plan.faults) {
      if (stopping) break;
      await cluster.stop(mode);
      const downAt = Date.now();
      await sleep(plan.outageMs);
      const restartAt = Date.now();
      await cluster.start();
      outages.push({ mode, downAt, restartAt, upAt: Date.now() });
      await sleep(plan.loadBetweenMs);
    }
    stopping = true;
    await Promise.all([...readers, ...writers, ...runners, poller, enqueuer]);
    server.child.off('exit', died);

    // --- answers: no 5xx but a proper 503, no hang, no lost connection
    // A 503 OVERLOADED (the event loop lagged on a busy machine) is a proper answer too, counted apart.
    let outage503 = 0;
    let overloaded = 0;
    for (const { answer: a, what } of samples) {
      if (a.status === 0) fail(`${what}: ${a.error}`);
      else if (a.status === 503 && a.headers.get('retry-after') && isErrorBody(a, 'DATABASE_UNAVAILABLE')) outage503++;
      else if (a.status === 503 && a.headers.get('retry-after') && isErrorBody(a, 'OVERLOADED')) overloaded++;
      else if (a.status >= 400) fail(`${what}: ${a.status} ${a.headers.get('retry-after') ?? 'no Retry-After'} ${a.body.slice(0, 300)}`);
    }

    // --- each outage: 503s while it lasted, then recovery
    const recoveries: number[] = [];
    for (const o of outages) {
      const during = readiness.filter((p) => p.sentAt >= o.downAt && p.answeredAt <= o.restartAt);
      if (!during.some((p) => p.status === 503)) fail(`${o.mode} stop: /health/ready never answered 503 during the outage`);
      if (during.some((p) => p.status === 200)) fail(`${o.mode} stop: /health/ready answered 200 while the database was down`);
      const apiDuring = samples.filter((s) => s.sentAt >= o.downAt && s.sentAt + s.answer.ms <= o.restartAt);
      if (!apiDuring.some((s) => s.answer.status === 503)) fail(`${o.mode} stop: no API request answered 503 during the outage`);
      const ready = readiness.find((p) => p.sentAt >= o.upAt && p.status === 200);
      const served = samples.find((s) => s.sentAt >= o.upAt && s.answer.status >= 200 && s.answer.status < 300 && s.what !== 'read');
      if (!ready || !served) {
        fail(`${o.mode} stop: the service did not recover after the database was back`);
        continue;
      }
      const recovery = Math.max(ready.answeredAt, served.sentAt + served.answer.ms) - o.upAt;
      if (recovery > RECOVERY_LIMIT_MS) fail(`${o.mode} stop: recovery took ${recovery} ms`);
      recoveries.push(recovery);
      const latencies = apiDuring.map((s) => s.answer.ms);
      notes.push(
        `${o.mode} stop: ${apiDuring.length} API requests during the ${o.restartAt - o.downAt} ms outage, ` +
          `${apiDuring.filter((s) => s.answer.status === 503).length} answered 503; outage answer p50 ${percentile(latencies, 50).toFixed(0)} ms, ` +
          `max ${Math.max(0, ...latencies).toFixed(0)} ms; readiness 503 on ${during.filter((p) => p.status === 503).length}/${during.length} probes; ` +
          `recovered ${recovery.toFixed(0)} ms after the database was back`,
      );
    }

    // --- consistency after recovery: counters, leaderboard rows and sessions match the runs
    const runnerIds = runnerUsers.map((u) => u.id);
    const counters = await db.query<{ id: string; total_runs: number; total_distance_meters: number; runs: number; distance: number }>(
      `SELECT u.id, u.total_runs, u.total_distance_meters, count(r.id)::int AS runs, coalesce(sum(r.distance_meters), 0)::bigint AS distance
       FROM users u LEFT JOIN run_records r ON r.user_id = u.id WHERE u.id = ANY($1) GROUP BY u.id`,
      [runnerIds],
    );
    let runsStored = 0;
    for (const c of counters.rows) {
      runsStored += c.runs;
      if (c.total_runs !== c.runs || c.total_distance_meters !== c.distance) {
        fail(`user ${c.id}: counters say ${c.total_runs} runs / ${c.total_distance_meters} m, runs table ${c.runs} / ${c.distance} m`);
      }
      const seen = completedRuns.get(c.id)!;
      if (seen.size !== c.runs) fail(`user ${c.id}: the client completed ${seen.size} runs, the database holds ${c.runs}`);
    }
    const boards = await db.query<{ user_id: string; run_count: number; best_duration_seconds: number; ranked: number; best: number | null }>(
      `SELECT rk.user_id, rk.run_count, rk.best_duration_seconds,
              (SELECT count(*)::int FROM run_records r WHERE r.user_id = rk.user_id AND r.course_id = rk.course_id
                 AND r.course_completed AND r.is_plausible AND r.course_duration_seconds IS NOT NULL) AS ranked,
              (SELECT min(r.course_duration_seconds) FROM run_records r WHERE r.user_id = rk.user_id AND r.course_id = rk.course_id
                 AND r.course_completed AND r.is_plausible AND r.course_duration_seconds IS NOT NULL) AS best
       FROM rankings rk WHERE rk.course_id = $1`,
      [courseId],
    );
    for (const b of boards.rows) {
      if (b.run_count !== b.ranked || b.best_duration_seconds !== b.best) {
        fail(`leaderboard row of ${b.user_id}: ${b.run_count} runs best ${b.best_duration_seconds} s, ranked runs ${b.ranked} best ${b.best} s`);
      }
    }
    const rankedUsers = await db.query<{ n: number }>(
      `SELECT count(DISTINCT user_id)::int AS n FROM run_records WHERE course_id = $1 AND course_completed AND is_plausible`,
      [courseId],
    );
    if (rankedUsers.rows[0]!.n !== boards.rows.length) fail(`${rankedUsers.rows[0]!.n} users ranked on the course, ${boards.rows.length} leaderboard rows`);
    const orphans = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM run_sessions s WHERE s.user_id = ANY($1)
       AND (s.status = 'completed') <> EXISTS (SELECT 1 FROM run_records r WHERE r.session_id = s.id)`,
      [runnerIds],
    );
    if (orphans.rows[0]!.n > 0) fail(`${orphans.rows[0]!.n} sessions completed without their run, or runs of sessions not completed`);

    // --- jobs: every acknowledged job ran at least once and the queue settles with all of them completed
    // The queue drains its backlog after the faults; it is stuck when nothing finishes for STALL_MS.
    let ranKeys = new Set<number>();
    let states: Record<string, number> = {};
    for (let progressAt = Date.now(), completed = -1; ; ) {
      ranKeys = new Set((await db.query<{ job_key: number }>('SELECT DISTINCT job_key FROM soak_job_runs')).rows.map((r) => r.job_key));
      const { rows } = await db.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM pgboss.job WHERE name = $1 GROUP BY state`, [PROBE_QUEUE]);
      states = Object.fromEntries(rows.map((r) => [r.state, r.n]));
      const unfinished = Object.entries(states).filter(([s]) => s !== 'completed').reduce((n, [, c]) => n + c, 0);
      if (unfinished === 0 && [...acknowledged].every((k) => ranKeys.has(k))) break;
      if ((states.completed ?? 0) > completed) [progressAt, completed] = [Date.now(), states.completed ?? 0];
      if (Date.now() - progressAt > STALL_MS) break;
      await sleep(250);
    }
    const lost = [...acknowledged].filter((k) => !ranKeys.has(k));
    if (lost.length > 0) fail(`${lost.length} acknowledged jobs never ran (e.g. ${lost.slice(0, 5).join(', ')})`);
    if (Object.keys(states).some((s) => s !== 'completed')) fail(`probe jobs stuck, none finished for ${STALL_MS / 1000} s: ${JSON.stringify(states)}`);
    const executions = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM soak_job_runs')).rows[0]!.n;
    const retried = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM soak_job_runs WHERE attempt > 0')).rows[0]!.n;

    for (const problem of serverProblems(server)) fail(problem);

    const api = samples.filter((s) => s.answer.status > 0);
    notes.unshift(
      `${samples.length} API requests (${samples.filter((s) => s.answer.status >= 200 && s.answer.status < 300).length} 2xx, ${outage503} 503 DATABASE_UNAVAILABLE, ${overloaded} 503 OVERLOADED), ` +
        `p99 ${percentile(api.map((s) => s.answer.ms), 99).toFixed(0)} ms, max ${Math.max(0, ...api.map((s) => s.answer.ms)).toFixed(0)} ms; ` +
        `${runsStored} runs completed, counters and leaderboard consistent: ${problems.size === 0 ? 'yes' : 'see failures'}`,
    );
    notes.push(
      `recovery after the database was back: ${recoveries.map((r) => `${r.toFixed(0)} ms`).join(', ')}`,
      `jobs: ${acknowledged.size} acknowledged (${enqueueFailures} enqueues refused during outages), ${ranKeys.size} ran, ` +
        `${executions} executions (${retried} retries), final states ${JSON.stringify(states)}`,
    );
    notes.push(...[...problems].map(([p, n]) => `FAILURE ${p}${n > 1 ? ` (x${n})` : ''}`));
    return {
      report: {
        name: 'db-faults',
        requests: samples.length + readiness.length,
        faults: outages.length,
        failures: [...problems.values()].reduce((a, b) => a + b, 0),
        notes,
      },
      figures: { outage503, runsCompleted: runsStored, jobsAcknowledged: acknowledged.size, jobsRetried: retried, recoveriesMs: recoveries },
    };
  } finally {
    await jobs?.stop(2000).catch(() => undefined);
    const code = await server?.stop().catch(() => undefined);
    void code;
    await db?.close().catch(() => undefined);
    await cluster.destroy();
  }
}
