// A lock across every process on one database, for start-up work that must run once at a time (migrations,
// pg-boss's schema): held by one connection, and `work` runs on that connection, so it also holds on the embedded
// database whose pool has a single connection.
import type pg from 'pg';
import type { Database } from './database.js';

export async function withAdvisoryLock<T>(db: Database, key: number, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [key]);
    return await work(client);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
    client.release();
  }
}
