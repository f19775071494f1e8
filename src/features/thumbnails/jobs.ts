// The 'course-thumbnail' job: enqueued in the course-creation transaction, so it runs only once the course is
// committed (the old server's task ran before the commit and never found the course).
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import type { JobQueue } from '../../infra/jobs/queue.js';
import { renderCourseThumbnail } from './service.js';

export const COURSE_THUMBNAIL_JOB = 'course-thumbnail';

interface CourseThumbnailJob {
  courseId: string;
}

export function registerThumbnailJobs(deps: AppDeps): void {
  deps.jobs.register<CourseThumbnailJob>(
    COURSE_THUMBNAIL_JOB,
    async (job) => {
      await renderCourseThumbnail(deps, deps.logger.child({ job: job.name, courseId: job.data.courseId }), job.data.courseId);
    },
    // One waiting job per course is enough: it reads the route when it runs.
    { policy: 'short', retryLimit: 3, expireInSeconds: 5 * 60 },
  );
}

/** Queues the course's thumbnail in the caller's transaction. */
export async function enqueueCourseThumbnail(jobs: JobQueue, tx: Queryable, courseId: string): Promise<void> {
  await jobs.enqueue<CourseThumbnailJob>(tx, COURSE_THUMBNAIL_JOB, { courseId }, { singletonKey: courseId });
}
