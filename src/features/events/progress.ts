// Event progress from finished runs (RULES.md §8, DECISIONS "Product scope"): the run pipeline calls
// applyRunToEvents inside the transaction that stores the run.
//
// A run counts for every active event its runner joined whose [starts_at, ends_at) holds the run's finish; on an
// event with a course, only a run that completed that course counts. Runs from every source count, Strava included:
// progress is only ever shown to the participant it belongs to (no participant list or leaderboard is served).
import type { Queryable } from '../../infra/db/database.js';

export interface FinishedRun {
  userId: string;
  runRecordId: string;
  distanceMeters: number;
  startedAt: Date;
  finishedAt: Date;
  courseId: string | null;
  courseCompleted: boolean;
  source: string;
}

export interface EventProgress {
  [key: string]: unknown;
  event_id: string;
  progress_distance_meters: number;
  progress_runs: number;
  completed: boolean;
}

/**
 * Adds the run's distance and one run to the runner's progress in each event it counts for, and marks the events
 * whose targets are now met completed. Increments happen in the UPDATE itself, so concurrent runs never lose one;
 * a run already applied (retried completion, re-processed import) changes nothing. Returns the progress moved.
 */
export async function applyRunToEvents(tx: Queryable, run: FinishedRun): Promise<EventProgress[]> {
  const { rows } = await tx.query<EventProgress>(
    `WITH eligible AS (
       SELECT e.id
         FROM event_participants p JOIN events e ON e.id = p.event_id
        WHERE p.user_id = $1 AND e.is_active AND e.starts_at <= $4 AND $4 < e.ends_at
          AND (e.course_id IS NULL OR (e.course_id = $5::uuid AND $6))
     ), credited AS (
       INSERT INTO event_run_contributions (event_id, run_record_id, user_id, distance_meters)
       SELECT id, $2, $1, $3 FROM eligible
       ON CONFLICT (event_id, run_record_id) DO NOTHING
       RETURNING event_id
     )
     UPDATE event_participants p
        SET progress_distance_meters = p.progress_distance_meters + $3,
            progress_runs = p.progress_runs + 1,
            completed = (e.target_distance_meters IS NULL OR p.progress_distance_meters + $3 >= e.target_distance_meters)
                        AND (e.target_runs IS NULL OR p.progress_runs + 1 >= e.target_runs)
       FROM credited c JOIN events e ON e.id = c.event_id
      WHERE p.event_id = c.event_id AND p.user_id = $1
      RETURNING p.event_id, p.progress_distance_meters, p.progress_runs, p.completed`,
    [run.userId, run.runRecordId, Math.max(0, Math.round(run.distanceMeters)), run.finishedAt, run.courseId, run.courseCompleted],
  );
  return rows;
}

/**
 * Takes a deleted run back out of every event it counted for: subtracts its distance and one run, re-evaluates
 * `completed` against the targets, and deletes its contribution rows. Called in the deleting transaction before the
 * run row goes (its contributions cascade away with it, and with them what to subtract). Returns the progress moved.
 */
export async function removeRunFromEvents(tx: Queryable, runRecordId: string): Promise<EventProgress[]> {
  const { rows } = await tx.query<EventProgress>(
    `WITH removed AS (
       DELETE FROM event_run_contributions WHERE run_record_id = $1
       RETURNING event_id, user_id, distance_meters
     )
     UPDATE event_participants p
        SET progress_distance_meters = GREATEST(0, p.progress_distance_meters - r.distance_meters),
            progress_runs = GREATEST(0, p.progress_runs - 1),
            completed = (e.target_distance_meters IS NULL OR p.progress_distance_meters - r.distance_meters >= e.target_distance_meters)
                        AND (e.target_runs IS NULL OR p.progress_runs - 1 >= e.target_runs)
       FROM removed r JOIN events e ON e.id = r.event_id
      WHERE p.event_id = r.event_id AND p.user_id = r.user_id
      RETURNING p.event_id, p.progress_distance_meters, p.progress_runs, p.completed`,
    [runRecordId],
  );
  return rows;
}
