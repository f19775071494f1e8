// Entry point of the API process: configuration, database (migrated), HTTP server, and a graceful
// shutdown on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close workers and pool).
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './infra/config.js';
import { createLogger } from './infra/logging.js';
import { isMain } from './infra/entry.js';
import { openRuntime } from './runtime.js';
import { flushSentry, initSentry } from './infra/sentry.js';

export interface RunningServer {
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const logger = createLogger(config);
  // Normally done by instrument.ts; here errors are still reported, but pg was loaded uninstrumented.
  if (initSentry(config)) logger.warn('Sentry started without --import ./dist/instrument.js: no database spans');
  const runtime = await openRuntime(config, logger, { workers: config.RUN_WORKERS });
  if (!config.RUN_WORKERS && runtime.deps.db.kind === 'embedded') {
    logger.warn('RUN_WORKERS=false with the embedded database: no other process can run the background jobs');
  }
  try {
    const app = await buildApp(runtime.deps);
    await app.listen({ host: config.HOST, port: config.PORT });
    return {
      app,
      async close() {
        const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_SECONDS * 1000;
        await app.close(); // stops accepting, finishes in-flight requests
        await runtime.close(deadline);
        await flushSentry();
        logger.flush();
      },
    };
  } catch (err) {
    await runtime.close(0);
    throw err;
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
  const server = await startServer(config);
  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_SECONDS * 1000 }, async ({ signal, err }) => {
    if (err) server.app.log.error({ err }, 'shutting down after an unexpected error');
    else server.app.log.info({ signal }, 'shutting down');
    await server.close();
  });
}

if (isMain(import.meta.url)) await main();
