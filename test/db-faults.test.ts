// Database faults: a private PostgreSQL cluster (never the shared one) is stopped and started under our feet.
// The short form of scripts/soak/db-faults.ts (fast and immediate stops under load), plus the two defects it
// found, each shown on its own: a connection lost inside a transaction stopped the whole process, and a job
// outcome lost to a restart left the job 'active' until it expired.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import pino from 'pino';
import { Database } from '../src/infra/db/database.js';
import { isDatabaseUnavailable } from '../src/infra/db/unavailable.js';
import { JobQueue } from '../src/infra/jobs/queue.js';
import { prepareDatabase } from '../scripts/bench/database.js';
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from '../scripts/soak/_private-postgres.js';
import { runDbFaults } from '../scripts/soak/db-faults.js';
import { findJob, waitForJob } from './helpers/jobs.js';

const unavailable = privatePostgresUnavailable();
const skip = unavailable ? `needs a private PostgreSQL cluster: ${unavailable}` : false;
const logger = pino({ level: 'silent' });

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('a database restart', { skip }, () => {
  let cluster: PrivatePostgres;
  let db: Database;
  before(async () => {
    cluster = await startPrivatePostgres();
    await prepareDatabase(cluster.url('runcrew_faults'));
    db = await Database.open({ url: cluster.url('runcrew_faults'), dataDir: '', poolMax: 3, logger });
  });
  after(async () => {
    await db?.close().catch(() => undefined);
    await cluster?.destroy();
  });

  it('between two statements of a transaction fails that transaction, not the process', async () => {
    const admin = new pg.Client({ connectionString: cluster.url('runcrew_faults') });
    await admin.connect();
    try {
      const failed = db.transaction(async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // The server ends this connection while the transaction computes between statements.
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await sleep(300);
        await tx.query('SELECT 1');
      });
      await assert.rejects(failed, (err: unknown) => isDatabaseUnavailable(err));
      // The broken connection was dropped, not handed out again.
      for (let i = 0; i < 5; i++) assert.equal((await db.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n, 1);
    } finally {
      await admin.end();
    }
  });

  it('does not lose the outcome of a job that finished or failed while the database was down', async () => {
    const jobs = new JobQueue(db, logger, { pollSeconds: 0.5 });
    const started = { ok: gate(), failing: gate() };
    const release = gate();
    let failingAttempts = 0;
    jobs.register('fault-ok', async () => {
      started.ok.open();
      await release.promise;
    });
    jobs.register(
      'fault-failing',
      async () => {
        failingAttempts++;
        if (failingAttempts > 1) return;
        started.failing.open();
        await release.promise;
        throw new Error('lost its database');
      },
      { retryDelay: 1, retryBackoff: false },
    );
    await jobs.start({ workers: true });
    try {
      const ok = (await jobs.enqueue(db, 'fault-ok', {}))!;
      const failing = (await jobs.enqueue(db, 'fault-failing', {}))!;
      await Promise.all([started.ok.promise, started.failing.promise]);
      await cluster.stop('fast');
      release.open(); // both handlers end while nothing can record it
      await sleep(1500);
      await cluster.start();
      assert.equal((await waitForJob(db, 'fault-ok', ok, ['completed'], 15_000)).state, 'completed');
      assert.equal((await waitForJob(db, 'fault-failing', failing, ['completed'], 15_000)).state, 'completed');
      assert.equal(failingAttempts, 2);
      assert.equal((await findJob(db, 'fault-failing', failing))!.retry_count, 1);
    } finally {
      release.open();
      await jobs.stop(2000);
    }
  });
});

describe('database faults under load (scripts/soak/db-faults.ts, short)', { skip }, () => {
  it('answers 503 with Retry-After during outages, recovers by itself, and loses no run and no job', async (t) => {
    const { report, figures } = await runDbFaults('short');
    for (const note of report.notes) t.diagnostic(note);
    assert.equal(report.failures, 0, report.notes.join('\n'));
    assert.equal(report.faults, 2);
    assert.ok(figures.outage503 > 0, 'requests were answered 503 during the outages');
    assert.equal(figures.recoveriesMs.length, 2);
    assert.ok(figures.runsCompleted > 0);
    assert.ok(figures.jobsAcknowledged > 0);
  });
});
