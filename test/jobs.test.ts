import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Database } from '../src/infra/db/database.js';
import { JobQueue, type Job } from '../src/infra/jobs/queue.js';
import { createLogger } from '../src/infra/logging.js';
import { LogCapture, openTestDatabase, testConfig, usingEmbeddedDb } from './helpers/app.js';
import { findJob, waitForIdleQueue, waitForJob } from './helpers/jobs.js';
import { startServerProcesses } from '../scripts/soak/_server-process.js';

// Queue names are unique per run: the test database outlives the run.
const run = randomUUID().slice(0, 8);
const NOTE = `test-${run}-note`;
const PROBE = `test-${run}-probe`;
const FLAKY = `test-${run}-flaky`;
const DOOMED = `test-${run}-doomed`;
const REFRESH = `test-${run}-refresh`;
const SLOW = `test-${run}-slow`;
const STUCK = `test-${run}-stuck`;

/** A promise with its resolve function, to hold a handler until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('job queue', () => {
  const config = testConfig();
  const logs = new LogCapture();
  const logger = createLogger({ ...config, LOG_LEVEL: 'info' }, logs);
  let db: Database;
  let jobs: JobQueue;
  const extraQueues: JobQueue[] = [];

  const notesSeen: { noteId: string; body: string | null }[] = [];
  const probes: string[] = [];
  const flakyAttempts: number[] = [];
  let doomedCalls = 0;

  before(async () => {
    db = await openTestDatabase(config);
    await db.query('CREATE TABLE IF NOT EXISTS jobs_test_notes (id uuid PRIMARY KEY, body text NOT NULL)');
    jobs = new JobQueue(db, logger, { pollSeconds: 0.5 });
    jobs.register<{ noteId: string }>(NOTE, async ({ data }) => {
      const { rows } = await db.query<{ body: string }>('SELECT body FROM jobs_test_notes WHERE id = $1', [data.noteId]);
      notesSeen.push({ noteId: data.noteId, body: rows[0]?.body ?? null });
    });
    jobs.register<{ tag: string }>(PROBE, async ({ data }) => {
      probes.push(data.tag);
    });
    jobs.register(
      FLAKY,
      async (job: Job<object>) => {
        flakyAttempts.push(job.retryCount);
        if (flakyAttempts.length < 3) throw new Error('flaky');
      },
      { retryLimit: 3, retryDelay: 1, retryBackoff: true },
    );
    jobs.register(
      DOOMED,
      async () => {
        doomedCalls++;
        throw new Error('doomed');
      },
      { retryLimit: 1, retryDelay: 0, retryBackoff: false },
    );
    await jobs.start({ workers: true });
  });

  after(async () => {
    await jobs.stop(5000);
    for (const q of extraQueues) await q.stop(0);
    for (const name of [NOTE, PROBE, FLAKY, DOOMED, REFRESH, SLOW, STUCK]) {
      await db.query('DELETE FROM pgboss.job WHERE name = $1', [name]);
      await db.query('SELECT pgboss.delete_queue($1)', [name]);
    }
    await db.query('DROP TABLE IF EXISTS jobs_test_notes');
    await db.close();
  });

  /** Enqueues a committed probe and waits for it: every job enqueued before it has had its turn. */
  async function probe(tag: string): Promise<void> {
    const id = await jobs.enqueue(db, PROBE, { tag });
    assert.ok(id);
    assert.equal((await waitForJob(db, PROBE, id)).state, 'completed');
  }

  it('runs a job enqueued in a committed transaction once, after its data is committed', async () => {
    const noteId = randomUUID();
    const id = await db.transaction(async (tx) => {
      const jobId = await jobs.enqueue(tx, NOTE, { noteId });
      // On PostgreSQL, let a worker poll while the transaction is open: the job must not be visible.
      // (PGlite's single connection is held by this transaction, so nothing else runs meanwhile.)
      if (!usingEmbeddedDb) await probe('while-open');
      await tx.query('INSERT INTO jobs_test_notes (id, body) VALUES ($1, $2)', [noteId, 'hello']);
      return jobId;
    });
    assert.ok(id);
    const row = await waitForJob(db, NOTE, id);
    assert.equal(row.state, 'completed');
    assert.deepEqual(row.data, { noteId });
    await probe('after-note');
    assert.deepEqual(notesSeen, [{ noteId, body: 'hello' }]);
  });

  it('never runs a job enqueued in a transaction that rolled back', async () => {
    let rolledBack: string | null = null;
    await assert.rejects(
      db.transaction(async (tx) => {
        rolledBack = await jobs.enqueue(tx, PROBE, { tag: 'rolled-back' });
        throw new Error('request failed');
      }),
      /request failed/,
    );
    assert.ok(rolledBack, 'the job was inserted inside the transaction');
    // Jobs are fetched oldest first, so the rolled-back job would have run before this one.
    await probe('sentinel');
    assert.ok(probes.includes('sentinel'));
    assert.ok(!probes.includes('rolled-back'));
    assert.equal(await findJob(db, PROBE, rolledBack), undefined);
  });

  it('retries a failing job with backoff until it succeeds', async () => {
    const id = await jobs.enqueue(db, FLAKY, { n: 1 });
    assert.ok(id);
    const row = await waitForJob(db, FLAKY, id);
    assert.equal(row.state, 'completed');
    assert.deepEqual(flakyAttempts, [0, 1, 2]);
    assert.equal(row.retry_count, 2);
    assert.equal(row.retry_backoff, true);
    const failures = logs.records.filter((r) => r.message === 'job failed' && (r.job as { id: string }).id === id);
    assert.equal(failures.length, 2);
  });

  it('marks a job failed once its retries are spent', async () => {
    const id = await jobs.enqueue(db, DOOMED, {});
    assert.ok(id);
    const row = await waitForJob(db, DOOMED, id);
    assert.equal(row.state, 'failed');
    assert.equal(doomedCalls, 2);
    assert.equal((row.output as { message: string }).message, 'doomed');
  });

  it('keeps one waiting job per singleton key', async () => {
    // A producer without workers, like the API with RUN_WORKERS=false: jobs stay waiting.
    const producer = new JobQueue(db, logger, { pollSeconds: 0.5 });
    extraQueues.push(producer);
    producer.register(REFRESH, async () => undefined, { policy: 'short' });
    producer.register(PROBE, async () => undefined);
    await producer.start({ workers: false });

    const first = await db.transaction((tx) => producer.enqueue(tx, REFRESH, { userId: 'a' }, { singletonKey: 'a' }));
    const again = await db.transaction((tx) => producer.enqueue(tx, REFRESH, { userId: 'a' }, { singletonKey: 'a' }));
    const other = await producer.enqueue(db, REFRESH, { userId: 'b' }, { singletonKey: 'b' });
    assert.ok(first);
    assert.equal(again, null);
    assert.ok(other);
    const { rows } = await db.query<{ key: string; n: number }>(
      'SELECT singleton_key AS key, count(*) AS n FROM pgboss.job WHERE name = $1 GROUP BY 1 ORDER BY 1',
      [REFRESH],
    );
    assert.deepEqual(rows, [
      { key: 'a', n: 1 },
      { key: 'b', n: 1 },
    ]);
    // A key on a standard queue would silently not deduplicate: refused.
    await assert.rejects(producer.enqueue(db, PROBE, { tag: 'x' }, { singletonKey: 'x' }), /standard policy/);
    await assert.rejects(producer.enqueue(db, 'no-such-queue', {}), /Unknown job queue/);

    // What a producer enqueues, a process with workers runs.
    for (const tag of ['split-1', 'split-2', 'split-3']) await producer.enqueue(db, PROBE, { tag });
    await waitForIdleQueue(db, PROBE);
    assert.deepEqual(
      probes.filter((p) => p.startsWith('split-')),
      ['split-1', 'split-2', 'split-3'],
    );
  });

  it('stop() lets a running job finish and record its outcome', async () => {
    const queue = new JobQueue(db, logger, { pollSeconds: 0.5 });
    extraQueues.push(queue);
    const started = gate();
    const release = gate();
    let finished = false;
    queue.register(SLOW, async () => {
      started.open();
      await release.promise;
      finished = true;
    });
    await queue.start({ workers: true });
    const id = await queue.enqueue(db, SLOW, {});
    assert.ok(id);
    await started.promise;

    let stopped = false;
    const stopping = queue.stop(10_000).then(() => (stopped = true));
    await sleep(1500);
    assert.equal(stopped, false, 'stop() returned while a job was running');
    release.open();
    await stopping;
    assert.equal(finished, true);
    assert.equal((await findJob(db, SLOW, id))?.state, 'completed');
    await assert.rejects(queue.enqueue(db, SLOW, {}), /not running/);
  });

  it('stop() gives up on a job still running at the deadline and leaves it to be retried', async () => {
    const queue = new JobQueue(db, logger, { pollSeconds: 0.5 });
    extraQueues.push(queue);
    const started = gate();
    const release = gate();
    queue.register(STUCK, async () => {
      started.open();
      await release.promise;
    });
    await queue.start({ workers: true });
    const id = await queue.enqueue(db, STUCK, {});
    assert.ok(id);
    await started.promise;
    await queue.stop(1000);
    assert.equal((await findJob(db, STUCK, id))?.state, 'retry');
    // The abandoned handler finishing later changes nothing.
    release.open();
    await sleep(100);
    assert.equal((await findJob(db, STUCK, id))?.state, 'retry');
  });
});

