// Users and their social accounts, as login needs them.
import type { Queryable } from '../../infra/db/database.js';
import type { Provider } from './providers/types.js';

export type AccountUser = {
  id: string;
  email: string | null;
  nickname: string | null;
};

export async function findSocialUser(q: Queryable, provider: Provider, providerId: string): Promise<AccountUser | null> {
  const { rows } = await q.query<AccountUser>(
    `SELECT u.id, u.email, u.nickname FROM social_accounts s JOIN users u ON u.id = s.user_id
     WHERE s.provider = $1 AND s.provider_id = $2`,
    [provider, providerId],
  );
  return rows[0] ?? null;
}

export async function findUserByEmail(q: Queryable, email: string): Promise<AccountUser | null> {
  const { rows } = await q.query<AccountUser>(
    'SELECT id, email, nickname FROM users WHERE email = $1 ORDER BY created_at, id LIMIT 1',
    [email],
  );
  return rows[0] ?? null;
}

/** Inserts a user; null when the nickname is taken (the unique index decides, so concurrent inserts are safe). */
export async function insertUser(
  q: Queryable,
  fields: { email: string | null; nickname: string | null; avatarUrl?: string | null },
): Promise<AccountUser | null> {
  const { rows } = await q.query<AccountUser>(
    `INSERT INTO users (email, nickname, avatar_url) VALUES ($1, $2, $3)
     ON CONFLICT (nickname) DO NOTHING RETURNING id, email, nickname`,
    [fields.email, fields.nickname, fields.avatarUrl ?? null],
  );
  return rows[0] ?? null;
}

/** Links the account; false when (provider, providerId) is already linked (a concurrent first login). */
export async function insertSocialAccount(
  q: Queryable,
  userId: string,
  provider: Provider,
  providerId: string,
  email: string | null,
): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO social_accounts (user_id, provider, provider_id, provider_email) VALUES ($1, $2, $3, $4)
     ON CONFLICT (provider, provider_id) DO NOTHING`,
    [userId, provider, providerId, email],
  );
  return rowCount === 1;
}

export async function storeProviderRefreshToken(q: Queryable, provider: Provider, providerId: string, token: string): Promise<void> {
  await q.query('UPDATE social_accounts SET provider_refresh_token = $3 WHERE provider = $1 AND provider_id = $2', [
    provider,
    providerId,
    token,
  ]);
}

export async function findProviderRefreshToken(q: Queryable, userId: string, provider: Provider): Promise<string | null | undefined> {
  const { rows } = await q.query<{ provider_refresh_token: string | null }>(
    'SELECT provider_refresh_token FROM social_accounts WHERE user_id = $1 AND provider = $2 ORDER BY created_at LIMIT 1',
    [userId, provider],
  );
  return rows[0]?.provider_refresh_token;
}
