// SQL of the leaderboards. The board order is (best_duration_seconds, achieved_at, user_id): equal times go to
// whoever ran them first and the user id makes the order total, so ranks are unique and consecutive.
// Ranks come from ranking_time_counts (runners per best time, kept by a trigger; see 0007_rankings.sql),
// never from counting the whole board.
import type { NamedStatement, Queryable } from '../../infra/db/database.js';
import { crewNameSeenBy } from '../crews/crew-name.js';

/** A run that may appear on a leaderboard (DECISIONS.md: never Strava data, never an implausible run). */
export const rankedRun = (alias: string) =>
  `${alias}.course_completed AND ${alias}.is_plausible AND ${alias}.source <> 'strava' AND ${alias}.course_duration_seconds IS NOT NULL`;

export interface CourseAccess {
  owner_id: string;
  is_public: boolean;
  distance_meters: number;
}

export async function findCourse(db: Queryable, courseId: string): Promise<CourseAccess | undefined> {
  const { rows } = await db.query<CourseAccess & Record<string, unknown>>(
    'SELECT creator_id AS owner_id, is_public, distance_meters FROM courses WHERE id = $1',
    [courseId],
  );
  return rows[0];
}

export interface RankedRun {
  runRecordId: string;
  userId: string;
  courseId: string;
  durationSeconds: number;
  paceSecondsPerKm: number;
  achievedAt: Date;
}

/**
 * Counts the run and keeps the user's best in one statement, so concurrent runs of the same user serialise
 * on the row and none is lost. A best is replaced by a faster time, or by the same time achieved earlier
 * (an older run imported later), so the row always equals what rebuildRanking would compute.
 * Returns whether this run now holds the user's best.
 */
export async function upsertRanking(db: Queryable, run: RankedRun): Promise<boolean> {
  const better = '(excluded.best_duration_seconds, excluded.achieved_at) < (r.best_duration_seconds, r.achieved_at)';
  const { rows } = await db.query<{ is_best: boolean }>(
    `INSERT INTO rankings AS r (course_id, user_id, run_record_id, best_duration_seconds, best_pace_seconds_per_km, run_count, achieved_at)
     VALUES ($1, $2, $3, $4, $5, 1, $6)
     ON CONFLICT (course_id, user_id) DO UPDATE SET
       run_count = r.run_count + 1,
       run_record_id = CASE WHEN ${better} THEN excluded.run_record_id ELSE r.run_record_id END,
       best_duration_seconds = CASE WHEN ${better} THEN excluded.best_duration_seconds ELSE r.best_duration_seconds END,
       best_pace_seconds_per_km = CASE WHEN ${better} THEN excluded.best_pace_seconds_per_km ELSE r.best_pace_seconds_per_km END,
       achieved_at = CASE WHEN ${better} THEN excluded.achieved_at ELSE r.achieved_at END,
       updated_at = now()
     RETURNING r.run_record_id IS NOT DISTINCT FROM $3::uuid AS is_best`,
    [run.courseId, run.userId, run.runRecordId, run.durationSeconds, run.paceSecondsPerKm, run.achievedAt],
  );
  return rows[0]!.is_best;
}

/** Pace over the course in SQL, the same formula as coursePace() in service.ts. */
const COURSE_PACE = `CASE WHEN c.distance_meters > 0 THEN round(rr.course_duration_seconds * 1000.0 / c.distance_meters)::int
  ELSE coalesce(rr.avg_pace_seconds_per_km, 0) END`;

/**
 * Recomputes the user's row from their remaining ranked runs (best: fastest, then earliest finished), or
 * deletes it when none remain. The row is locked first: this statement then reads, with a fresh snapshot,
 * every run committed by a concurrent recordRankedRun that held the lock.
 */
