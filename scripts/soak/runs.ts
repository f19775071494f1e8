// No lost or doubled runs. Many runners finish runs on a few courses against the real server process, the way
// phones do on bad networks: the same completion sent 2–4 times at once, requests given up mid-flight (a client
// timeout, a socket torn down mid-upload or while waiting) and sent again, chunks uploaded twice, sessions never
// finished, and runs deleted while the others keep coming. Afterwards everything derived from run_records is
// recomputed and compared: one run per completed session (none for the others) and one answer per session,
// the runners' counters, the leaderboards and their per-time counts, and the course statistics once the
// statistics jobs have drained.
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
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
  sendAndDestroy,
  sessionBody,
  soakDatabaseUrl,
  waitForStatsJobs,
  type Outcome,
  type PlannedRun,
  type Runner,
  type SessionFate,
  type World,
} from './_run-load.js';
import { serverProblems, startServerProcess, type ServerProcess } from './_server-process.js';

const SIZES = {
  short: { sessions: 240, users: 20, clients: 8 },
  full: { sessions: 3000, users: 150, clients: 16 },
} as const;

type Mode = 'single' | 'duplicates' | 'abort' | 'destroy' | 'chunks' | 'never';
const MODES: [Mode, number][] = [
  ['single', 0.2],
  ['duplicates', 0.25],
  ['abort', 0.2],
  ['destroy', 0.15],
  ['chunks', 0.12],
  ['never', 0.08],
];
/** Share of completed runs deleted later on, while other runs still come in. */
const DELETE_SHARE = 0.08;
/** Attempts at one completion before the client gives up (every attempt after an abort must get an answer). */
const MAX_ROUNDS = 8;

function pickMode(): Mode {
  let r = Math.random();
  for (const [mode, weight] of MODES) {
    if ((r -= weight) < 0) return mode;
  }
  return 'single';
}

const between = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));

class Tally {
  requests = 0;
  retries = 0;
  duplicates = 0;
  aborts = 0;
  overloaded = 0;
  completions = 0;
  deletions = 0;
  failures: string[] = [];

  fail(what: string): void {
    this.failures.push(what);
  }
}

interface Deletion {
  sessionId: string;
  runId: string;
  user: Runner;
  completion: string;
}

