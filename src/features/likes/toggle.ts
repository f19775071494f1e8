// A (user, course) mark such as a like or a favorite, switched on or off race-safely. The statement that
// changed the row decides the new state, never an earlier read: the unique (user_id, course_id) index makes
// the insert a no-op when the mark exists, and the delete reports what it removed. So each toggle is exactly
// one flip, whatever runs beside it, and a user's concurrent toggles can never count twice.
import type { Queryable } from '../../infra/db/database.js';
import { AppError } from '../../infra/errors.js';

export type MarkTable = 'course_likes' | 'course_favorites';

/** Flips the mark; true when it is now set. Run it outside a transaction (each statement commits on its own). */
export async function toggleMark(db: Queryable, table: MarkTable, userId: string, courseId: string): Promise<boolean> {
  // Only another request's flip between our two statements sends us round again.
  for (let attempt = 0; attempt < 10; attempt++) {
    const inserted = await db.query(
      `INSERT INTO ${table} (user_id, course_id) VALUES ($1, $2) ON CONFLICT (user_id, course_id) DO NOTHING RETURNING id`,
      [userId, courseId],
    );
    if (inserted.rowCount) return true;
    const deleted = await db.query(`DELETE FROM ${table} WHERE user_id = $1 AND course_id = $2 RETURNING id`, [userId, courseId]);
    if (deleted.rowCount) return false;
  }
  throw new AppError(409, 'CONCURRENT_UPDATE', 'Too many simultaneous changes; try again');
}
