// What a finished or deleted run does to its runner's crews, in the run's transaction: a plausible run that is not
// from Strava adds its distance to each crew's XP (the contribution goes when the run does), and a run that ranks
// or stops ranking on a course recomputes who holds the course.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { recomputeOccupation } from './occupation.js';

export interface CrewRun {
  runRecordId: string;
  userId: string;
  distanceMeters: number;
  countsForOthers: boolean;
  /** the course the run ranked on, if any */
  rankedCourseId: string | null;
}

export async function applyRunToCrews(deps: Pick<AppDeps, 'jobs'>, tx: Queryable, run: CrewRun): Promise<void> {
  if (run.countsForOthers) {
    // In crew id order: the trigger updates each crew's row, and concurrent runs must lock them in one order.
    await tx.query(
      `INSERT INTO crew_run_contributions (crew_id, run_record_id, distance_meters)
       SELECT crew_id, $2, $3 FROM crew_members WHERE user_id = $1 ORDER BY crew_id
       ON CONFLICT DO NOTHING`,
      [run.userId, run.runRecordId, Math.max(0, Math.round(run.distanceMeters))],
    );
  }
  if (run.rankedCourseId) await recomputeOccupation(deps, tx, run.rankedCourseId, run.userId);
}
