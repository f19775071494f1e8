// Test users: a real row in the database and a real access token for it.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../src/infra/config.js';
import type { Queryable } from '../../src/infra/db/database.js';
import { issueAccessToken } from '../../src/features/auth/access-token.js';

export interface TestUser {
  id: string;
  nickname: string;
  token: string;
  /** `{ authorization: 'Bearer …' }` for inject(). */
  auth: { authorization: string };
}

/** A unique nickname of at most 12 characters. */
export const uniqueNickname = (prefix = 'u') => `${prefix}${randomUUID().replace(/-/g, '').slice(0, 11 - prefix.length + 1)}`.slice(0, 12);

export async function createUser(db: Queryable, config: Config, fields: { nickname?: string | null; email?: string } = {}): Promise<TestUser> {
  const nickname = fields.nickname === undefined ? uniqueNickname() : fields.nickname;
  const { rows } = await db.query<{ id: string }>('INSERT INTO users (nickname, email) VALUES ($1, $2) RETURNING id', [
    nickname,
    fields.email ?? null,
  ]);
  const id = rows[0]!.id;
  const token = await issueAccessToken(config, id);
  return { id, nickname: nickname ?? '', token, auth: { authorization: `Bearer ${token}` } };
}
