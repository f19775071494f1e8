// SQL of the follows feature.
import type { Queryable } from '../../infra/db/database.js';

export interface FollowRow {
  [key: string]: unknown;
  id: string;
  created_at: Date;
  user_id: string;
  nickname: string | null;
  avatar_url: string | null;
}

/**
 * Inserts the follow unless it exists (the unique pair index decides, so concurrent requests cannot
 * both succeed). Returns undefined when the target does not exist, `created: false` when already
 * following.
 */
export async function insertFollow(db: Queryable, followerId: string, targetId: string) {
  const { rows } = await db.query<{ user_id: string; nickname: string | null; avatar_url: string | null; id: string | null; created_at: Date | null }>(
    `WITH target AS (SELECT id, nickname, avatar_url FROM users WHERE id = $2),
          inserted AS (
            INSERT INTO follows (follower_id, following_id) SELECT $1, id FROM target
            ON CONFLICT (follower_id, following_id) DO NOTHING
            RETURNING id, created_at)
     SELECT t.id AS user_id, t.nickname, t.avatar_url, i.id, i.created_at FROM target t LEFT JOIN inserted i ON true`,
    [followerId, targetId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { id, created_at, ...user } = row;
  return id && created_at ? { created: true as const, follow: { id, created_at, ...user } } : { created: false as const };
}

export async function nicknameOf(db: Queryable, userId: string): Promise<string | null> {
  const { rows } = await db.query<{ nickname: string | null }>('SELECT nickname FROM users WHERE id = $1', [userId]);
  return rows[0]?.nickname ?? null;
}

export async function deleteFollow(db: Queryable, followerId: string, targetId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM follows WHERE follower_id = $1 AND following_id = $2', [followerId, targetId]);
  return (rowCount ?? 0) > 0;
}

/**
 * One page of a user's followers (`side: 'followers'`) or followed accounts (`'following'`),
 * newest follow first, with the total; undefined when the user does not exist.
 */
export async function listFollows(db: Queryable, userId: string, side: 'followers' | 'following', limit: number, offset: number) {
  // `mine` is the column holding userId, `other` the user shown in each entry.
  const [mine, other] = side === 'followers' ? ['following_id', 'follower_id'] : ['follower_id', 'following_id'];
  const [count, page] = await Promise.all([
    db.query<{ exists: boolean; total_count: number }>(
      `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1) AS exists,
              (SELECT count(*) FROM follows WHERE ${mine} = $1) AS total_count`,
      [userId],
    ),
    db.query<FollowRow>(
      `SELECT f.id, f.created_at, u.id AS user_id, u.nickname, u.avatar_url
         FROM follows f JOIN users u ON u.id = f.${other}
        WHERE f.${mine} = $1
        ORDER BY f.created_at DESC, f.id DESC
        LIMIT $2 OFFSET $3`,
      [userId, limit, offset],
    ),
  ]);
  const head = count.rows[0]!;
  return head.exists ? { total_count: head.total_count, rows: page.rows } : undefined;
}

export async function followStatus(db: Queryable, viewerId: string, userId: string) {
  const { rows } = await db.query<{ is_following: boolean; followers_count: number; following_count: number }>(
    `SELECT EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND following_id = u.id) AS is_following,
            (SELECT count(*) FROM follows WHERE following_id = u.id) AS followers_count,
            (SELECT count(*) FROM follows WHERE follower_id = u.id) AS following_count
       FROM users u WHERE u.id = $2`,
    [viewerId, userId],
  );
  return rows[0];
}

/** Codes are stored upper-case; what a person types is upper-cased and stripped of spaces and dashes. */
export const normaliseCode = (code: string) => code.replace(/[\s-]/g, '').toUpperCase();

export async function findByCode(db: Queryable, code: string, viewerId: string) {
  const { rows } = await db.query<{
    id: string; user_code: string; nickname: string | null; avatar_url: string | null; bio: string | null;
    total_distance_meters: number; total_runs: number; is_following: boolean;
  }>(
    `SELECT u.id, u.user_code, u.nickname, u.avatar_url, u.bio,
            u.total_distance_meters - CASE WHEN u.id = $2 THEN 0 ELSE strava.distance END AS total_distance_meters,
            u.total_runs - CASE WHEN u.id = $2 THEN 0 ELSE strava.runs END AS total_runs,
            EXISTS (SELECT 1 FROM follows WHERE follower_id = $2 AND following_id = u.id) AS is_following
       FROM users u
       -- Strava's terms: data from Strava is shown only to the user it belongs to, totals included.
       CROSS JOIN LATERAL (SELECT coalesce(sum(distance_meters), 0) AS distance, count(*) AS runs
                             FROM run_records WHERE user_id = u.id AND source = 'strava') strava
      WHERE u.user_code = $1`,
    [normaliseCode(code), viewerId],
  );
  return rows[0];
}
