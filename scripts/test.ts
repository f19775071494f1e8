// `npm test`: runs every test/**/*.test.ts with node's test runner, one file at a time.
// With DATABASE_URL set the tests use that PostgreSQL + PostGIS database; without it they share
// one in-memory PGlite started here once (it takes ~15 s to open, so not once per file).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { Database } from '../src/infra/db/database.js';
import { startEmbeddedPostgres } from '../src/infra/db/embedded.js';
import { migrate } from '../src/infra/db/migrate.js';

const requested = process.argv.slice(2);
const files =
  requested.length > 0
    ? requested
    : readdirSync('test', { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => join('test', f))
        .sort();

const env: NodeJS.ProcessEnv = { ...process.env, APP_ENV: 'test' };
const logger = pino({ level: 'warn' });
let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
if (!env.DATABASE_URL) {
  console.log('DATABASE_URL is not set: tests share one embedded PGlite database');
  embedded = await startEmbeddedPostgres('memory://');
  const { host, user, database } = embedded.connection;
  env.DATABASE_URL = `postgres://${user}@localhost/${database}?host=${encodeURIComponent(host)}`;
  env.DB_POOL_MAX = '1';
  env.TEST_EMBEDDED_DB = '1';
}

const db = await Database.open({ url: env.DATABASE_URL, dataDir: '', poolMax: 1, logger });
await migrate(db, logger);
await db.close();

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=180000', ...files],
  { stdio: 'inherit', env },
);
const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await embedded?.close();
process.exit(code);
