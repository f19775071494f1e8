// The benchmark database: a real PostgreSQL + PostGIS (created if missing), migrated, and seeded
// once with SQL-side generation (generate_series), so seeding a million courses takes seconds, not
// hours. A marker table records what was seeded; a later run reuses it.
import pg from 'pg';
import pino from 'pino';
import { Database } from '../../src/infra/db/database.js';
import { migrate } from '../../src/infra/db/migrate.js';

export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/runcrew_bench';

/** Creates the database (with PostGIS) when it does not exist yet, then applies the migrations. */
export async function prepareDatabase(url = BENCH_DATABASE_URL): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  const db = await Database.open({ url, dataDir: '', poolMax: 1, logger: pino({ level: 'warn' }) });
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS postgis');
    await migrate(db, pino({ level: 'warn' }));
  } finally {
    await db.close();
  }
}

/** Runs `seed` once per `key` (e.g. 'courses:1000000'); returns false when it was already there. */
export async function seedOnce(db: pg.Pool, key: string, seed: () => Promise<void>): Promise<boolean> {
  await db.query('CREATE TABLE IF NOT EXISTS bench_seed (key text PRIMARY KEY, seeded_at timestamptz NOT NULL DEFAULT now())');
  const { rowCount } = await db.query('SELECT 1 FROM bench_seed WHERE key = $1', [key]);
  if (rowCount) return false;
  await seed();
  await db.query('INSERT INTO bench_seed (key) VALUES ($1)', [key]);
  return true;
}
