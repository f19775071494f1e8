// Background jobs: a durable queue on PostgreSQL (pg-boss, in its own schema `pgboss`).
// A job is enqueued through the caller's transaction, so it exists only if the data it needs was
// committed. pg-boss reaches the database only through our Database: the embedded PGlite is one
// session, and a pool of pg-boss's own would interleave its statements with our transactions.
// pg-boss polls for jobs; it needs no LISTEN/NOTIFY.
import { reportJobError } from '../sentry.js';
import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { withAdvisoryLock } from '../db/advisory-lock.js';
import type { Database, Queryable } from '../db/database.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';

export interface Job<T> {
  id: string;
  name: string;
  data: T;
  /** 0 on the first attempt. */
  retryCount: number;
}

export type JobHandler<T> = (job: Job<T>) => Promise<void>;

export interface QueueOptions {
  /** Attempts after the first failure. */
  retryLimit?: number;
  /** Seconds before a retry; with `retryBackoff` it doubles at each attempt (plus jitter). */
  retryDelay?: number;
  retryBackoff?: boolean;
  /** A run that takes longer is failed (and retried); the handler itself is not interrupted. */
  expireInSeconds?: number;
  /**
   * 'standard': no deduplication. 'short': at most one waiting job per `singletonKey` (a job that
   * has started no longer counts, so a later change is never lost). 'stately': at most one waiting
   * and one running job per key. A job enqueued without a key uses the empty key.
   */
  policy?: PgBoss.QueuePolicy;
}

export interface EnqueueOptions {
  /** Deduplication key; needs a queue whose policy is not 'standard'. */
  singletonKey?: string;
  /** The job waits until then (e.g. a rate-limited upstream's next window). */
  startAfter?: Date;
}

/** Pause between attempts to record a job's outcome while the database is unreachable. */
const OUTCOME_RETRY_MS = 1000;
/** Held while pg-boss installs or upgrades its schema (migrate.ts holds another for ours). */
const START_LOCK_KEY = 727_274_002;

const DEFAULTS: Required<QueueOptions> = {
  retryLimit: 3,
  retryDelay: 5,
  retryBackoff: true,
  expireInSeconds: 15 * 60,
  policy: 'standard',
};

interface Registration {
  options: Required<QueueOptions>;
  handler: JobHandler<never>;
}

interface Periodic {
  name: string;
  intervalMs: number;
  task: () => Promise<void>;
  timer?: NodeJS.Timeout;
}

