// Course occupation ("dominion" in the newer app): a course is held by the crew whose three best members on it have
// the lowest average best time, among crews with at least three ranked members. Ties go to the crew that reached
// its average first (the latest of its three times), then to the lower crew id; crews that are not public hold none: the holder is a function of the
// rankings (non-Strava, plausible runs only) and the memberships, never of the order in which runs arrived.
//
// course_occupations keeps the result. It is recomputed under a per-course lock by the transaction that ranks or
// unranks a run on the course, and by a job after any change of members (join, leave, removal, deleted crew or
// account). The crew that loses a course gets a crew_course_lost push.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import type { JobQueue } from '../../infra/jobs/queue.js';
import { enqueuePush } from '../notifications/push.js';

/** Members a crew needs ranked on a course to hold it, and the members whose times are averaged. */
export const OCCUPATION_MEMBERS = 3;
export const OCCUPATION_JOB = 'crew-occupation';

export interface Standing {
  [key: string]: unknown;
  crew_id: string;
  /** the average of the three best members' best times, exact */
  avg_seconds: number;
  /** when the last of those three times was achieved */
  achieved_at: Date;
  top_member_ids: string[];
  /** members of the crew with a ranked time on the course */
  ranked_members: number;
}

/** A page of the crews that qualify on the course, best first (rank 1 holds it). */
export async function standings(
  db: Queryable,
  courseId: string,
  page: { limit: number; offset: number } = { limit: 1, offset: 0 },
): Promise<(Standing & { rank: number })[]> {
  const { rows } = await db.query<Standing & { rank: number }>(
    `${STANDINGS_SQL} SELECT * FROM ranked ORDER BY rank LIMIT $3 OFFSET $4`,
    [courseId, OCCUPATION_MEMBERS, page.limit, page.offset],
  );
  return rows;
}

/** The standings of the given crews on the course (those that qualify), with their rank among all crews. */
export async function standingsOf(db: Queryable, courseId: string, crewIds: string[]): Promise<(Standing & { rank: number })[]> {
  const { rows } = await db.query<Standing & { rank: number }>(
    `${STANDINGS_SQL} SELECT * FROM ranked WHERE crew_id = ANY($3::uuid[]) ORDER BY rank`,
    [courseId, OCCUPATION_MEMBERS, crewIds],
  );
  return rows;
}

export async function qualifyingCrews(db: Queryable, courseId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`${STANDINGS_SQL} SELECT count(*) AS n FROM ranked`, [courseId, OCCUPATION_MEMBERS]);
  return rows[0]!.n;
}

// $1 course, $2 members needed. Each member's best time is their rankings row; a member of two crews counts for both.
// Crews that are not public keep to themselves: they hold no course.
const STANDINGS_SQL = `
  WITH member_best AS (
    SELECT m.crew_id, r.user_id, r.best_duration_seconds, r.achieved_at,
           row_number() OVER (PARTITION BY m.crew_id ORDER BY r.best_duration_seconds, r.achieved_at, r.user_id) AS n,
           count(*) OVER (PARTITION BY m.crew_id) AS ranked_members
      FROM rankings r
      JOIN crew_members m ON m.user_id = r.user_id
      JOIN crews c ON c.id = m.crew_id AND c.is_public
     WHERE r.course_id = $1
  ), qualified AS (
    SELECT crew_id, avg(best_duration_seconds)::float8 AS avg_seconds, max(achieved_at) AS achieved_at,
           array_agg(user_id ORDER BY n) AS top_member_ids, max(ranked_members) AS ranked_members
      FROM member_best WHERE n <= $2 AND ranked_members >= $2
     GROUP BY crew_id
  ), ranked AS (
    SELECT q.*, row_number() OVER (ORDER BY q.avg_seconds, q.achieved_at, q.crew_id) AS rank FROM qualified q
  )`;

interface Held {
  [key: string]: unknown;
  crew_id: string;
  avg_duration_seconds: number;
  top_member_ids: string[];
  occupied_since: Date;
}

/**
 * Recomputes who holds the course, in the caller's transaction, and tells the crew that lost it. The lock makes
 * recomputations of one course take turns; each one reads the rankings after the lock was granted, so it sees
 * what every earlier one saw.
 */
