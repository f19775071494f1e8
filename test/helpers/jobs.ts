// Waiting for background jobs in tests, by reading pg-boss's job table.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queryable } from '../../src/infra/db/database.js';

export type JobRow = { id: string; state: string; retry_count: number; retry_backoff: boolean; data: unknown; output: unknown };

/** Polls until the job reaches one of `states` (by default: finished, well or not). */
export async function waitForJob(
  db: Queryable,
  name: string,
  id: string,
  states = ['completed', 'failed'],
  timeoutMs = 20_000,
): Promise<JobRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await findJob(db, name, id);
    if (row && states.includes(row.state)) return row;
    if (Date.now() > deadline) throw new Error(`Job ${name} ${id} is still ${row?.state ?? 'missing'}`);
    await sleep(50);
  }
}

export async function findJob(db: Queryable, name: string, id: string): Promise<JobRow | undefined> {
  const { rows } = await db.query<JobRow>(
    'SELECT id, state, retry_count, retry_backoff, data, output FROM pgboss.job WHERE name = $1 AND id = $2',
    [name, id],
  );
  return rows[0];
}

/** Polls until no job of queue `name` is waiting, retrying or running. */
export async function waitForIdleQueue(db: Queryable, name: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry', 'active')",
      [name],
    );
    if (rows[0]?.n === 0) return;
    if (Date.now() > deadline) throw new Error(`Queue ${name} still has ${rows[0]?.n} unfinished jobs`);
    await sleep(50);
  }
}
