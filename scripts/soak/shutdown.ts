// Graceful shutdown under load. Clients keep a steady stream of reads and run completions going against the real
// server process, and the server gets SIGTERM in the middle of it (several times in the full form, restarted in
// between). Every request must end one of the allowed ways: its proper answer; refused at connect; 503 with
// Retry-After because the server was closing; or dropped before the server read it (a connection the closing
// server ended just as the client reused it, which the server never logged and never acted on). Never a 5xx
// other than 503, a response broken off, or an answer the server logged that the client never got. The process
// must exit 0 (close-with-grace exits 1 when SHUTDOWN_TIMEOUT_SECONDS pass), and no run may be half-written: one
// run per completed session with its counters and leaderboard rows, and the course statistics right once a
// restarted server has drained the statistics jobs.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { prepareDatabase } from '../bench/database.js';
import type { Scale, SoakReport } from './types.js';
import {
  failureNotes,
  checkConsistency,
  createWorld,
  failedStatsJobs,
  planRun,
  removeWorld,
  send,
  sessionBody,
  soakDatabaseUrl,
  waitForStatsJobs,
  type Outcome,
  type Runner,
  type SessionFate,
  type World,
} from './_run-load.js';
import { serverProblems, startServerProcess, type ServerProcess } from './_server-process.js';

const SIZES = {
  short: { users: 12, clients: 8, rounds: 1, loadMs: 2500 },
  full: { users: 60, clients: 24, rounds: 5, loadMs: 8000 },
} as const;
const SHUTDOWN_TIMEOUT_SECONDS = 15;

interface Sent {
  what: string;
  expected: number;
  outcome: Outcome;
  /** ended after SIGTERM */
  late: boolean;
}

class Tally {
  requests = 0;
  answered = 0;
  refusedAtConnect = 0;
  refusedClosing = 0;
  droppedUnread = 0;
  overloaded = 0;
  completions = 0;
  inFlightAtSigterm = 0;
  slowestExitMs = 0;
  failures: string[] = [];
}