export async function rebuildRanking(db: Queryable, courseId: string, userId: string): Promise<void> {
  await db.query('SELECT 1 FROM rankings WHERE course_id = $1 AND user_id = $2 FOR UPDATE', [courseId, userId]);
  await db.query(
    `WITH ranked AS (
       SELECT rr.id, rr.course_duration_seconds, rr.finished_at, ${COURSE_PACE} AS pace
       FROM run_records rr JOIN courses c ON c.id = rr.course_id
       WHERE rr.course_id = $1 AND rr.user_id = $2 AND ${rankedRun('rr')}
     ), best AS (
       SELECT * FROM ranked ORDER BY course_duration_seconds, finished_at, id LIMIT 1
     ), upserted AS (
       INSERT INTO rankings (course_id, user_id, run_record_id, best_duration_seconds, best_pace_seconds_per_km, run_count, achieved_at)
       SELECT $1, $2, best.id, best.course_duration_seconds, best.pace, (SELECT count(*) FROM ranked), best.finished_at FROM best
       ON CONFLICT (course_id, user_id) DO UPDATE SET
         run_record_id = excluded.run_record_id,
         best_duration_seconds = excluded.best_duration_seconds,
         best_pace_seconds_per_km = excluded.best_pace_seconds_per_km,
         run_count = excluded.run_count,
         achieved_at = excluded.achieved_at,
         updated_at = now()
     )
     DELETE FROM rankings WHERE course_id = $1 AND user_id = $2 AND NOT EXISTS (SELECT 1 FROM best)`,
    [courseId, userId],
  );
}

export interface RankRow {
  rank: number | null;
  total_runners: number;
  best_duration_seconds: number | null;
  best_pace_seconds_per_km: number | null;
}

/**
 * The user's rank and the number of runners on the course. Rank = 1 + runners with a faster best time
 * (summed from ranking_time_counts) + runners with the same time achieved before (index range on
 * idx_rankings_board, as small as the number of equal times). One row, even when the user has no entry.
 */
export async function rankOf(db: Queryable, courseId: string, userId: string): Promise<RankRow> {
  const { rows } = await db.query<RankRow & Record<string, unknown>>(
    `SELECT t.total AS total_runners, r.best_duration_seconds, r.best_pace_seconds_per_km,
       CASE WHEN r.user_id IS NOT NULL THEN 1 + t.before + (
         SELECT count(*) FROM rankings o
         WHERE o.course_id = $1 AND o.best_duration_seconds = r.best_duration_seconds
           AND (o.achieved_at, o.user_id) < (r.achieved_at, r.user_id)) END AS rank
     FROM (SELECT 1) one
     LEFT JOIN rankings r ON r.course_id = $1 AND r.user_id = $2
     CROSS JOIN LATERAL (
       SELECT coalesce(sum(h.runners) FILTER (WHERE h.best_duration_seconds < r.best_duration_seconds), 0) AS before,
              coalesce(sum(h.runners), 0) AS total
       FROM ranking_time_counts h WHERE h.course_id = $1) t`,
    [courseId, userId],
  );
  return rows[0]!;
}

export interface BoardRow {
  user_id: string;
  nickname: string | null;
  avatar_url: string | null;
  country: string | null;
  crew_name: string | null;
  best_duration_seconds: number;
  best_pace_seconds_per_km: number;
  run_count: number;
  achieved_at: Date;
}

/** What an entry shows of its runner (users aliased u) to the caller ($2): their primary crew, as on their profile. */
const ENTRY_USER = `u.nickname, u.avatar_url, u.country, ${crewNameSeenBy('u.primary_crew_id', '$2')} AS crew_name`;

/** One row of boardWithRank: the caller's rank repeated on every entry of the page (entry columns null when empty). */
export type BoardWithRankRow = RankRow & { [K in keyof BoardRow as `e_${K}`]: BoardRow[K] | null };

/** Up to this position a page is read straight from idx_rankings_board (an index-only walk of `offset` entries,
 * well under a millisecond); deeper pages start from a running sum over ranking_time_counts instead. */
const DIRECT_OFFSET_LIMIT = 5_000;

/** A page read by walking the board index past `offset` entries; the users are joined for the page alone. */
const DIRECT_PAGE = `SELECT r.user_id, ${ENTRY_USER}, r.best_duration_seconds, r.best_pace_seconds_per_km, r.run_count, r.achieved_at
       FROM (SELECT * FROM rankings r WHERE r.course_id = $1 AND EXISTS (SELECT 1 FROM course)
             ORDER BY r.best_duration_seconds, r.achieved_at, r.user_id OFFSET $3 LIMIT $4) r
       JOIN users u ON u.id = r.user_id`;

