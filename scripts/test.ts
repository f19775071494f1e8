// `npm test`: runs every test/**/*.test.ts with node's test runner, one file at a time, each on an emptied
// database: before a file starts, every table is truncated (pg-boss's jobs too), so no file sees the rows
// another one left behind, whatever ran before it. With DATABASE_URL set the tests use that PostgreSQL +
// PostGIS database; without it they share one in-memory PGlite started here once (it takes ~15 s to open, so
// not once per file).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { Database } from '../src/infra/db/database.js';
import { startEmbeddedPostgres } from '../src/infra/db/embedded.js';
import { migrate } from '../src/infra/db/migrate.js';
import { buildWebClient } from './build-web.js';

const requested = process.argv.slice(2);
const files =
  requested.length > 0
    ? requested
    : readdirSync('test', { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => join('test', f))
        .sort();

// The pages link the built web client; the browser tests load it.
await buildWebClient();

const env: NodeJS.ProcessEnv = { ...process.env, APP_ENV: 'test' };
const logger = pino({ level: 'warn' });
let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
if (!env.DATABASE_URL) {
  console.log('DATABASE_URL is not set: tests use one embedded PGlite database, emptied before each file');
  embedded = await startEmbeddedPostgres('memory://');
  const { host, user, database } = embedded.connection;
  env.DATABASE_URL = `postgres://${user}@localhost/${database}?host=${encodeURIComponent(host)}`;
  env.DB_POOL_MAX = '1';
  env.TEST_EMBEDDED_DB = '1';
}

const openDb = () => Database.open({ url: env.DATABASE_URL, dataDir: '', poolMax: 1, logger });
const migrating = await openDb();
await migrate(migrating, logger);
await migrating.close();

/** Leaves the migrated schema with no rows. pg-boss keeps its queues (each app updates them on start), not their jobs. */
async function emptyDatabase(): Promise<void> {
  const db = await openDb();
  try {
    // PGlite is one session for every connection: settings, advisory locks and temporary tables would outlive a file.
    await db.query('DISCARD ALL');
    const { rows } = await db.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
          AND format('%s.%s', schemaname, tablename) NOT IN
              ('public.schema_migrations', 'public.spatial_ref_sys', 'pgboss.version', 'pgboss.queue')`,
    );
    if (rows.length > 0) await db.query(`TRUNCATE ${rows.map((r) => r.name).join(', ')} RESTART IDENTITY CASCADE`);
  } finally {
    await db.close();
  }
}

/** Runs one file; the counts come from the summary the spec reporter prints last. */
async function runFile(file: string): Promise<{ code: number; counts: Record<string, number> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=180000', file],
    { stdio: ['ignore', 'pipe', 'inherit'], env },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    process.stdout.write(chunk);
  });
  const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  const counts: Record<string, number> = {};
  for (const m of output.replace(/\x1b\[[0-9;]*m/g, '').matchAll(/^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) {
    counts[m[1]!] = Number(m[2]);
  }
  return { code, counts };
}

const started = Date.now();
const total = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
const failedFiles: string[] = [];
for (const file of files) {
  await emptyDatabase();
  const { code, counts } = await runFile(file);
  for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += counts[key] ?? 0;
  if (code !== 0) failedFiles.push(file);
}
await embedded?.close();

const seconds = Math.round((Date.now() - started) / 1000);
console.log(`\n${files.length} files, ${total.tests} tests, ${total.cancelled} cancelled, ${total.todo} todo, in ${seconds} s`);
// Alone on its line, in the form CI reads: cancelled tests count as failed.
console.log(`tests: ${total.pass} passed, ${total.fail + total.cancelled} failed, ${total.skipped} skipped`);
if (failedFiles.length > 0) console.log(`failed: ${failedFiles.join(' ')}`);
process.exit(failedFiles.length > 0 ? 1 : 0);
