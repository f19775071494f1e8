// Sessions the app never completed, recovered or discarded stop counting as "running now" once nothing was heard
// from them (start or chunk) for RUN_SESSION_EXPIRE_HOURS. An expired session can still be completed, recovered
// or discarded, and a new chunk makes it active again: a phone that comes back online late loses nothing.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';

/** How often the workers sweep; expiry is counted in hours, so minutes late is fine. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/** Marks active sessions silent for `hours` as expired; returns how many. */
export async function expireStaleSessions(db: Queryable, hours: number): Promise<number> {
  // started_at narrows the scan to the partial index of active sessions; updated_at is the last news.
  const { rowCount } = await db.query(
    `UPDATE run_sessions SET status = 'expired', updated_at = now()
      WHERE status = 'active' AND started_at < now() - $1 * interval '1 hour' AND updated_at < now() - $1 * interval '1 hour'`,
    [hours],
  );
  return rowCount ?? 0;
}

export function registerSessionExpiry(deps: AppDeps): void {
  deps.jobs.every('run-session-expiry', SWEEP_INTERVAL_MS, async () => {
    const expired = await expireStaleSessions(deps.db, deps.config.RUN_SESSION_EXPIRE_HOURS);
    if (expired > 0) deps.logger.info({ expired }, 'expired stale run sessions');
  });
}
