// The inbox keeps what happened in the last INBOX_KEEP_DAYS: older items, read or not, are deleted by a sweep in
// the worker processes, in batches so that no statement holds many rows' locks (the sweep is idempotent, several
// workers may run it).
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';

export const INBOX_KEEP_DAYS = 90;
const BATCH = 5_000;
const SWEEP_INTERVAL_MS = 6 * 60 * 60 * 1000;

/** Deletes inbox items older than `days`; returns how many. */
export async function pruneInbox(db: Queryable, days = INBOX_KEEP_DAYS): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM notifications WHERE id IN (
         SELECT id FROM notifications WHERE created_at < now() - $1 * interval '1 day' LIMIT $2)`,
      [days, BATCH],
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < BATCH) return deleted;
  }
}

export function registerInboxPruning(deps: AppDeps): void {
  deps.jobs.every('inbox-pruning', SWEEP_INTERVAL_MS, async () => {
    const deleted = await pruneInbox(deps.db);
    if (deleted > 0) deps.logger.info({ deleted }, 'pruned old inbox items');
  });
}