describe('worker process', () => {
  function startWorker(env: Record<string, string>) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      env: { ...process.env, JSON_LOGS: 'true', LOG_LEVEL: 'info', JOB_POLL_SECONDS: '0.5', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, output: () => out };
  }

  it('refuses to run on the embedded database', async () => {
    const worker = startWorker({ DATABASE_URL: '' });
    assert.equal(await worker.exited, 1);
    assert.match(worker.output(), /needs DATABASE_URL/);
  });

  // On PGlite a second process would share the test run's single database session.
  it('starts workers without HTTP and stops gracefully on SIGTERM', { skip: usingEmbeddedDb }, async () => {
    const worker = startWorker({});
    const deadline = Date.now() + 20_000;
    while (!worker.output().includes('job workers started') && Date.now() < deadline) await sleep(100);
    assert.match(worker.output(), /job workers started/);
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
    assert.match(worker.output(), /shutting down/);
  });
});

describe('servers starting together on a fresh database', () => {
  // Before the start-up lock, one of them exited 1: each created pg-boss's schema, and a later one got a duplicate
  // key on pg_namespace (its catalog cache was read before the first one's commit).
  it('all start, and all exit 0', { skip: usingEmbeddedDb && 'needs a real PostgreSQL: the servers run in processes of their own' }, async () => {
    const admin = await Database.open({ url: process.env.DATABASE_URL, dataDir: '', poolMax: 1, logger: createLogger({ ...testConfig(), LOG_LEVEL: 'silent' }) });
    const name = `runcrew_jobstart_${randomUUID().slice(0, 8)}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    try {
      const env = { DATABASE_URL: url.toString(), REDIS_URL: '', DB_POOL_MAX: '4' };
      const servers = await startServerProcesses([env, env, env]);
      const exits = await Promise.all(servers.map((server) => server.stop()));
      assert.deepEqual(exits, [0, 0, 0]);
    } finally {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.close();
    }
  });
});