/** A deep page: the first best time on it is found by a running sum over ranking_time_counts; from there the index
 * is read in board order, skipping only the equal times that belong to the previous page. */
const DEEP_PAGE = `WITH counts AS (
         SELECT h.best_duration_seconds, h.runners, sum(h.runners) OVER (ORDER BY h.best_duration_seconds) - h.runners AS before
         FROM ranking_time_counts h WHERE h.course_id = $1 AND EXISTS (SELECT 1 FROM course)
       ), start AS (
         SELECT best_duration_seconds, before FROM counts WHERE before + runners > $3 ORDER BY best_duration_seconds LIMIT 1
       )
       SELECT r.user_id, ${ENTRY_USER}, r.best_duration_seconds, r.best_pace_seconds_per_km, r.run_count, r.achieved_at
       FROM (SELECT * FROM rankings r WHERE r.course_id = $1 AND r.best_duration_seconds >= (SELECT best_duration_seconds FROM start)
             ORDER BY r.best_duration_seconds, r.achieved_at, r.user_id OFFSET (SELECT $3 - before FROM start) LIMIT $4) r
       JOIN users u ON u.id = r.user_id`;

/** The statement of boardWithRank around either way of reading the page. */
const boardWithRankSql = (page: string) => `WITH course AS (
       SELECT 1 FROM courses WHERE id = $1 AND (is_public OR creator_id = $2)
     ), page AS (
       ${page}
     ), mine AS MATERIALIZED (
       SELECT t.total AS total_runners, r.best_duration_seconds, r.best_pace_seconds_per_km,
         CASE WHEN r.user_id IS NOT NULL THEN 1 + t.before + (
           SELECT count(*) FROM rankings o
           WHERE o.course_id = $1 AND o.best_duration_seconds = r.best_duration_seconds
             AND (o.achieved_at, o.user_id) < (r.achieved_at, r.user_id)) END AS rank
       FROM course LEFT JOIN rankings r ON r.course_id = $1 AND r.user_id = $2
       CROSS JOIN LATERAL (
         SELECT coalesce(sum(h.runners) FILTER (WHERE h.best_duration_seconds < r.best_duration_seconds), 0) AS before,
                coalesce(sum(h.runners), 0) AS total
         FROM ranking_time_counts h WHERE h.course_id = $1) t
     )
     SELECT mine.*, p.user_id AS e_user_id, p.nickname AS e_nickname, p.avatar_url AS e_avatar_url, p.country AS e_country, p.crew_name AS e_crew_name,
       p.best_duration_seconds AS e_best_duration_seconds, p.best_pace_seconds_per_km AS e_best_pace_seconds_per_km,
       p.run_count AS e_run_count, p.achieved_at AS e_achieved_at
     FROM mine LEFT JOIN page p ON true
     ORDER BY p.best_duration_seconds, p.achieved_at, p.user_id`;

const DIRECT_BOARD_WITH_RANK: NamedStatement = { name: 'board_with_rank_direct', text: boardWithRankSql(DIRECT_PAGE) };
const DEEP_BOARD_WITH_RANK: NamedStatement = { name: 'board_with_rank_deep', text: boardWithRankSql(DEEP_PAGE) };

/**
 * The course check, a page of the board and the caller's rank in one statement (one round trip). No row at all
 * when the course is missing or private to someone else; otherwise one row per entry from position `offset`
 * (0-based), or one row with null entry columns when the page is empty. The caller's rank and total_runners are
 * counted as rankOf counts them. Either way of reading the page gives the same rows (rankings.test.ts checks both).
 */
export async function boardWithRank(
  db: Queryable,
  courseId: string,
  userId: string,
  offset: number,
  limit: number,
  directOffsetLimit = DIRECT_OFFSET_LIMIT,
): Promise<BoardWithRankRow[]> {
  const sql = offset <= directOffsetLimit ? DIRECT_BOARD_WITH_RANK : DEEP_BOARD_WITH_RANK;
  const { rows } = await db.query<BoardWithRankRow & Record<string, unknown>>(sql, [courseId, userId, offset, limit]);
  return rows;
}

