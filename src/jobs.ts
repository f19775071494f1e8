// Every background job, registered by feature. The API process and `npm run worker` both call this
// before the queue starts: producers find every queue, and a job runs the same code wherever it runs.
import type { AppDeps } from './app.js';

export function registerJobs(deps: AppDeps): void {
  // Features register their queues and handlers here, e.g. registerRunJobs(deps).
  void deps;
}
