// Crew challenges ("raids" in the newer app, crewChallengeService.ts): a crew's owner or admin points the crew at a
// course, one challenge at a time, and ends it. Its progress is read from the runs each time, never stored:
// every run a member started on the course while a member and while the challenge ran counts, except Strava runs
// (its terms: others see this) and implausible ones; a member's best is their fastest completion, timed from the
// course's start to its finish as on the leaderboard. A challenge has no end date: it runs until it is ended.
//
// Who sees a challenge: whoever may read the crew (its members, anyone signed in for a public crew), and only when
// they may see its course too: a course that is private (or made private since) is not shown to others, not even
// its id, so such a challenge is left out of their history, answers null as the active one and is 404 to end.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { AppError, conflict, notFound } from '../../infra/errors.js';
import { requireVisible } from '../auth/authorize.js';
import { findCourse, rankedRun } from '../rankings/queries.js';
import { coursePace } from '../rankings/service.js';
import type { ChallengeHistory, ChallengeItem, ChallengeRecord } from './challenge-schemas.js';
import { requireCan, type CrewAction } from './permissions.js';
import * as q from './queries.js';
import type { PageQuery } from './schemas.js';
import { standingOf } from './service.js';

interface ChallengeRow {
  [key: string]: unknown;
  id: string;
  crew_id: string;
  course_id: string;
  course_name: string;
  course_distance_meters: number;
  created_by: string | null;
  created_at: Date;
  ended_at: Date | null;
  total_participants: number;
}

interface RecordRow {
  [key: string]: unknown;
  user_id: string;
  nickname: string | null;
  avatar_url: string | null;
  best_duration_seconds: number | null;
  completed_at: Date | null;
  run_count: number;
}

const CHALLENGE_SELECT = `
  SELECT ch.id, ch.crew_id, ch.course_id, co.title AS course_name, co.distance_meters AS course_distance_meters,
         ch.created_by, ch.created_at, ch.ended_at,
         (SELECT count(*) FROM crew_members m WHERE m.crew_id = ch.crew_id) AS total_participants
    FROM crew_challenges ch
    JOIN courses co ON co.id = ch.course_id`;
// $2 is the viewer: the course must be one they may see.
const VISIBLE_COURSE = '(co.is_public OR co.creator_id = $2)';

async function requireAccess(db: Queryable, userId: string, crewId: string, action: CrewAction): Promise<void> {
  const access = await q.crewAccess(db, crewId, userId);
  if (!access) throw notFound('Crew');
  requireCan(standingOf(access.my_grade), access.is_public, action);
}

/** Each member's runs on the course during the challenge, members without one left out; fastest first. */
async function records(db: Queryable, c: ChallengeRow): Promise<RecordRow[]> {
  const { rows } = await db.query<RecordRow>(
    `SELECT m.user_id, u.nickname, u.avatar_url, s.best_duration_seconds, s.completed_at, s.run_count
       FROM crew_members m
       JOIN users u ON u.id = m.user_id
       CROSS JOIN LATERAL (
         SELECT count(*) AS run_count,
                min(r.course_duration_seconds) FILTER (WHERE ${rankedRun('r')}) AS best_duration_seconds,
                (array_agg(r.finished_at ORDER BY r.course_duration_seconds, r.finished_at) FILTER (WHERE ${rankedRun('r')}))[1] AS completed_at
           FROM run_records r
          WHERE r.user_id = m.user_id AND r.course_id = $2 AND r.source <> 'strava' AND r.is_plausible
            AND r.started_at >= greatest($3::timestamptz, m.joined_at) AND ($4::timestamptz IS NULL OR r.started_at < $4)
       ) s
      WHERE m.crew_id = $1 AND s.run_count > 0
      ORDER BY s.best_duration_seconds NULLS LAST, s.completed_at, m.user_id`,
    [c.crew_id, c.course_id, c.created_at, c.ended_at],
  );
  return rows;
}

async function toItem(db: Queryable, c: ChallengeRow): Promise<ChallengeItem> {
  const rows = await records(db, c);
  const recordsOut: ChallengeRecord[] = rows.map((r) => ({
    user_id: r.user_id,
    nickname: r.nickname,
    avatar_url: r.avatar_url,
    best_duration_seconds: r.best_duration_seconds,
    best_pace_seconds_per_km: r.best_duration_seconds === null ? null : coursePace(r.best_duration_seconds, c.course_distance_meters),
    completed_at: r.completed_at?.toISOString() ?? null,
    run_count: r.run_count,
  }));
  return {
    id: c.id,
    crew_id: c.crew_id,
    course_id: c.course_id,
    course_name: c.course_name,
    course_distance_meters: c.course_distance_meters,
    created_by: c.created_by,
    status: c.ended_at ? 'ended' : 'active',
    records: recordsOut,
    completed_count: rows.filter((r) => r.best_duration_seconds !== null).length,
    total_participants: c.total_participants,
    created_at: c.created_at.toISOString(),
    ended_at: c.ended_at?.toISOString() ?? null,
  };
}