export interface BestRunRow {
  id: string;
  duration_seconds: number;
  avg_pace_seconds_per_km: number | null;
  finished_at: Date;
}

/** The user's fastest completed run on the course, any source (their own Strava runs included). */
export async function bestRun(db: Queryable, courseId: string, userId: string): Promise<BestRunRow | undefined> {
  const { rows } = await db.query<BestRunRow & Record<string, unknown>>(
    `SELECT rr.id, coalesce(rr.course_duration_seconds, rr.duration_seconds) AS duration_seconds,
       CASE WHEN rr.course_duration_seconds IS NULL THEN rr.avg_pace_seconds_per_km ELSE ${COURSE_PACE} END AS avg_pace_seconds_per_km,
       rr.finished_at
     FROM run_records rr JOIN courses c ON c.id = rr.course_id
     WHERE rr.course_id = $1 AND rr.user_id = $2 AND rr.course_completed
     ORDER BY coalesce(rr.course_duration_seconds, rr.duration_seconds), rr.finished_at, rr.id
     LIMIT 1`,
    [courseId, userId],
  );
  return rows[0];
}

export interface BoardFilter {
  country?: string;
  crewId?: string;
}

/**
 * boardWithRank for a board narrowed to some runners (country, crew): ranks are positions among them, in board
 * order. The counts table cannot answer this, so the course's matching rows are numbered; the filters make them
 * few, and it reads only idx_rankings_board of one course.
 */
export async function filteredBoardWithRank(
  db: Queryable,
  courseId: string,
  userId: string,
  offset: number,
  limit: number,
  f: BoardFilter,
): Promise<BoardWithRankRow[]> {
  const { rows } = await db.query<BoardWithRankRow & Record<string, unknown>>(
    `WITH course AS (
       SELECT 1 FROM courses WHERE id = $1 AND (is_public OR creator_id = $2)
     ), board AS (
       SELECT r.user_id, u.nickname, u.avatar_url, u.country, u.primary_crew_id, r.best_duration_seconds,
              r.best_pace_seconds_per_km, r.run_count, r.achieved_at,
              row_number() OVER (ORDER BY r.best_duration_seconds, r.achieved_at, r.user_id) AS position
         FROM rankings r JOIN users u ON u.id = r.user_id
        WHERE r.course_id = $1 AND EXISTS (SELECT 1 FROM course)
          AND ($5::text IS NULL OR u.country = upper($5))
          -- a private crew's members are known to its members only: to anyone else its board is empty
          AND ($6::uuid IS NULL OR (EXISTS (SELECT 1 FROM crew_members m WHERE m.crew_id = $6 AND m.user_id = r.user_id)
                                    AND EXISTS (SELECT 1 FROM crews cr WHERE cr.id = $6 AND (cr.is_public OR EXISTS (
                                          SELECT 1 FROM crew_members v WHERE v.crew_id = $6 AND v.user_id = $2)))))
     ), mine AS MATERIALIZED (
       SELECT (SELECT count(*) FROM board) AS total_runners, b.best_duration_seconds, b.best_pace_seconds_per_km, b.position AS rank
         FROM course LEFT JOIN board b ON b.user_id = $2
     )
     SELECT mine.*, p.user_id AS e_user_id, p.nickname AS e_nickname, p.avatar_url AS e_avatar_url, p.country AS e_country,
       ${crewNameSeenBy('p.primary_crew_id', '$2')} AS e_crew_name,
       p.best_duration_seconds AS e_best_duration_seconds, p.best_pace_seconds_per_km AS e_best_pace_seconds_per_km,
       p.run_count AS e_run_count, p.achieved_at AS e_achieved_at
     FROM mine LEFT JOIN board p ON p.position > $3 AND p.position <= $3 + $4
     ORDER BY p.position`,
    [courseId, userId, offset, limit, f.country ?? null, f.crewId ?? null],
  );
  return rows;
}
