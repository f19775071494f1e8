// Refresh-token storage. Tokens are opaque random strings; only their SHA-256 hex is stored and looked up
// through the unique index. Every login starts a family; rotation keeps the family.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '../../infra/db/database.js';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export type StoredToken = {
  id: string;
  user_id: string;
  family_id: string;
  is_revoked: boolean;
  expired: boolean;
};

/** Stores a new token of `familyId` (a new family when omitted) and returns the token itself. */
export async function insertRefreshToken(q: Queryable, userId: string, days: number, familyId: string = randomUUID()): Promise<string> {
  const token = randomBytes(64).toString('base64url');
  await q.query(
    `INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at)
     VALUES ($1, $2, $3, now() + $4 * interval '1 day')`,
    [userId, familyId, hashToken(token), days],
  );
  return token;
}

/**
 * Marks the token used if it is live (not revoked, not expired) and returns it; null otherwise. The condition
 * sits in the UPDATE itself, so of two concurrent refreshes with the same token exactly one gets the row.
 */
export async function consumeRefreshToken(q: Queryable, tokenHash: string): Promise<StoredToken | null> {
  const { rows } = await q.query<StoredToken>(
    `UPDATE refresh_tokens SET is_revoked = true, revoked_at = now()
     WHERE token_hash = $1 AND NOT is_revoked AND expires_at > now()
     RETURNING id, user_id, family_id, is_revoked, false AS expired`,
    [tokenHash],
  );
  return rows[0] ?? null;
}

export async function findRefreshToken(q: Queryable, tokenHash: string): Promise<StoredToken | null> {
  const { rows } = await q.query<StoredToken>(
    `SELECT id, user_id, family_id, is_revoked, expires_at <= now() AS expired FROM refresh_tokens WHERE token_hash = $1`,
    [tokenHash],
  );
  return rows[0] ?? null;
}

export async function revokeFamily(q: Queryable, familyId: string): Promise<number> {
  const { rowCount } = await q.query(
    'UPDATE refresh_tokens SET is_revoked = true, revoked_at = now() WHERE family_id = $1 AND NOT is_revoked',
    [familyId],
  );
  return rowCount ?? 0;
}
