import type { Queryable } from '../../infra/db/database.js';

/** Sets the user's avatar and returns the one it replaces (locked, so concurrent uploads each see their own). */
export async function replaceAvatarUrl(db: Queryable, userId: string, url: string): Promise<{ previous: string | null } | null> {
  const { rows } = await db.query<{ previous: string | null }>(
    `WITH old AS (SELECT id, avatar_url FROM users WHERE id = $1 FOR UPDATE)
     UPDATE users u SET avatar_url = $2, updated_at = now() FROM old WHERE u.id = old.id
     RETURNING old.avatar_url AS previous`,
    [userId, url],
  );
  return rows[0] ?? null;
}

/** Whether any user's profile still shows `url` (profiles may point at a file another user uploaded). */
export async function avatarInUse(db: Queryable, url: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM users WHERE avatar_url = $1 LIMIT 1', [url]);
  return (rowCount ?? 0) > 0;
}