export async function recomputeOccupation(
  deps: Pick<AppDeps, 'jobs'>,
  tx: Queryable,
  courseId: string,
  causedBy: string | null = null,
): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('runcrew.occupation:' || $1, 0))", [courseId]);
  const course = await tx.query<{ title: string }>('SELECT title FROM courses WHERE id = $1', [courseId]);
  if (!course.rowCount) return;
  const [best] = await standings(tx, courseId);
  const { rows } = await tx.query<Held>('SELECT crew_id, avg_duration_seconds, top_member_ids, occupied_since FROM course_occupations WHERE course_id = $1', [courseId]);
  const held = rows[0];

  if (!best) {
    if (held) await tx.query('DELETE FROM course_occupations WHERE course_id = $1', [courseId]);
  } else if (held?.crew_id === best.crew_id) {
    // Unchanged standings write nothing: a recomputation leaves no trace when nothing moved.
    const same = held.avg_duration_seconds === Math.round(best.avg_seconds) && held.top_member_ids.join() === best.top_member_ids.join();
    if (!same) await tx.query(
      'UPDATE course_occupations SET avg_duration_seconds = $2, top_member_ids = $3, updated_at = now() WHERE course_id = $1',
      [courseId, Math.round(best.avg_seconds), best.top_member_ids],
    );
  } else {
    await tx.query(
      `INSERT INTO course_occupations (course_id, crew_id, avg_duration_seconds, top_member_ids) VALUES ($1, $2, $3, $4)
       ON CONFLICT (course_id) DO UPDATE SET crew_id = EXCLUDED.crew_id, avg_duration_seconds = EXCLUDED.avg_duration_seconds,
         top_member_ids = EXCLUDED.top_member_ids, occupied_since = now(), updated_at = now()`,
      [courseId, best.crew_id, Math.round(best.avg_seconds), best.top_member_ids],
    );
  }
  if (held && held.crew_id !== best?.crew_id) await notifyLost(deps, tx, courseId, course.rows[0]!.title, held, best?.crew_id ?? null, causedBy);
}

async function notifyLost(
  deps: Pick<AppDeps, 'jobs'>,
  tx: Queryable,
  courseId: string,
  title: string,
  held: Held,
  newCrewId: string | null,
  causedBy: string | null,
): Promise<void> {
  const { rows } = await tx.query<{ user_id: string; new_crew: string | null }>(
    `SELECT m.user_id, (SELECT name FROM crews WHERE id = $2) AS new_crew
       FROM crew_members m WHERE m.crew_id = $1 ORDER BY m.user_id`,
    [held.crew_id, newCrewId],
  );
  for (const { user_id, new_crew } of rows) {
    if (user_id === causedBy) continue;
    await enqueuePush(deps, tx, {
      userId: user_id,
      kind: 'crew_course_lost',
      // One loss per reign: the reign is named by when it began.
      causeKey: `${courseId}:${held.occupied_since.getTime()}`,
      title: '코스 점령 해제',
      body: new_crew ? `'${title}' 코스를 ${new_crew} 크루에게 빼앗겼어요` : `크루가 더 이상 '${title}' 코스를 점령하지 않아요`,
      data: { course_id: courseId, crew_id: held.crew_id },
    });
  }
}

/** Enqueues recomputations of the courses in the caller's transaction, in course id order (see stats-jobs.ts). */
async function enqueueCourses(jobs: JobQueue, tx: Queryable, courseIds: string[]): Promise<void> {
  for (const courseId of [...new Set(courseIds)].sort()) {
    await jobs.enqueue(tx, OCCUPATION_JOB, { courseId }, { singletonKey: courseId });
  }
}

/** After the user joined or left a crew: every course they hold a ranked time on. */
export async function enqueueOccupationOfMember(deps: Pick<AppDeps, 'jobs'>, tx: Queryable, userId: string): Promise<void> {
  const { rows } = await tx.query<{ course_id: string }>('SELECT course_id FROM rankings WHERE user_id = $1', [userId]);
  await enqueueCourses(deps.jobs, tx, rows.map((r) => r.course_id));
}

/** Before the crew is deleted: the courses it holds go to the next crew. */
export async function enqueueOccupationOfCrew(deps: Pick<AppDeps, 'jobs'>, tx: Queryable, crewId: string): Promise<void> {
  const { rows } = await tx.query<{ course_id: string }>('SELECT course_id FROM course_occupations WHERE crew_id = $1', [crewId]);
  await enqueueCourses(deps.jobs, tx, rows.map((r) => r.course_id));
}

/** After the crew turned public or not: every course its members rank on. */
export async function enqueueOccupationOfCrewMembers(deps: Pick<AppDeps, 'jobs'>, tx: Queryable, crewId: string): Promise<void> {
  const { rows } = await tx.query<{ course_id: string }>(
    'SELECT DISTINCT r.course_id FROM crew_members m JOIN rankings r ON r.user_id = m.user_id WHERE m.crew_id = $1',
    [crewId],
  );
  await enqueueCourses(deps.jobs, tx, rows.map((r) => r.course_id));
}

export function registerOccupationJob(deps: AppDeps): void {
  deps.jobs.register<{ courseId: string }>(
    OCCUPATION_JOB,
    ({ data }) => deps.db.transaction((tx) => recomputeOccupation(deps, tx, data.courseId)),
    { policy: 'short' },
  );
}