export async function run(scale: Scale): Promise<SoakReport> {
  const size = SIZES[scale];
  const url = soakDatabaseUrl();
  await prepareDatabase(url);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const tally = new Tally();
  const fates = new Map<string, SessionFate>();
  const notes: string[] = [];
  let world: World | undefined;
  let server: ServerProcess | undefined;
  try {
    world = await createWorld(pool, size.users);
    server = await startServerProcess({ DATABASE_URL: url });
    const base = server.url;
    const started = Date.now();
    const pendingDeletes: Deletion[] = [];
    const w = world;

    /** Sends `send1()` until it is answered with `expected`; abandoned requests are retried, a 503 waited out. */
    async function call(what: string, send1: () => Promise<Outcome>, expected: number): Promise<unknown> {
      for (let attempt = 0; attempt < MAX_ROUNDS; attempt++) {
        if (attempt > 0) tally.retries++;
        tally.requests++;
        const o = await send1();
        if (o.ending === 'answered' && o.status === expected) return o.body;
        if (!(await retryable(o, what))) return undefined;
      }
      tally.fail(`${what}: no answer after ${MAX_ROUNDS} attempts`);
      return undefined;
    }

    /** Whether an outcome deserves another attempt (a 503 after its Retry-After); anything that breaks a promise is recorded. */
    async function retryable(o: Outcome, what: string): Promise<boolean> {
      if (o.ending === 'aborted') {
        tally.aborts++;
        return true;
      }
      if (o.ending === 'answered' && o.status === 503 && o.retryAfter) {
        tally.overloaded++;
        await sleep(Math.min(5, Number(o.retryAfter) || 1) * 1000);
        return true;
      }
      tally.fail(`${what}: ${o.ending} ${o.status ?? ''} ${o.error ?? ''} ${JSON.stringify(o.body ?? '').slice(0, 300)}`);
      return o.ending !== 'answered';
    }

    const completePath = (id: string) => `/api/v1/runs/sessions/${id}/complete`;

    /** The first round of a completion, shaped by the mode; later rounds are one request or, at times, two at once. */
    function firstRound(mode: Mode, id: string, run: PlannedRun): Promise<Outcome>[] {
      const token = run.user.token;
      const plain = () => send(base, 'POST', completePath(id), { token, body: run.completion });
      switch (mode) {
        case 'duplicates':
          return Array.from({ length: between(2, 4) }, plain);
        case 'abort':
          return [send(base, 'POST', completePath(id), { token, body: run.completion, abortAfterMs: between(1, 120) })];
        case 'destroy': {
          const cut = Math.random() < 0.4 ? Math.floor(Math.random() * run.completion.length) : null;
          return [sendAndDestroy(base, completePath(id), token, run.completion, cut, between(0, 80))];
        }
        case 'chunks':
          return [plain(), plain()];
        default:
          return [plain()];
      }
    }

    async function complete(mode: Mode, id: string, run: PlannedRun): Promise<void> {
      const answers: unknown[] = [];
      let round = firstRound(mode, id, run);
      tally.duplicates += round.length - 1;
      for (let attempt = 0; attempt < MAX_ROUNDS && answers.length === 0; attempt++) {
        if (attempt > 0) {
          const copies = Math.random() < 0.3 ? 2 : 1;
          round = Array.from({ length: copies }, () => send(base, 'POST', completePath(id), { token: run.user.token, body: run.completion }));
          tally.retries += copies;
          tally.duplicates += copies - 1;
        }
        tally.requests += round.length;
        for (const o of await Promise.all(round)) {
          if (o.ending === 'answered' && o.status === 201) answers.push(o.body);
          else await retryable(o, `completion of ${id} (${mode})`);
        }
      }
      if (answers.length === 0) {
        fates.set(id, { kind: 'unknown' });
        tally.fail(`completion of ${id} (${mode}): no answer after ${MAX_ROUNDS} rounds`);
        return;
      }
      tally.completions++;
      const first = answers[0] as { run_record_id: string };
      for (const other of answers.slice(1)) {
        if (!isDeepStrictEqual(other, first)) tally.fail(`completion of ${id} answered differently: ${JSON.stringify([first, other]).slice(0, 600)}`);
      }
      fates.set(id, { kind: 'completed', runId: first.run_record_id });
      if (Math.random() < DELETE_SHARE) pendingDeletes.push({ sessionId: id, runId: first.run_record_id, user: run.user, completion: run.completion });
    }

    async function uploadChunks(id: string, run: PlannedRun, only?: number): Promise<void> {
      for (const chunk of run.chunks.slice(0, only ?? run.chunks.length)) {
        const body = JSON.stringify(chunk);
        const path = `/api/v1/runs/sessions/${id}/chunks`;
        // A chunk retried while the first try is still in flight: both get the stored chunk.
        const copies = Math.random() < 0.5 ? 2 : 1;
        tally.duplicates += copies - 1;
        await Promise.all(
          Array.from({ length: copies }, () => call(`chunk ${chunk.sequence} of ${id}`, () => send(base, 'POST', path, { token: run.user.token, body }), 201)),
        );
      }
    }

    async function session(n: number): Promise<void> {
      const run = planRun(w, n + 1);
      const mode = pickMode();
      const created = (await call('session start', () => send(base, 'POST', '/api/v1/runs/sessions', { token: run.user.token, body: sessionBody(run) }), 201)) as
        | { session_id: string }
        | undefined;
      if (!created) return;
      const id = created.session_id;
      fates.set(id, { kind: 'open' });
      if (mode === 'never') {
        if (Math.random() < 0.5) await uploadChunks(id, run, 1);
        return;
      }
      if (mode === 'chunks') await uploadChunks(id, run);
      await complete(mode, id, run);
    }

    /** Deletes a run (once, twice at once, or after an abort), then replays its completion: the run stays gone. */
    async function deleteRun(d: Deletion): Promise<void> {
      const path = `/api/v1/runs/${d.runId}`;
      const copies = Math.random() < 0.35 ? 2 : 1;
      const abortFirst = Math.random() < 0.3;
      let deleted = 0;
      let aborted = false;
      let round: Promise<Outcome>[] = abortFirst
        ? [send(base, 'DELETE', path, { token: d.user.token, abortAfterMs: between(1, 40) })]
        : Array.from({ length: copies }, () => send(base, 'DELETE', path, { token: d.user.token }));
      tally.duplicates += round.length - 1;
      for (let attempt = 0; attempt < MAX_ROUNDS; attempt++) {
        if (attempt > 0) {
          round = [send(base, 'DELETE', path, { token: d.user.token })];
          tally.retries++;
        }
        tally.requests += round.length;
        let answered = false;
        for (const o of await Promise.all(round)) {
          if (o.ending === 'answered' && (o.status === 204 || o.status === 404)) {
            answered = true;
            if (o.status === 204) deleted++;
          } else if (await retryable(o, `deletion of ${d.runId}`)) {
            aborted ||= o.ending === 'aborted';
          }
        }
        if (answered) break;
      }
      // Exactly one deletion took effect: one 204, or none when an abandoned attempt did it.
      if (deleted > 1 || (deleted === 0 && !aborted)) tally.fail(`deletion of ${d.runId} answered 204 ${deleted} times`);
      tally.deletions++;
      fates.set(d.sessionId, { kind: 'deleted' });
      if (Math.random() < 0.5) {
        const replay = () => send(base, 'POST', completePath(d.sessionId), { token: d.user.token, body: d.completion });
        await call(`completion replayed after deleting ${d.runId}`, replay, 404);
        await call(`reading deleted run ${d.runId}`, () => send(base, 'GET', path, { token: d.user.token }), 404);
      }
    }

    const takeDeletion = () => pendingDeletes.splice(Math.floor(Math.random() * pendingDeletes.length), 1)[0];
    let next = 0;
    await Promise.all(
      Array.from({ length: size.clients }, async () => {
        while (next < size.sessions) {
          const n = next++;
          if (pendingDeletes.length > 0 && Math.random() < 0.5) await deleteRun(takeDeletion()!);
          await session(n);
        }
        for (let d = takeDeletion(); d; d = takeDeletion()) await deleteRun(d);
      }),
    );
    const loadSeconds = (Date.now() - started) / 1000;

    const drained = await waitForStatsJobs(pool, world);
    if (!drained) tally.fail('course-stats jobs did not drain within 60 s');
    const failedJobs = await failedStatsJobs(pool, world);
    if (failedJobs > 0) tally.fail(`${failedJobs} course-stats jobs failed`);
    for (const problem of await checkConsistency(pool, world, fates, drained)) tally.fail(problem);

    const code = await server.stop();
    if (code !== 0) tally.fail(`the server exited with ${code}`);
    for (const problem of serverProblems(server)) tally.fail(problem);

    const { rows } = await pool.query<{ runs: number; ranked: number; runners: number }>(
      `SELECT count(*)::int AS runs, count(*) FILTER (WHERE ranking_at_time IS NOT NULL)::int AS ranked,
              (SELECT count(*)::int FROM rankings WHERE course_id = ANY($2)) AS runners
         FROM run_records WHERE user_id = ANY($1)`,
      [world.users.map((u) => u.id), world.courseIds],
    );
    notes.push(
      `${size.sessions} sessions by ${size.users} runners over ${size.clients} clients in ${loadSeconds.toFixed(0)} s: ` +
        `${tally.completions} completed (${(tally.completions / loadSeconds).toFixed(1)}/s), ${tally.deletions} deleted, ` +
        `${rows[0]!.runs} runs stored (${rows[0]!.ranked} ranked, ${rows[0]!.runners} leaderboard rows)`,
      `${tally.retries} retries, ${tally.duplicates} duplicate copies, ${tally.aborts} requests abandoned mid-flight, ` +
        `${tally.overloaded} answered 503 (overloaded)`,
    );
  } catch (err) {
    tally.fail(`the scenario crashed: ${(err as Error).stack ?? String(err)}`);
  } finally {
    if (server && server.child.exitCode === null) await server.stop();
    if (world) await removeWorld(pool, world).catch((err: unknown) => notes.push(`cleanup failed: ${String(err)}`));
    await pool.end();
  }
  notes.push(...failureNotes(tally.failures));
  return { name: 'runs', requests: tally.requests, faults: tally.aborts, failures: tally.failures.length, notes };
}
