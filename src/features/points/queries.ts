// SQL of the points ledger (migrations/0034): the balance lives on users.total_points, every change is a
// point_transactions row, and the unique indexes make a run's or a day's award happen once.
import type { Queryable } from '../../infra/db/database.js';

export type PointsKind = 'run_earn' | 'course_bonus' | 'daily_checkin';

export interface Award {
  userId: string;
  amount: number;
  kind: PointsKind;
  /** the run that earned it */
  runRecordId?: string;
  /** the check-in's calendar day (YYYY-MM-DD) */
  checkinDay?: string;
}

/**
 * Adds the award once; null when it was already given (same run, same check-in day). Run inside a transaction: the
 * user row is locked first, so concurrent awards of one user queue up and each balance_after is exact. NO KEY UPDATE,
 * as an UPDATE takes: a stronger lock would deadlock with the key-share locks of a concurrent run's inserts.
 */
export async function award(tx: Queryable, a: Award): Promise<{ total_points: number } | null> {
  const { rows: users } = await tx.query<{ total_points: number }>('SELECT total_points FROM users WHERE id = $1 FOR NO KEY UPDATE', [a.userId]);
  const before = users[0];
  if (!before) return null;
  const { rows } = await tx.query<{ balance_after: number }>(
    `INSERT INTO point_transactions (user_id, amount, balance_after, tx_type, reference_id, checkin_day)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING
     RETURNING balance_after`,
    [a.userId, a.amount, before.total_points + a.amount, a.kind, a.runRecordId ?? null, a.checkinDay ?? null],
  );
  if (!rows[0]) return null;
  await tx.query('UPDATE users SET total_points = $2 WHERE id = $1', [a.userId, rows[0].balance_after]);
  return { total_points: rows[0].balance_after };
}

export async function totalPoints(db: Queryable, userId: string): Promise<number | undefined> {
  const { rows } = await db.query<{ total_points: number }>('SELECT total_points FROM users WHERE id = $1', [userId]);
  return rows[0]?.total_points;
}

/** The calendar day `now` falls on in `timeZone`. */
export async function dayIn(db: Queryable, timeZone: string, now: Date): Promise<string> {
  const { rows } = await db.query<{ day: string }>('SELECT ($1::timestamptz AT TIME ZONE $2)::date AS day', [now, timeZone]);
  return rows[0]!.day;
}
