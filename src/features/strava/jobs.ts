// Strava's background jobs. When Strava says we reached its rate limit (a 429, or usage at the limit in its
// headers) a job stops and enqueues itself again to start when the next window opens; what it imported stays and
// the rest is done then (imports already made are skipped). Other Strava failures are retried with backoff, except
// a revoked access or a removed connection, which no retry can fix.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { AppError } from '../../infra/errors.js';
import type { JobQueue, QueueOptions } from '../../infra/jobs/queue.js';
import { StravaError } from './client.js';
import { NOT_CONNECTED } from './connection.js';
import { handleDeauthorization, purgeStravaData, refreshActivity, syncRecentRuns, type ActivityAspect, type SyncRequest } from './sync.js';

export const STRAVA_SYNC_JOB = 'strava-sync';
export const STRAVA_ACTIVITY_JOB = 'strava-activity';
export const STRAVA_DEAUTHORIZE_JOB = 'strava-deauthorize';
export const STRAVA_PURGE_JOB = 'strava-purge';

export interface ActivityJob {
  userId: string;
  activityId: number;
  aspect: ActivityAspect;
}

/** Strava answers within seconds; its outages are waited out for about a quarter of an hour. */
const RETRY: QueueOptions = { retryLimit: 5, retryDelay: 30, retryBackoff: true };

// A user's sync of the same scope waiting already covers a new request for it.
const syncKey = (r: SyncRequest) => `${r.userId}:${r.maxRuns}:${r.afterTs ?? ''}`;

export async function enqueueSync(jobs: JobQueue, tx: Queryable, r: SyncRequest, startAfter?: Date): Promise<void> {
  await jobs.enqueue<SyncRequest>(tx, STRAVA_SYNC_JOB, r, { singletonKey: syncKey(r), startAfter });
}

export async function enqueueActivity(jobs: JobQueue, tx: Queryable, a: ActivityJob, startAfter?: Date): Promise<void> {
  await jobs.enqueue<ActivityJob>(tx, STRAVA_ACTIVITY_JOB, a, { startAfter });
}

export async function enqueueDeauthorization(jobs: JobQueue, tx: Queryable, userId: string, startAfter?: Date): Promise<void> {
  await jobs.enqueue(tx, STRAVA_DEAUTHORIZE_JOB, { userId }, { singletonKey: userId, startAfter });
}

export async function enqueuePurge(jobs: JobQueue, tx: Queryable, userId: string, before: Date): Promise<void> {
  await jobs.enqueue(tx, STRAVA_PURGE_JOB, { userId, before: before.toISOString() });
}

/** Runs `work`; on Strava's rate limit re-enqueues the job (via `again`) for the next window instead of failing. */
async function politely(deps: AppDeps, what: object, work: () => Promise<void>, again: (startAfter: Date) => Promise<unknown>) {
  try {
    await work();
  } catch (err) {
    if (err instanceof StravaError && err.kind === 'rate_limited') {
      const startAfter = err.retryAt ?? new Date(Date.now() + 15 * 60 * 1000);
      deps.logger.warn({ ...what, startAfter }, 'Strava rate limit reached: job postponed to the next window');
      await again(startAfter);
      return;
    }
    if (err instanceof StravaError && err.kind === 'unauthorized') {
      deps.logger.warn({ ...what, reason: err.message }, 'Strava refused our access: job dropped');
      return;
    }
    if (err instanceof AppError && err.code === NOT_CONNECTED) return;
    throw err;
  }
}

export function registerStravaJobs(deps: AppDeps): void {
  const { jobs, db } = deps;
  jobs.register<SyncRequest>(
    STRAVA_SYNC_JOB,
    async ({ data }) => {
      await politely(
        deps,
        { job: STRAVA_SYNC_JOB, userId: data.userId },
        async () => {
          const counts = await syncRecentRuns(deps, data);
          deps.logger.info({ userId: data.userId, ...counts }, 'Strava sync finished');
        },
        (startAfter) => enqueueSync(jobs, db, data, startAfter),
      );
    },
    { ...RETRY, policy: 'short', expireInSeconds: 30 * 60 },
  );
  jobs.register<ActivityJob>(
    STRAVA_ACTIVITY_JOB,
    async ({ data }) => {
      await politely(
        deps,
        { job: STRAVA_ACTIVITY_JOB, userId: data.userId, activityId: data.activityId },
        () => refreshActivity(deps, data.userId, data.activityId, data.aspect),
        (startAfter) => enqueueActivity(jobs, db, data, startAfter),
      );
    },
    { ...RETRY, expireInSeconds: 5 * 60 },
  );
  jobs.register<{ userId: string }>(
    STRAVA_DEAUTHORIZE_JOB,
    async ({ data }) => {
      await politely(
        deps,
        { job: STRAVA_DEAUTHORIZE_JOB, userId: data.userId },
        () => handleDeauthorization(deps, data.userId),
        (startAfter) => enqueueDeauthorization(jobs, db, data.userId, startAfter),
      );
    },
    { ...RETRY, policy: 'short', expireInSeconds: 15 * 60 },
  );
  jobs.register<{ userId: string; before: string }>(
    STRAVA_PURGE_JOB,
    ({ data }) => purgeStravaData(deps, data.userId, new Date(data.before)),
    { ...RETRY, expireInSeconds: 15 * 60 },
  );
}
