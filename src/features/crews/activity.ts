// What a crew did: the members' weekly distance ranking, the courses they run, and the owners' management figures.
// Others see these, so Strava runs (its terms) and implausible runs never count.
import type { Queryable } from '../../infra/db/database.js';
import { notFound } from '../../infra/errors.js';
import { requireCan, type CrewAction } from './permissions.js';
import * as q from './queries.js';
import { pendingCount } from './requests.js';
import type { ActiveCourse, ManagementStats, WeeklyRanking } from './schemas.js';
import { standingOf } from './service.js';
import { timeZoneOf } from '../stats/service.js';

/** Members shown in the weekly ranking (the crew's best). */
export const WEEKLY_RANKING_SIZE = 100;
export const ACTIVE_COURSES_DAYS = 30;
const ACTIVE_COURSES_SHOWN = 20;

async function requireAccess(db: Queryable, userId: string, crewId: string, action: CrewAction): Promise<void> {
  const access = await q.crewAccess(db, crewId, userId);
  if (!access) throw notFound('Crew');
  requireCan(standingOf(access.my_grade), access.is_public, action);
}

export interface WeeklyRow {
  [key: string]: unknown;
  user_id: string;
  nickname: string | null;
  avatar_url: string | null;
  weekly_distance: number;
  weekly_runs: number;
  rank: number;
}

/**
 * Members by distance run since Monday 00:00 of the viewer's week in `timeZone` (as their own stats count weeks),
 * every member listed, those without a run at 0. One index-only range per member on idx_runs_user_finished_counted;
 * the ranks are taken over every member, and only the members shown are joined with their profiles.
 */
const WEEKLY_ROWS_SQL = `WITH week AS (SELECT date_trunc('week', $3::timestamptz AT TIME ZONE $2) AT TIME ZONE $2 AS start),
     shown AS (
       SELECT m.user_id, m.joined_at, w.distance, w.runs, rank() OVER (ORDER BY w.distance DESC) AS rank
         FROM week, crew_members m
         CROSS JOIN LATERAL (SELECT coalesce(sum(r.distance_meters), 0) AS distance, count(*) AS runs
                               FROM run_records r
                              WHERE r.user_id = m.user_id AND r.finished_at >= week.start
                                AND r.source <> 'strava' AND r.is_plausible) w
        WHERE m.crew_id = $1
        ORDER BY w.distance DESC, w.runs DESC, m.joined_at, m.user_id
        LIMIT $4
     )
     SELECT s.user_id, u.nickname, u.avatar_url, s.distance AS weekly_distance, s.runs AS weekly_runs, s.rank,
            week.start AS period_start, (week.start AT TIME ZONE $2 + interval '7 days') AT TIME ZONE $2 AS period_end
       FROM week, shown s JOIN users u ON u.id = s.user_id
      ORDER BY s.distance DESC, s.runs DESC, s.joined_at, s.user_id`;

export async function weeklyRows(db: Queryable, crewId: string, timeZone: string, now: Date) {
  const { rows } = await db.query<WeeklyRow & { period_start: Date; period_end: Date }>(
    { name: 'crew_weekly_rows', text: WEEKLY_ROWS_SQL },
    [crewId, timeZone, now, WEEKLY_RANKING_SIZE],
  );
  return rows;
}

/** The weekly ranking as the viewer sees it: their week, in their own time zone (or `defaultZone`). */
export async function weeklyRanking(db: Queryable, userId: string, crewId: string, defaultZone: string, now = new Date()): Promise<WeeklyRanking> {
  await requireAccess(db, userId, crewId, 'read');
  const rows = await weeklyRows(db, crewId, await timeZoneOf(db, userId, defaultZone), now);
  const week = rows[0]!; // the owner is always a member
  return {
    data: rows.map(({ period_start: _s, period_end: _e, ...r }) => r),
    period_start: week.period_start.toISOString(),
    period_end: week.period_end.toISOString(),
  };
}

/** Courses the members ran in the last 30 days, most runs first; courses the viewer may not see are left out. */
export async function activeCourses(db: Queryable, userId: string, crewId: string): Promise<ActiveCourse[]> {
  await requireAccess(db, userId, crewId, 'read');
  const { rows } = await db.query<ActiveCourse & Record<string, unknown>>(
    `SELECT c.id AS course_id, c.title AS course_title, c.distance_meters, count(*) AS member_run_count,
            min(r.course_duration_seconds) FILTER (WHERE r.course_completed) AS best_crew_time_seconds
       FROM crew_members m
       JOIN run_records r ON r.user_id = m.user_id AND r.course_id IS NOT NULL
                         AND r.finished_at >= now() - make_interval(days => $3) AND r.source <> 'strava' AND r.is_plausible
       JOIN courses c ON c.id = r.course_id AND (c.is_public OR c.creator_id = $2)
      WHERE m.crew_id = $1
      GROUP BY c.id
      ORDER BY member_run_count DESC, c.id
      LIMIT $4`,
    [crewId, userId, ACTIVE_COURSES_DAYS, ACTIVE_COURSES_SHOWN],
  );
  return rows;
}

export async function managementStats(db: Queryable, userId: string, crewId: string): Promise<ManagementStats> {
  await requireAccess(db, userId, crewId, 'view_stats');
  const [{ rows }, pending] = await Promise.all([
    db.query<{ by_grade: Record<string, number>; joins: number; leaves: number }>(
      `SELECT (SELECT coalesce(jsonb_object_agg(grade_level, n), '{}') FROM
                (SELECT grade_level, count(*) AS n FROM crew_members WHERE crew_id = $1 GROUP BY grade_level) g) AS by_grade,
              (SELECT count(*) FROM crew_members WHERE crew_id = $1 AND joined_at >= now() - interval '7 days') AS joins,
              (SELECT count(*) FROM crew_departures WHERE crew_id = $1 AND left_at >= now() - interval '7 days') AS leaves`,
      [crewId],
    ),
    pendingCount(db, crewId),
  ]);
  const stats = rows[0]!;
  const byGrade = Object.fromEntries([1, 2, 3, 4, 5].map((g) => [String(g), stats.by_grade[String(g)] ?? 0]));
  return {
    total_members: Object.values(byGrade).reduce((a, b) => a + b, 0),
    members_by_grade: byGrade,
    pending_requests: pending,
    recent_joins_7d: stats.joins,
    recent_leaves_7d: stats.leaves,
  };
}
