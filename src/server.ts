// Entry point of the API process: configuration, database (migrated), HTTP server, and a graceful
// shutdown on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close workers and pool).
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './infra/config.js';
import { Database } from './infra/db/database.js';
import { migrate } from './infra/db/migrate.js';
import { createLogger } from './infra/logging.js';
import { isMain } from './infra/entry.js';

export interface RunningServer {
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const logger = createLogger(config);
  const db = await Database.open({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolMax: config.DB_POOL_MAX,
    logger,
    echo: config.DATABASE_ECHO,
  });
  try {
    await migrate(db, logger);
    const app = await buildApp({ config, logger, db });
    await app.listen({ host: config.HOST, port: config.PORT });
    return {
      app,
      async close() {
        await app.close();
        await db.close();
        logger.flush();
      },
    };
  } catch (err) {
    await db.close();
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
