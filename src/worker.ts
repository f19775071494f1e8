// `npm run worker`: runs the background job workers without HTTP, to scale them out apart from the
// API (which may then set RUN_WORKERS=false). On SIGTERM/SIGINT it stops fetching, lets running
// jobs finish within SHUTDOWN_TIMEOUT_SECONDS, and closes the pool.
import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './infra/config.js';
import { Database } from './infra/db/database.js';
import { migrate } from './infra/db/migrate.js';
import { isMain } from './infra/entry.js';
import { JobQueue } from './infra/jobs/queue.js';
import { createLogger } from './infra/logging.js';
import { createStorage } from './infra/storage/storage.js';
import { registerJobs } from './jobs.js';

export interface RunningWorker {
  logger: Logger;
  close(): Promise<void>;
}

export async function startWorker(config: Config): Promise<RunningWorker> {
  if (!config.DATABASE_URL) {
    // The embedded database belongs to the one process that opened it: the API runs the jobs.
    throw new ConfigError('npm run worker needs DATABASE_URL; with the embedded database the API runs the jobs (RUN_WORKERS=true)');
  }
  const logger = createLogger(config);
  const db = await Database.open({ url: config.DATABASE_URL, dataDir: '', poolMax: config.DB_POOL_MAX, logger, echo: config.DATABASE_ECHO });
  const jobs = new JobQueue(db, logger, { pollSeconds: config.JOB_POLL_SECONDS });
  try {
    await migrate(db, logger);
    registerJobs({ config, logger, db, jobs, storage: createStorage(config, logger) });
    await jobs.start({ workers: true });
  } catch (err) {
    await jobs.stop(0);
    await db.close();
    throw err;
  }
  logger.info('job workers started');
  return {
    logger,
    async close() {
      // Running jobs get the shutdown budget, less a moment to close the pool.
      await jobs.stop(Math.max(0, config.SHUTDOWN_TIMEOUT_SECONDS * 1000 - 1000));
      await db.close();
      logger.flush();
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  let worker: RunningWorker;
  try {
    config = loadConfig();
    worker = await startWorker(config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_SECONDS * 1000 }, async ({ signal, err }) => {
    if (err) worker.logger.error({ err }, 'shutting down after an unexpected error');
    else worker.logger.info({ signal }, 'shutting down');
    await worker.close();
  });
}

if (isMain(import.meta.url)) await main();
