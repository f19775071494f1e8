// Points (the newer app's total_points): a run recorded in the app earns 1 point per 100 m and 30 more when it
// completes a course, as the old server counted; a daily check-in earns 5 once per calendar day of the user.
// Imported runs (files, Strava) and implausible runs earn nothing: points must not be farmed by uploads.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { notFound } from '../../infra/errors.js';
import { timeZoneOf } from '../stats/service.js';
import * as q from './queries.js';
import type { DailyCheckin } from './schemas.js';

export const CHECKIN_POINTS = 5;
const COURSE_BONUS = 30;

export function runPoints(distanceMeters: number, courseCompleted: boolean): number {
  return Math.floor(distanceMeters / 100) + (courseCompleted ? COURSE_BONUS : 0);
}

/** Awards a finished run's points inside its transaction; returns what it earned (0 when not eligible). */
export async function awardRunPoints(
  tx: Queryable,
  run: { userId: string; runRecordId: string; distanceMeters: number; courseCompleted: boolean; eligible: boolean },
): Promise<number> {
  const amount = run.eligible ? runPoints(run.distanceMeters, run.courseCompleted) : 0;
  if (amount <= 0) return 0;
  const kind = run.courseCompleted ? 'course_bonus' : 'run_earn';
  return (await q.award(tx, { userId: run.userId, amount, kind, runRecordId: run.runRecordId })) ? amount : 0;
}

/** Once per day in the user's time zone; a repeat (or a concurrent duplicate) answers already: true, 0 points. */
export async function dailyCheckin(deps: Pick<AppDeps, 'db' | 'config'>, userId: string, now = new Date()): Promise<DailyCheckin> {
  return deps.db.transaction(async (tx) => {
    const day = await q.dayIn(tx, await timeZoneOf(tx, userId, deps.config.DEFAULT_TIME_ZONE), now);
    const awarded = await q.award(tx, { userId, amount: CHECKIN_POINTS, kind: 'daily_checkin', checkinDay: day });
    if (awarded) return { checked_in: true, points_earned: CHECKIN_POINTS, total_points: awarded.total_points, already: false };
    const total = await q.totalPoints(tx, userId);
    if (total === undefined) throw notFound('User');
    return { checked_in: true, points_earned: 0, total_points: total, already: true };
  });
}