export async function run(scale: Scale): Promise<SoakReport> {
  const size = SIZES[scale];
  const url = soakDatabaseUrl();
  await prepareDatabase(url);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const tally = new Tally();
  const fates = new Map<string, SessionFate>();
  const runs: { runId: string; user: Runner }[] = [];
  const notes: string[] = [];
  let world: World | undefined;
  let server: ServerProcess | undefined;
  const fail = (what: string) => tally.failures.push(what);
  try {
    world = await createWorld(pool, size.users);
    const w = world;
    for (let round = 1; round <= size.rounds; round++) {
      server = await startServerProcess({ DATABASE_URL: url, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS) });
      const s = server;
      const sent: Sent[] = [];
      let sigtermAt = 0;
      let gone = false;
      let inFlight = 0;

      const request = async (what: string, method: string, path: string, expected: number, token: string, body?: string) => {
        inFlight++;
        const outcome = await send(s.url, method, path, { token, body, timeoutMs: 60_000 });
        inFlight--;
        sent.push({ what, expected, outcome, late: sigtermAt > 0 });
        return outcome.ending === 'answered' && outcome.status === expected ? outcome.body : undefined;
      };

      const read = async (user: Runner) => {
        const r = Math.random();
        const courseId = w.courseIds[Math.floor(Math.random() * w.courseIds.length)]!;
        const own = runs.filter((x) => x.user === user);
        if (r < 0.3) await request('my runs', 'GET', '/api/v1/users/me/runs?limit=5', 200, user.token);
        else if (r < 0.6) await request('leaderboard', 'GET', `/api/v1/courses/${courseId}/rankings?limit=10`, 200, user.token);
        else if (r < 0.8 || own.length === 0) await request('course', 'GET', `/api/v1/courses/${courseId}`, 200, user.token);
        else await request('run', 'GET', `/api/v1/runs/${own[Math.floor(Math.random() * own.length)]!.runId}`, 200, user.token);
      };

      const finishRun = async (seed: number) => {
        const run = planRun(w, seed);
        const created = (await request('session start', 'POST', '/api/v1/runs/sessions', 201, run.user.token, sessionBody(run))) as
          | { session_id: string }
          | undefined;
        if (!created) return;
        const id = created.session_id;
        fates.set(id, { kind: 'open' });
        // Now and then the app sends the completion twice at once (a retry racing the first try).
        const copies = Math.random() < 0.2 ? 2 : 1;
        const answers = await Promise.all(
          Array.from({ length: copies }, () => request('completion', 'POST', `/api/v1/runs/sessions/${id}/complete`, 201, run.user.token, run.completion)),
        );
        const answer = answers.find((a) => a !== undefined) as { run_record_id: string } | undefined;
        if (!answer) return; // refused or dropped unread: the session must still be open, without a run
        tally.completions++;
        fates.set(id, { kind: 'completed', runId: answer.run_record_id });
        runs.push({ runId: answer.run_record_id, user: run.user });
      };

      let seed = round * 1_000_000;
      const clients = Array.from({ length: size.clients }, async () => {
        while (!gone) {
          const user = w.users[Math.floor(Math.random() * w.users.length)]!;
          if (Math.random() < 0.45) await read(user);
          else await finishRun(++seed);
          // Once the server stops listening every request is refused at once: no need to spin.
          if (sigtermAt > 0) await sleep(20);
        }
      });

      // The load runs its time and until some runs were completed this round (a minute at most).
      const started = Date.now();
      const completedBefore = tally.completions;
      while ((Date.now() - started < size.loadMs || tally.completions - completedBefore < 5) && Date.now() - started < 60_000) await sleep(50);
      tally.inFlightAtSigterm += inFlight;
      sigtermAt = Date.now();
      s.child.kill('SIGTERM');
      const code = await Promise.race([s.exited, sleep((SHUTDOWN_TIMEOUT_SECONDS + 15) * 1000).then(() => 'hung' as const)]);
      const exitMs = Date.now() - sigtermAt;
      gone = true;
      await Promise.all(clients);
      if (code === 'hung') {
        fail(`round ${round}: the server was still running ${exitMs} ms after SIGTERM`);
        await s.stop(1000);
      } else if (code !== 0) {
        fail(`round ${round}: the server exited with ${code} ${exitMs} ms after SIGTERM`);
      }
      tally.slowestExitMs = Math.max(tally.slowestExitMs, exitMs);

      for (const { what, expected, outcome: o, late } of sent) {
        tally.requests++;
        const logged = s.answered.get(o.requestId);
        const label = `round ${round}: ${what} ending ${late ? 'after' : 'before'} SIGTERM`;
        if (o.ending === 'answered') {
          if (o.status === expected) tally.answered++;
          else if (o.status === 503 && o.retryAfter) {
            if ((o.body as { code?: string } | null)?.code === 'OVERLOADED') tally.overloaded++;
            else tally.refusedClosing++;
          } else fail(`${label} answered ${o.status} (retry-after ${o.retryAfter}): ${JSON.stringify(o.body).slice(0, 300)}`);
        } else if (o.ending === 'refused') {
          tally.refusedAtConnect++;
          if (!late) fail(`${label} refused at connect`);
        } else if (o.ending === 'dropped' && logged === undefined && late) {
          tally.droppedUnread++;
        } else {
          fail(`${label} ${o.ending} (${o.error ?? ''})${logged === undefined ? '' : `, though the server answered it ${logged}`}`);
        }
      }
      for (const problem of serverProblems(s)) fail(`round ${round}: ${problem}`);
      for (const problem of await checkConsistency(pool, w, fates, false)) fail(`round ${round}: ${problem}`);
      server = undefined;
    }

    // A fresh server drains the statistics jobs the stopped ones left behind, then stops idle.
    server = await startServerProcess({ DATABASE_URL: url, SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS) });
    const drained = await waitForStatsJobs(pool, world);
    if (!drained) fail('course-stats jobs did not drain within 60 s');
    const failedJobs = await failedStatsJobs(pool, world);
    if (failedJobs > 0) fail(`${failedJobs} course-stats jobs failed`);
    for (const problem of await checkConsistency(pool, world, fates, drained)) fail(problem);
    const code = await server.stop();
    if (code !== 0) fail(`the draining server exited with ${code}`);
    for (const problem of serverProblems(server)) fail(problem);

    notes.push(
      `${size.rounds} SIGTERM(s) under ${size.clients} clients: ${tally.requests} requests, ${tally.completions} runs completed, ` +
        `${tally.inFlightAtSigterm} requests in flight at SIGTERM, slowest exit ${tally.slowestExitMs} ms after SIGTERM`,
      `${tally.answered} answered as expected, ${tally.refusedClosing} answered 503 + Retry-After while closing, ` +
        `${tally.refusedAtConnect} refused at connect, ${tally.droppedUnread} dropped unread by the closing server, ` +
        `${tally.overloaded} answered 503 (overloaded)`,
    );
  } catch (err) {
    fail(`the scenario crashed: ${(err as Error).stack ?? String(err)}`);
  } finally {
    if (server && server.child.exitCode === null) await server.stop();
    if (world) await removeWorld(pool, world).catch((err: unknown) => notes.push(`cleanup failed: ${String(err)}`));
    await pool.end();
  }
  notes.push(...failureNotes(tally.failures));
  return { name: 'shutdown', requests: tally.requests, faults: size.rounds, failures: tally.failures.length, notes };
}
