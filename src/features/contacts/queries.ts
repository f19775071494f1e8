// SQL of the contacts feature. Keyed hashes travel as hex and are stored as 32 bytes.
import type { Queryable } from '../../infra/db/database.js';
import type { ContactMatchUser } from './schemas.js';

/**
 * Stores the user's keyed hash, replacing their earlier one. Returns false when another user holds it: the unique
 * index decides, so two accounts uploading the same number at once cannot both have it.
 */
export async function upsertPhoneHash(db: Queryable, userId: string, keyedHash: string): Promise<boolean> {
  try {
    await db.query(
      `INSERT INTO contact_phone_hashes (user_id, keyed_hash) VALUES ($1, decode($2, 'hex'))
       ON CONFLICT (user_id) DO UPDATE SET keyed_hash = EXCLUDED.keyed_hash, created_at = now()
         WHERE contact_phone_hashes.keyed_hash <> EXCLUDED.keyed_hash`,
      [userId, keyedHash],
    );
    return true;
  } catch (err) {
    if ((err as { code?: string; constraint?: string }).code === '23505') return false;
    throw err;
  }
}

export async function deletePhoneHash(db: Queryable, userId: string): Promise<void> {
  await db.query('DELETE FROM contact_phone_hashes WHERE user_id = $1', [userId]);
}

export async function hasPhoneHash(db: Queryable, userId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM contact_phone_hashes WHERE user_id = $1', [userId]);
  return (rowCount ?? 0) > 0;
}

/**
 * The users, other than the caller and those the caller already follows, whose keyed hash is one of `keyedHashes`;
 * only users who uploaded their own number are in the table, so only they can be found. Ordered by nickname, so
 * the order tells nothing of which hash matched whom.
 */
export async function matchUsers(db: Queryable, callerId: string, keyedHashes: string[]): Promise<ContactMatchUser[]> {
  const { rows } = await db.query<ContactMatchUser & { [key: string]: unknown }>(
    `SELECT u.id, u.nickname, u.avatar_url, u.bio, u.total_distance_meters, u.total_runs
       FROM contact_phone_hashes c JOIN users u ON u.id = c.user_id
      WHERE c.keyed_hash IN (SELECT decode(h, 'hex') FROM unnest($2::text[]) AS h)
        AND c.user_id <> $1
        AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $1 AND f.following_id = c.user_id)
      ORDER BY u.nickname NULLS LAST, u.id`,
    [callerId, keyedHashes],
  );
  return rows;
}