export class JobQueue {
  private readonly queues = new Map<string, Registration>();
  private boss: PgBoss | undefined;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private workerNames: string[] = [];
  private readonly periodic: Periodic[] = [];
  private readonly inFlightSql = new Set<Promise<unknown>>();
  private readonly inFlightJobs = new Set<Promise<unknown>>();
  /** Epoch ms after which stop() no longer waits for running jobs. */
  private stopDeadline = Infinity;
  /** While starting, pg-boss's statements run on the connection that holds the start-up lock. */
  private startClient: Queryable | undefined;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: { pollSeconds: number },
  ) {}

  /** Declares a queue and its handler. Every process registers every queue, workers or not. */
  register<T extends object>(name: string, handler: JobHandler<T>, options: QueueOptions = {}): void {
    if (this.state !== 'new') throw new Error(`Job queue ${name} registered after start()`);
    if (this.queues.has(name)) throw new Error(`Job queue ${name} is registered twice`);
    this.queues.set(name, { options: { ...DEFAULTS, ...options }, handler: handler as JobHandler<never> });
  }

  /**
   * Runs `task` in the processes that run workers: right after start, then `intervalMs` after each run ends
   * (runs never overlap); a failure is logged. stop() cancels it and waits for a running task as for a running
   * job. For idempotent housekeeping (several workers may each run it): pg-boss's own cron scheduler is off.
   */
  every(name: string, intervalMs: number, task: () => Promise<void>): void {
    if (this.state !== 'new') throw new Error(`Periodic task ${name} registered after start()`);
    this.periodic.push({ name, intervalMs, task });
  }

  /**
   * Adds a job in the caller's transaction (or on the Database for a job of its own): it becomes
   * visible to workers when that transaction commits, and vanishes if it rolls back.
   * Returns the job id, or null when a waiting job with the same singletonKey made it redundant.
   */
  async enqueue<T extends object>(tx: Queryable, name: string, data: T, options: EnqueueOptions = {}): Promise<string | null> {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`Unknown job queue: ${name}`);
    if (!this.boss || (this.state !== 'running' && this.state !== 'stopping')) throw new Error('The job queue is not running');
    if (options.singletonKey !== undefined && queue.options.policy === 'standard') {
      throw new Error(`Job queue ${name} has the standard policy: a singletonKey would not deduplicate`);
    }
    return this.boss.send(name, data, {
      singletonKey: options.singletonKey,
      startAfter: options.startAfter,
      db: { executeSql: (text, values) => tx.query(text, values) },
    });
  }

  /** Installs or upgrades pg-boss's schema, creates the queues, and with `workers` runs their handlers. */
  async start({ workers }: { workers: boolean }): Promise<void> {
    if (this.state !== 'new') throw new Error('The job queue was already started');
    this.state = 'starting';
    const boss = new PgBoss({
      db: { executeSql: (text, values) => this.executeSql(text, values) },
      schedule: false, // no cron jobs yet; it would add a poller of its own
      supervise: workers, // maintenance: expire stuck jobs, archive finished ones
    });
    boss.on('error', (err) => this.logger.error({ err }, 'job queue error'));
    this.boss = boss;
    try {
      // Processes starting together on a fresh database would each create pg-boss's schema (one fails).
      await withAdvisoryLock(this.db, START_LOCK_KEY, async (client) => {
        this.startClient = client;
        try {
          await boss.start();
          for (const [name, { options }] of this.queues) {
            // createQueue leaves an existing queue as it was; the code is the source of truth.
            await boss.createQueue(name, { name, ...options });
            await boss.updateQueue(name, { name, ...options });
          }
        } finally {
          this.startClient = undefined;
        }
      });
      this.state = 'running';
      if (workers) {
        for (const [name, { handler }] of this.queues) await this.work(boss, name, handler);
        this.workerNames = [...this.queues.keys()];
        for (const p of this.periodic) this.schedule(p, 0);
      }
    } catch (err) {
      await this.stop(0);
      throw err;
    }
  }

  /**
   * Stops fetching and waits up to `timeoutMs` for running jobs to finish and record their
   * outcome. Jobs still running then are marked failed, to be retried by any worker later.
   */
  async stop(timeoutMs: number): Promise<void> {
    const boss = this.boss;
    if (!boss || this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    for (const p of this.periodic) clearTimeout(p.timer);
    const deadline = Date.now() + timeoutMs;
    this.stopDeadline = deadline;
    for (const name of this.workerNames) await boss.offWork(name);
    await this.settle(deadline, true);
    await boss.stop({ graceful: false });
    await this.settle(Date.now() + 1000, false);
    this.state = 'stopped';
  }

  private async work(boss: PgBoss, name: string, handler: JobHandler<never>): Promise<void> {
    let workerId: string | undefined;
    const options = { pollingIntervalSeconds: this.options.pollSeconds, batchSize: 1, includeMetadata: true as const };
    workerId = await boss.work<object>(name, options, async ([job]) => {
      if (!job) return;
      // pg-boss waits a full poll interval after each job; fetch again at once while there is work.
      if (workerId) boss.notifyWorker(workerId);
      const expiresAt = Date.now() + job.expireInSeconds * 1000;
      const run = this.runJob(handler, { id: job.id, name, data: job.data as never, retryCount: job.retryCount }, job.retryLimit).then(
        () => this.recordOutcome(boss, name, job.id, expiresAt, null),
        (error: unknown) => this.recordOutcome(boss, name, job.id, expiresAt, { error }),
      );
      this.track(this.inFlightJobs, run);
      await run;
    });
  }

  /**
   * Records a job's outcome (completed, or failed to be retried later), retrying while the database is
   * unreachable. pg-boss records it once, without waiting and through executeSql (which answers nothing on a
   * failure): an outcome lost to a database restart would leave the job 'active' until it expires
   * (expireInSeconds, 15 minutes by default). pg-boss's own statement, which still follows, finds the job no
   * longer active and changes nothing (a retried job waits at least retryDelay seconds before it runs again).
   */
  private async recordOutcome(boss: PgBoss, name: string, id: string, expiresAt: number, failure: { error: unknown } | null): Promise<void> {
    const db = { executeSql: (text: string, values?: unknown[]) => this.db.query(text, values) };
    for (;;) {
      if (this.state === 'stopped') return; // stop() has handed running jobs back to be retried
      try {
        if (!failure) await boss.complete(name, id, {}, { db });
        else await boss.fail(name, id, failure.error instanceof Error ? failure.error : { value: String(failure.error) }, { db });
        return;
      } catch (err) {
        // Past the expiry pg-boss's maintenance fails the job for a retry anyway; past stop()'s deadline nobody waits.
        const giveUp =
          !isDatabaseUnavailable(err) || Date.now() + OUTCOME_RETRY_MS >= expiresAt || (this.state !== 'running' && Date.now() >= this.stopDeadline);
        if (giveUp) {
          this.logger.error({ err, job: { id, name } }, 'could not record a job outcome; the job runs again once it expires');
          return;
        }
        await sleep(OUTCOME_RETRY_MS);
      }
    }
  }

  private schedule(p: Periodic, delayMs: number): void {
    p.timer = setTimeout(() => {
      const run = p.task().catch((err: unknown) => this.logger.error({ err, task: p.name }, 'periodic task failed'));
      this.track(this.inFlightJobs, run);
      void run.then(() => {
        if (this.state === 'running') this.schedule(p, p.intervalMs);
      });
    }, delayMs);
    p.timer.unref();
  }

  private async runJob(handler: JobHandler<never>, job: Job<never>, retryLimit: number): Promise<void> {
    try {
      await handler(job);
    } catch (err) {
      const context = { err, job: { id: job.id, name: job.name, retryCount: job.retryCount } };
      // A job cut short by a database outage runs again once it passes: not a fault of the job.
      if (isDatabaseUnavailable(err)) this.logger.warn(context, 'job failed: database unavailable');
      else this.logger.warn(context, 'job failed');
      if (job.retryCount >= retryLimit) reportJobError(err, job);
      throw err;
    }
  }

  /**
   * pg-boss's own statements. It records a job's outcome without awaiting the statement, so a
   * failure there would be an unhandled rejection that stops the process: once started, a failed
   * statement is logged and answers nothing, as pg-boss's own closed pool does. A job whose outcome
   * was lost expires and runs again. After stop(), nothing reaches the (soon closed) database.
   */
  private executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    if (this.state === 'stopped') return Promise.resolve(undefined as never);
    const query = (this.startClient ?? this.db).query(text, values);
    this.track(this.inFlightSql, query);
    if (this.state === 'starting') return query;
    return query.catch((err: unknown) => {
      // A database outage is expected and passes by itself (a warning, as the API's 503s are); anything else is a fault.
      if (isDatabaseUnavailable(err)) this.logger.warn({ err }, 'job queue statement failed: database unavailable');
      else this.logger.error({ err }, 'job queue statement failed');
      return undefined as never;
    });
  }

  private track(set: Set<Promise<unknown>>, promise: Promise<unknown>): void {
    const settled: Promise<unknown> = promise.then(
      () => set.delete(settled),
      () => set.delete(settled),
    );
    set.add(settled);
  }

  /** Waits until no statement is pending (and with `jobs`, no job runs), or the deadline passes. */
  private async settle(deadline: number, jobs: boolean): Promise<void> {
    const pending = () => [...this.inFlightSql, ...(jobs ? this.inFlightJobs : [])];
    while (pending().length > 0 && Date.now() < deadline) {
      const abort = new AbortController();
      await Promise.race([
        Promise.allSettled(pending()),
        sleep(deadline - Date.now(), undefined, { signal: abort.signal }).catch(() => undefined),
      ]);
      abort.abort();
      // A fetch that just returned hands its job to the handler in the following microtasks.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
