// Builds the real application around the test database (see scripts/test.ts).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/infra/config.js';
import { Database } from '../../src/infra/db/database.js';
import { JobQueue } from '../../src/infra/jobs/queue.js';
import { registerJobs } from '../../src/jobs.js';
import { createLogger } from '../../src/infra/logging.js';
import { createStorage } from '../../src/infra/storage/storage.js';
import { FcmSender } from '../../src/infra/push/fcm.js';

export const usingEmbeddedDb = process.env.TEST_EMBEDDED_DB === '1';

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig(
    {
      APP_ENV: 'test',
      DATABASE_URL: process.env.DATABASE_URL,
      DB_POOL_MAX: process.env.DB_POOL_MAX,
      LOG_LEVEL: 'warn',
      JSON_LOGS: 'true',
      // Test apps only enqueue jobs; a test that runs them passes RUN_WORKERS=true.
      RUN_WORKERS: 'false',
      // Files written by tests stay out of the repository.
      UPLOAD_DIR: join(tmpdir(), 'runcrew-test-uploads'),
      // Feature tests send many requests from one address; the rate-limit tests set their own limits.
      RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      // A busy CI machine must not shed a test's requests; test/resilience.test.ts turns it on.
      MAX_EVENT_LOOP_DELAY_MS: '0',
      ...overrides,
    },
    '/nonexistent/.env',
  );
}

/** Collects log output as parsed JSON lines. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }

  get records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface TestApp {
  app: FastifyInstance;
  db: Database;
  jobs: JobQueue;
  config: Config;
  logs: LogCapture;
  close(): Promise<void>;
}

export async function openTestDatabase(config: Config): Promise<Database> {
  return Database.open({ url: config.DATABASE_URL, dataDir: '', poolMax: config.DB_POOL_MAX, logger: createLogger(config, new LogCapture()) });
}

export async function createTestApp(
  overrides: Record<string, string> = {},
  extend?: (app: FastifyInstance) => Promise<void> | void,
): Promise<TestApp> {
  const config = testConfig(overrides);
  const logs = new LogCapture();
  const logger = createLogger(config, logs);
  const db = await openTestDatabase(config);
  const jobs = new JobQueue(db, logger, { pollSeconds: config.JOB_POLL_SECONDS });
  const storage = createStorage(config, logger);
  const deps = { config, logger, db, jobs, storage, push: new FcmSender(config.FCM_SERVICE_ACCOUNT_PATH, logger) };
  registerJobs(deps);
  const app = await buildApp(deps);
  await extend?.(app); // may register jobs of its own on app.deps.jobs
  await jobs.start({ workers: config.RUN_WORKERS });
  await app.ready();
  return {
    app,
    db,
    jobs,
    config,
    logs,
    async close() {
      await app.close();
      await jobs.stop(10_000);
      await db.close();
    },
  };
}
