// The crews' ranking on a course (GET /courses/{id}/crew-rankings): the standings that decide who holds the course
// (occupation.ts), so rank 1 is always the holder and the two never disagree. Built from the rankings, which hold
// no Strava or implausible run; crews that are not public take no part.
import type { Queryable } from '../../infra/db/database.js';
import { requireVisible } from '../auth/authorize.js';
import { findCourse } from '../rankings/queries.js';
import type { CrewCourseRanking, CrewCourseRankingList } from './challenge-schemas.js';
import { qualifyingCrews, standings, standingsOf, type Standing } from './occupation.js';
import type { PageQuery } from './schemas.js';

interface CrewFace {
  [key: string]: unknown;
  id: string;
  name: string;
  logo_url: string | null;
  badge_color: string;
  member_count: number;
}

async function faces(db: Queryable, crewIds: string[]): Promise<Map<string, CrewFace>> {
  const { rows } = await db.query<CrewFace>(
    `SELECT c.id, c.name, c.logo_url, c.badge_color, (SELECT count(*) FROM crew_members m WHERE m.crew_id = c.id) AS member_count
       FROM crews c WHERE c.id = ANY($1::uuid[])`,
    [crewIds],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

export async function courseCrewRankings(db: Queryable, userId: string, courseId: string, page: PageQuery): Promise<CrewCourseRankingList> {
  requireVisible(await findCourse(db, courseId), userId, 'Course');
  const { rows: mine } = await db.query<{ crew_id: string }>('SELECT crew_id FROM crew_members WHERE user_id = $1', [userId]);
  const [onPage, ofMine, total] = await Promise.all([
    standings(db, courseId, { limit: page.per_page, offset: page.page * page.per_page }),
    standingsOf(db, courseId, mine.map((m) => m.crew_id)),
    qualifyingCrews(db, courseId),
  ]);
  const shown = new Set(onPage.map((s) => s.crew_id));
  const others = ofMine.filter((s) => !shown.has(s.crew_id));
  const crews = await faces(db, [...onPage, ...others].map((s) => s.crew_id));
  const entry = (s: Standing & { rank: number }): CrewCourseRanking[] => {
    const crew = crews.get(s.crew_id);
    if (!crew) return []; // deleted between the reads
    return [{
      rank: Number(s.rank),
      crew_id: s.crew_id,
      crew_name: crew.name,
      crew_logo_url: crew.logo_url,
      crew_badge_color: crew.badge_color,
      avg_duration_seconds: Math.round(s.avg_seconds),
      completed_count: Number(s.ranked_members),
      total_participants: crew.member_count,
      achieved_at: s.achieved_at.toISOString(),
    }];
  };
  return { data: onPage.flatMap(entry), my_crews: others.flatMap(entry), total_crews: Number(total) };
}
