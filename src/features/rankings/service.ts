// Course leaderboards (RULES.md §3, DECISIONS.md "Matching and rankings"): each user's best ranked time per
// course; ties go to whoever achieved the time first. Strava and implausible runs never rank.
import type { Queryable } from '../../infra/db/database.js';
import { requireVisible } from '../auth/authorize.js';
import { notFound } from '../../infra/errors.js';
import * as q from './queries.js';
import type { MyBest, MyRanking, RankingEntry, Rankings, RankingsQuery } from './schemas.js';

const DEFAULT_PER_PAGE = 20;

/** Seconds per km over the course: the pace stored with a ranked time (rounded half up). */
export function coursePace(durationSeconds: number, courseDistanceMeters: number): number {
  return courseDistanceMeters > 0 ? Math.round((durationSeconds * 1000) / courseDistanceMeters) : 0;
}

export interface RankedRunResult {
  rank: number;
  total_runners: number;
  is_personal_best: boolean;
}

/**
 * Counts a ranked run (call it in the run's transaction, only for runs that rank: course completed,
 * plausible, not from Strava). `achievedAt` is the run's finished_at. When one run completes several
 * courses, call it in course id order so concurrent runs lock in the same order.
 */
export async function recordRankedRun(tx: Queryable, run: q.RankedRun): Promise<RankedRunResult> {
  const isBest = await q.upsertRanking(tx, run);
  const { rank, total_runners } = await q.rankOf(tx, run.courseId, run.userId);
  return { rank: rank!, total_runners, is_personal_best: isBest };
}

/** After a run of the user on the course was deleted (or stopped ranking): their row from what remains. */
export async function rebuildUserRanking(tx: Queryable, courseId: string, userId: string): Promise<void> {
  await q.rebuildRanking(tx, courseId, userId);
}

async function visibleCourse(db: Queryable, courseId: string, userId: string): Promise<q.CourseAccess> {
  return requireVisible(await q.findCourse(db, courseId), userId, 'Course');
}

/** rank / runners × 100, one decimal: smaller is better. */
const percentile = (rank: number, runners: number) => Math.round((rank / runners) * 1000) / 10;

const toEntry = (row: q.BoardWithRankRow, rank: number): RankingEntry => ({
  rank,
  user: { id: row.e_user_id!, nickname: row.e_nickname, avatar_url: row.e_avatar_url, country: row.e_country, crew_name: row.e_crew_name },
  best_duration_seconds: row.e_best_duration_seconds!,
  best_pace_seconds_per_km: row.e_best_pace_seconds_per_km!,
  run_count: row.e_run_count!,
  achieved_at: row.e_achieved_at!.toISOString(),
});

/**
 * A page of the board (M2: `limit` alone gives a bare array, page/per_page or any of the newer app's filters the
 * envelope; `limitAloneIsArray` false: the envelope always, for the newer app, which sends the same `?limit=10`),
 * in one statement with the course check and the caller's rank. The order is total, so the entry at 0-based position p has rank p + 1,
 * the same number rankOf computes for that user.
 */
export async function rankings(
  db: Queryable,
  courseId: string,
  userId: string,
  query: RankingsQuery,
  { limitAloneIsArray = true } = {},
): Promise<Rankings> {
  const newerFilters = [query.country, query.crew_id, query.scope, query.gender, query.age_group].some((v) => v !== undefined);
  const bare = limitAloneIsArray && query.limit !== undefined && query.page === undefined && query.per_page === undefined && !newerFilters;
  const size = query.limit ?? query.per_page ?? DEFAULT_PER_PAGE;
  const offset = (query.page ?? 0) * size;
  const narrowed = query.country !== undefined || query.crew_id !== undefined;
  const rows = narrowed
    ? await q.filteredBoardWithRank(db, courseId, userId, offset, size, { country: query.country, crewId: query.crew_id })
    : await q.boardWithRank(db, courseId, userId, offset, size);
  const mine = rows[0];
  if (!mine) throw notFound('Course');
  const data = mine.e_user_id === null ? [] : rows.map((row, i) => toEntry(row, offset + i + 1));
  if (bare) return data;
  return {
    data,
    my_ranking:
      mine.rank === null
        ? null
        : {
            rank: mine.rank,
            best_duration_seconds: mine.best_duration_seconds!,
            best_pace_seconds_per_km: mine.best_pace_seconds_per_km!,
            percentile: percentile(mine.rank, mine.total_runners),
          },
    total_runners: mine.total_runners,
  };
}

export async function myRanking(db: Queryable, courseId: string, userId: string): Promise<MyRanking> {
  await visibleCourse(db, courseId, userId);
  const { rank, total_runners, best_duration_seconds } = await q.rankOf(db, courseId, userId);
  return {
    rank,
    best_duration_seconds,
    total_runners,
    percentile: rank === null ? null : percentile(rank, total_runners),
  };
}

export async function myBest(db: Queryable, courseId: string, userId: string): Promise<MyBest> {
  await visibleCourse(db, courseId, userId);
  const row = await q.bestRun(db, courseId, userId);
  return row ? { ...row, finished_at: row.finished_at.toISOString() } : null;
}
