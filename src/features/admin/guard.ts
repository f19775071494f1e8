// Who may moderate and publish announcements: users with `is_admin`, granted by `npm run admin` (src/admin.ts).
// Checked against the database on every admin action (rare), so a revoked admin loses it at once.
import type { Queryable } from '../../infra/db/database.js';
import { forbidden } from '../../infra/errors.js';

export async function isAdmin(db: Queryable, userId: string): Promise<boolean> {
  const { rows } = await db.query<{ is_admin: boolean }>('SELECT is_admin FROM users WHERE id = $1', [userId]);
  return rows[0]?.is_admin ?? false;
}

/** Throws 403 FORBIDDEN unless the user is an administrator. */
export async function assertAdmin(db: Queryable, userId: string): Promise<void> {
  if (!(await isAdmin(db, userId))) throw forbidden('Administrators only');
}
