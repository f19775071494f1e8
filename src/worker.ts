// `npm run worker`: runs the background job workers without HTTP, to scale them out apart from the
// API (which may then set RUN_WORKERS=false). On SIGTERM/SIGINT it stops fetching, lets running
// jobs finish within SHUTDOWN_TIMEOUT_SECONDS, and closes the pool.
import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './infra/config.js';
import { isMain } from './infra/entry.js';
import { createLogger } from './infra/logging.js';
import { flushSentry } from './infra/sentry.js';
import { openRuntime } from './runtime.js';

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
  const runtime = await openRuntime(config, logger, { workers: true });
  logger.info('job workers started');
  return {
    logger,
    async close() {
      await runtime.close(Date.now() + config.SHUTDOWN_TIMEOUT_SECONDS * 1000);
      await flushSentry();
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
