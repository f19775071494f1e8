// What every process opens the same way, the API and `npm run worker` alike: the database
// (migrated), the storage, and the job queue with every handler registered.
import type { Logger } from 'pino';
import type { AppDeps } from './infra/deps.js';
import type { Config } from './infra/config.js';
import { Database } from './infra/db/database.js';
import { migrate } from './infra/db/migrate.js';
import { JobQueue } from './infra/jobs/queue.js';
import { createStorage } from './infra/storage/storage.js';
import { FcmSender } from './infra/push/fcm.js';
import { registerJobs } from './jobs.js';
import { closeParsePool } from './features/imports/parse-pool.js';

export interface Runtime {
  deps: AppDeps;
  /** Stops the workers (running jobs get until `deadline`, epoch ms) and closes the pool. */
  close(deadline: number): Promise<void>;
}

export async function openRuntime(config: Config, logger: Logger, { workers }: { workers: boolean }): Promise<Runtime> {
  const db = await Database.open({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolMax: config.DB_POOL_MAX,
    logger,
    echo: config.DATABASE_ECHO,
  });
  const jobs = new JobQueue(db, logger, { pollSeconds: config.JOB_POLL_SECONDS });
  const close = async (deadline: number) => {
    // A moment is kept back to close the pool.
    await jobs.stop(Math.max(0, deadline - Date.now() - 1000));
    await closeParsePool();
    await db.close();
  };
  try {
    await migrate(db, logger);
    const deps: AppDeps = {
      config,
      logger,
      db,
      jobs,
      storage: createStorage(config, logger),
      push: new FcmSender(config.FCM_SERVICE_ACCOUNT_PATH, logger),
    };
    registerJobs(deps);
    await jobs.start({ workers });
    return { deps, close };
  } catch (err) {
    await close(0);
    throw err;
  }
}
