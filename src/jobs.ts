// Every background job, registered by feature. The API process and `npm run worker` both call this
// before the queue starts: producers find every queue, and a job runs the same code wherever it runs.
import type { AppDeps } from './infra/deps.js';
import { registerExportJobs } from './features/exports/service.js';
import { registerThumbnailJobs } from './features/thumbnails/jobs.js';
import { registerCourseStatsJob } from './features/rankings/stats-jobs.js';
import { registerSessionExpiry } from './features/runs/expiry.js';
import { registerPushJob } from './features/notifications/push.js';
import { registerEventReminders } from './features/events/reminders.js';
import { registerStravaJobs } from './features/strava/jobs.js';
import { registerImportJobs } from './features/imports/job.js';
import { registerOccupationJob } from './features/crews/occupation.js';
import { registerGroupRunReminders } from './features/group-runs/reminders.js';
import { registerLiveGroupRunExpiry } from './features/live-group-runs/expiry.js';
import { registerInboxPruning } from './features/notifications/pruning.js';
import { registerRunToFollowersJob } from './features/notifications/followers-run.js';

export function registerJobs(deps: AppDeps): void {
  // Features register their queues and handlers here, e.g. registerRunJobs(deps).
  registerCourseStatsJob(deps);
  registerSessionExpiry(deps);
  registerThumbnailJobs(deps);
  registerExportJobs(deps);
  registerPushJob(deps);
  registerEventReminders(deps);
  registerStravaJobs(deps);
  registerImportJobs(deps);
  registerOccupationJob(deps);
  registerGroupRunReminders(deps);
  registerLiveGroupRunExpiry(deps);
  registerInboxPruning(deps);
  registerRunToFollowersJob(deps);
}
