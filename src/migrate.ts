// `npm run migrate`: applies pending migrations and exits (the server also does this at start-up).
import { loadConfig } from './infra/config.js';
import { Database } from './infra/db/database.js';
import { migrate } from './infra/db/migrate.js';
import { createLogger } from './infra/logging.js';

const config = loadConfig();
const logger = createLogger(config);
const db = await Database.open({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 1, logger });
try {
  const applied = await migrate(db, logger);
  logger.info({ applied: applied.length }, applied.length ? 'migrations applied' : 'database is up to date');
} finally {
  await db.close();
}