async function findChallenge(db: Queryable, challengeId: string): Promise<ChallengeRow> {
  const { rows } = await db.query<ChallengeRow>(`${CHALLENGE_SELECT} WHERE ch.id = $1`, [challengeId]);
  return rows[0]!;
}

const isActiveTaken = (err: unknown): never => {
  if ((err as { constraint?: string }).constraint === 'uq_crew_challenges_active') {
    throw conflict('CHALLENGE_LIMIT', 'The crew already has an active challenge; end it first');
  }
  throw err;
};

export async function create(deps: Pick<AppDeps, 'db'>, userId: string, crewId: string, courseId: string): Promise<ChallengeItem> {
  const id = await deps.db.transaction(async (tx) => {
    await requireAccess(tx, userId, crewId, 'manage_challenges');
    requireVisible(await findCourse(tx, courseId), userId, 'Course');
    const { rows } = await tx
      .query<{ id: string }>('INSERT INTO crew_challenges (crew_id, course_id, created_by) VALUES ($1, $2, $3) RETURNING id', [crewId, courseId, userId])
      .catch(isActiveTaken);
    return rows[0]!.id;
  });
  return toItem(deps.db, await findChallenge(deps.db, id));
}

export async function end(deps: Pick<AppDeps, 'db'>, userId: string, crewId: string, challengeId: string): Promise<ChallengeItem> {
  await deps.db.transaction(async (tx) => {
    await requireAccess(tx, userId, crewId, 'manage_challenges');
    const { rows } = await tx.query<{ ended: boolean }>(
      `WITH target AS (SELECT ch.id, ch.ended_at FROM crew_challenges ch JOIN courses co ON co.id = ch.course_id
                        WHERE ch.id = $1 AND ch.crew_id = $2 AND (co.is_public OR co.creator_id = $3) FOR UPDATE OF ch),
            ended AS (UPDATE crew_challenges ch SET ended_at = greatest(now(), ch.created_at)
                        FROM target WHERE ch.id = target.id AND target.ended_at IS NULL RETURNING ch.id)
       SELECT EXISTS (SELECT 1 FROM ended) AS ended FROM target`,
      [challengeId, crewId, userId],
    );
    if (!rows[0]) throw notFound('Challenge');
    if (!rows[0].ended) throw new AppError(409, 'CHALLENGE_NOT_ACTIVE', 'This challenge has already ended');
  });
  return toItem(deps.db, await findChallenge(deps.db, challengeId));
}

/** The crew's active challenge, or null (also when its course is one the caller may not see). */
export async function active(db: Queryable, userId: string, crewId: string): Promise<ChallengeItem | null> {
  await requireAccess(db, userId, crewId, 'read');
  const { rows } = await db.query<ChallengeRow>(`${CHALLENGE_SELECT} WHERE ch.crew_id = $1 AND ch.ended_at IS NULL AND ${VISIBLE_COURSE}`, [crewId, userId]);
  return rows[0] ? toItem(db, rows[0]) : null;
}

/** Ended challenges, the latest ended first. */
export async function history(db: Queryable, userId: string, crewId: string, page: PageQuery): Promise<ChallengeHistory> {
  await requireAccess(db, userId, crewId, 'read');
  const where = `ch.crew_id = $1 AND ch.ended_at IS NOT NULL AND ${VISIBLE_COURSE}`;
  const [count, { rows }] = await Promise.all([
    db.query<{ n: number }>(`SELECT count(*) AS n FROM crew_challenges ch JOIN courses co ON co.id = ch.course_id WHERE ${where}`, [crewId, userId]),
    db.query<ChallengeRow>(`${CHALLENGE_SELECT} WHERE ${where} ORDER BY ch.ended_at DESC, ch.id DESC LIMIT $3 OFFSET $4`, [
      crewId,
      userId,
      page.per_page,
      page.page * page.per_page,
    ]),
  ]);
  const data: ChallengeItem[] = [];
  for (const row of rows) data.push(await toItem(db, row));
  return { data, total_count: count.rows[0]!.n };
}
