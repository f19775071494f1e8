// Challenges (APP_V2.md, the newer app's challengeService.ts): goals over calendar days that operators set up in the
// database (README "Challenges") and anyone signed in lists, reads and joins. Progress is read from the participant's
// own runs each time (queries.progressOf), in their time zone (stats' timeZoneOf), so it never drifts from the runs;
// the run pipeline calls applyRunToChallenges in the transaction that stores a run, which records the first time a
// goal is reached and pushes challenge_completed then, once.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { AppError, notFound } from '../../infra/errors.js';
import { enqueuePush } from '../notifications/push.js';
import { timeZoneOf } from '../stats/service.js';
import * as q from './queries.js';
import type { ChallengeDetail, ChallengeList, ChallengeListItem, ChallengeListQuery } from './schemas.js';

export type Deps = Pick<AppDeps, 'db' | 'config'>;

const unprocessable = (code: string, message: string) => new AppError(422, code, message);

function toItem(row: q.ChallengeRow): ChallengeListItem {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    challenge_type: 'individual',
    goal_type: row.goal_type,
    goal_value: row.goal_value,
    start_date: row.starts_at.toISOString(),
    // The last millisecond of the last day: the app shows this date and counts the days left up to it.
    end_date: new Date(row.ends_at.getTime() - 1).toISOString(),
    participant_count: row.participant_count,
    reward_points: row.reward_points,
    is_joined: row.joined_at !== null,
  };
}

const zoneOf = (deps: Deps, db: Queryable, userId: string) => timeZoneOf(db, userId, deps.config.DEFAULT_TIME_ZONE);

export async function list(deps: Deps, userId: string, query: ChallengeListQuery, now = new Date()): Promise<ChallengeList> {
  const zone = await zoneOf(deps, deps.db, userId);
  const { rows, total } = await q.listOpen(deps.db, userId, zone, now, query.per_page, query.page * query.per_page);
  return { data: rows.map(toItem), total };
}

async function detail(deps: Deps, db: Queryable, userId: string, challengeId: string): Promise<ChallengeDetail> {
  const zone = await zoneOf(deps, db, userId);
  const row = await q.findChallenge(db, userId, zone, challengeId);
  if (!row) throw notFound('Challenge');
  let myProgress: ChallengeDetail['my_progress'] = null;
  if (row.joined_at) {
    const [progress] = await q.progressOf(db, userId, zone, [row.id]);
    myProgress = { current_value: progress!.current_value, completed: progress!.completed };
  }
  return { ...toItem(row), my_progress: myProgress };
}

export const get = (deps: Deps, userId: string, challengeId: string) => detail(deps, deps.db, userId, challengeId);

/**
 * Joins the challenge; joining again changes nothing (`created` false). A withdrawn challenge, or one whose last day
 * is over in the caller's zone, is 422. Runs already finished in the period count; a goal they already meet is
 * recorded as reached at joining, without a push (the caller sees it in the answer).
 */
export async function join(deps: Deps, userId: string, challengeId: string): Promise<{ created: boolean; challenge: ChallengeDetail }> {
  return deps.db.transaction(async (tx) => {
    const zone = await zoneOf(deps, tx, userId);
    const row = await q.findChallenge(tx, userId, zone, challengeId);
    if (!row) throw notFound('Challenge');
    if (row.joined_at) return { created: false, challenge: await detail(deps, tx, userId, challengeId) };
    if (!row.is_active) throw unprocessable('CHALLENGE_WITHDRAWN', 'This challenge was withdrawn');
    if (row.ends_at.getTime() <= Date.now()) throw unprocessable('CHALLENGE_ENDED', 'This challenge has ended');
    const created = await q.insertParticipant(tx, challengeId, userId);
    const [progress] = await q.progressOf(tx, userId, zone, [challengeId]);
    if (progress?.completed) await q.markCompleted(tx, userId, [challengeId]);
    return { created, challenge: await detail(deps, tx, userId, challengeId) };
  });
}

export interface ChallengeRun {
  userId: string;
  finishedAt: Date;
  /** implausible runs never count */
  plausible: boolean;
  /** the runner's time zone */
  timeZone: string;
}

/**
 * Called by the run pipeline in the transaction that stored the run: for each challenge the runner joined whose
 * period holds the run's finish and whose goal was not reached before, reads the progress (this run included) and,
 * where the goal is now met, records it and pushes challenge_completed. The participations are locked first, so a
 * concurrent run of the same user is either seen here or sees this one. Returns the challenges completed.
 */
export async function applyRunToChallenges(deps: Pick<AppDeps, 'jobs'>, tx: Queryable, run: ChallengeRun): Promise<string[]> {
  if (!run.plausible) return [];
  const open = await q.lockOpenParticipations(tx, run.userId, run.timeZone, run.finishedAt);
  if (open.length === 0) return [];
  const reached = (await q.progressOf(tx, run.userId, run.timeZone, open)).filter((p) => p.completed);
  const completed = await q.markCompleted(tx, run.userId, reached.map((p) => p.challenge_id));
  for (const p of reached.filter((r) => completed.includes(r.challenge_id))) {
    await enqueuePush(deps, tx, {
      userId: run.userId,
      kind: 'challenge_completed',
      causeKey: p.challenge_id,
      title: '챌린지 달성',
      body: `'${p.title}' 챌린지 목표를 달성했어요`,
      data: { challenge_id: p.challenge_id },
    });
  }
  return completed;
}
