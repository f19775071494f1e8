// Live group runs nobody finishes: a lobby never started, or a run whose participants stopped sending, would stay
// "waiting" or "running" (and listed) for ever. The workers sweep them: a waiting run LOBBY_HOURS after its
// scheduled time (or its creation), and a running run from which nothing was heard for RUN_SESSION_EXPIRE_HOURS,
// are completed. Nobody's run is recorded by the sweep: a participant who still sends their finish is recorded
// then (service.finish), a position is refused.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';

const SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/** A lobby this long past its scheduled time (or its creation, unscheduled) is closed. */
export const LOBBY_HOURS = 24;

export async function expireStaleLiveGroupRuns(db: Queryable, silentHours: number, now = new Date()): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE live_group_runs r SET status = 'completed', completed_at = $1
      WHERE (r.status = 'waiting' AND coalesce(r.scheduled_at, r.created_at) < $1::timestamptz - $2 * interval '1 hour')
         OR (r.status = 'running' AND r.started_at < $1::timestamptz - $3 * interval '1 hour'
             AND NOT EXISTS (SELECT 1 FROM live_group_run_participants p
                              WHERE p.live_group_run_id = r.id
                                AND greatest(p.last_position_at, p.completed_at) >= $1::timestamptz - $3 * interval '1 hour'))`,
    [now, LOBBY_HOURS, silentHours],
  );
  return rowCount ?? 0;
}

export function registerLiveGroupRunExpiry(deps: AppDeps): void {
  deps.jobs.every('live-group-run-expiry', SWEEP_INTERVAL_MS, async () => {
    const expired = await expireStaleLiveGroupRuns(deps.db, deps.config.RUN_SESSION_EXPIRE_HOURS);
    if (expired > 0) deps.logger.info({ expired }, 'completed stale live group runs');
  });
}
