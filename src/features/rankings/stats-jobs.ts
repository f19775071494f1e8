// Public course statistics (RULES.md §4 with the GAPS fixes): recomputed by a background job after every
// change to a course's runs, from plausible non-Strava runs only, with the ranked (gate to gate) time, hours
// in the server's time zone, and the course difficulty updated from the completion rate.
import type { AppDeps } from '../../infra/deps.js';
import type { Database, Queryable } from '../../infra/db/database.js';
import type { JobQueue } from '../../infra/jobs/queue.js';
import { computeDifficulty } from '../courses/difficulty.js';

export const COURSE_STATS_JOB = 'course-stats';

interface CourseStatsJob {
  courseId: string;
}

/** Enqueues a refresh in the caller's transaction; a refresh already waiting for the course covers it. */
export async function enqueueCourseStats(jobs: JobQueue, tx: Queryable, courseId: string): Promise<void> {
  await jobs.enqueue<CourseStatsJob>(tx, COURSE_STATS_JOB, { courseId }, { singletonKey: courseId });
}

/**
 * Enqueues the refreshes of several courses (nulls and repeats skipped) in course id order. A waiting job's
 * singleton key is held by its uncommitted insert until commit, so two runs queueing the same two courses in
 * opposite orders (run on A with C chosen, run on C with A chosen) deadlocked, and one of them failed.
 */
export async function enqueueCoursesStats(jobs: JobQueue, tx: Queryable, courseIds: readonly (string | null | undefined)[]): Promise<void> {
  const ids = [...new Set(courseIds.filter((id): id is string => !!id))].sort();
  for (const courseId of ids) await enqueueCourseStats(jobs, tx, courseId);
}

export function registerCourseStatsJob(deps: AppDeps): void {
  deps.jobs.register<CourseStatsJob>(
    COURSE_STATS_JOB,
    ({ data }) => refreshCourseStats(deps.db, data.courseId, deps.config.DEFAULT_TIME_ZONE),
    { policy: 'short' },
  );
}

interface RefreshRow {
  attempts: number;
  completion_rate: number;
  distance_meters: number;
  elevation_gain_meters: number;
}

/**
 * One statement computes the aggregate and upserts it, so the row is never read and written back. A
 * refresh may start while another runs (the 'short' policy only dedupes waiting jobs): the advisory lock
 * makes the later one wait, and its statement then takes a snapshot that includes every run the earlier
 * one saw, so the last write is always the freshest. The lock is per course and held to commit.
 */
export async function refreshCourseStats(db: Database, courseId: string, timeZone: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('course-stats:' || $1::text, 0))`, [courseId]);
    const { rows } = await tx.query<RefreshRow & Record<string, unknown>>(
      `WITH runs AS (
         SELECT user_id, course_completed, course_duration_seconds, started_at
         FROM run_records WHERE course_id = $1 AND is_plausible AND source <> 'strava'
       ), agg AS (
         SELECT count(*) AS attempts,
           count(*) FILTER (WHERE course_completed) AS completed,
           count(DISTINCT user_id) FILTER (WHERE course_completed) AS unique_runners,
           round(avg(course_duration_seconds) FILTER (WHERE course_completed)) AS avg_duration,
           min(course_duration_seconds) FILTER (WHERE course_completed) AS best_duration
         FROM runs
       ), hours AS (
         SELECT coalesce(jsonb_object_agg(hour, n), '{}') AS runs_by_hour
         FROM (SELECT to_char(started_at AT TIME ZONE $2, 'HH24') AS hour, count(*) AS n FROM runs GROUP BY 1) h
       ), saved AS (
         INSERT INTO course_stats AS s (course_id, total_runs, unique_runners, avg_duration_seconds, avg_pace_seconds_per_km,
           best_duration_seconds, best_pace_seconds_per_km, completion_rate, runs_by_hour, updated_at)
         SELECT c.id, a.completed, a.unique_runners, a.avg_duration,
           CASE WHEN c.distance_meters > 0 THEN round(a.avg_duration * 1000.0 / c.distance_meters) END,
           a.best_duration,
           CASE WHEN c.distance_meters > 0 THEN round(a.best_duration * 1000.0 / c.distance_meters) END,
           CASE WHEN a.attempts > 0 THEN a.completed::float8 / a.attempts ELSE 0 END,
           h.runs_by_hour, now()
         FROM courses c, agg a, hours h WHERE c.id = $1
         ON CONFLICT (course_id) DO UPDATE SET
           total_runs = excluded.total_runs, unique_runners = excluded.unique_runners,
           avg_duration_seconds = excluded.avg_duration_seconds, avg_pace_seconds_per_km = excluded.avg_pace_seconds_per_km,
           best_duration_seconds = excluded.best_duration_seconds, best_pace_seconds_per_km = excluded.best_pace_seconds_per_km,
           completion_rate = excluded.completion_rate, runs_by_hour = excluded.runs_by_hour, updated_at = excluded.updated_at
         RETURNING s.completion_rate
       )
       SELECT a.attempts, saved.completion_rate, c.distance_meters, c.elevation_gain_meters
       FROM saved, agg a, courses c WHERE c.id = $1`,
      [courseId, timeZone],
    );
    const row = rows[0];
    if (!row) return; // the course was deleted meanwhile
    const difficulty = computeDifficulty({
      distanceMeters: row.distance_meters,
      elevationGainMeters: row.elevation_gain_meters,
      completionRate: row.attempts > 0 ? row.completion_rate : null,
    });
    await tx.query('UPDATE courses SET difficulty = $2 WHERE id = $1 AND difficulty IS DISTINCT FROM $2', [courseId, difficulty]);
  });
}
