import type { Queryable } from '../../infra/db/database.js';

/**
 * Registers `token` for `userId` in one statement: the same token again keeps its row (updated_at bumped), and a
 * token held by another user moves to this one (the phone changed hands). Concurrent calls cannot collide.
 */
export async function upsertDeviceToken(db: Queryable, userId: string, token: string, platform: string): Promise<void> {
  await db.query(
    `INSERT INTO device_tokens (user_id, device_token, platform) VALUES ($1, $2, $3)
     ON CONFLICT (device_token) DO UPDATE
       SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform, updated_at = now()`,
    [userId, token, platform],
  );
}

/** Deletes `token` only if `userId` holds it. */
export async function deleteOwnDeviceToken(db: Queryable, userId: string, token: string): Promise<void> {
  await db.query('DELETE FROM device_tokens WHERE device_token = $1 AND user_id = $2', [token, userId]);
}
