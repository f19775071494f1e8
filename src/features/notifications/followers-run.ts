// A run finished in the app is told to the runner's followers as a `run_completed` inbox item (the newer app's
// NotificationInboxScreen), by a job: a runner with many followers must not hold up the completion. The item
// shows the same runs the activity feed does (never Strava's, never one on a private course) and has no target:
// a follower cannot open someone else's run, so the app opens the runner's profile. No push: one per follower per
// run would be noise. Imports are old runs and are not announced.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import type { JobQueue } from '../../infra/jobs/queue.js';

const JOB = 'run-to-followers';

export async function enqueueRunToFollowers(jobs: JobQueue, tx: Queryable, runRecordId: string): Promise<void> {
  await jobs.enqueue<{ runRecordId: string }>(tx, JOB, { runRecordId });
}

/** One statement for all followers; a retry adds nothing (one item per follower and run). */
export async function recordRunForFollowers(db: Queryable, runRecordId: string): Promise<number> {
  const { rowCount } = await db.query(
    `INSERT INTO notifications (user_id, type, actor_id, data, cause_key)
     SELECT f.follower_id, 'run_completed', r.user_id,
            jsonb_strip_nulls(jsonb_build_object('distance_meters', r.distance_meters::text,
                                                 'duration_seconds', r.duration_seconds::text, 'course_title', c.title)),
            r.id::text
       FROM run_records r
       LEFT JOIN courses c ON c.id = r.course_id
       JOIN follows f ON f.following_id = r.user_id
      WHERE r.id = $1 AND r.source <> 'strava' AND (r.course_id IS NULL OR c.is_public)
     ON CONFLICT (user_id, type, cause_key) DO NOTHING`,
    [runRecordId],
  );
  return rowCount ?? 0;
}

/** A deleted run is no longer news. */
export async function deleteRunItems(tx: Queryable, runRecordId: string): Promise<void> {
  await tx.query(`DELETE FROM notifications WHERE type = 'run_completed' AND cause_key = $1`, [runRecordId]);
}

export function registerRunToFollowersJob(deps: AppDeps): void {
  deps.jobs.register<{ runRecordId: string }>(JOB, async ({ data }) => {
    await recordRunForFollowers(deps.db, data.runRecordId);
  });
}
