// SQL of the friends feature: one `friendships` row per pair of users (a pending request, or the friendship).
import type { Queryable } from '../../infra/db/database.js';

export interface FriendshipRow {
  [key: string]: unknown;
  id: string;
  status: 'pending' | 'accepted';
  created_at: Date;
  accepted_at: Date | null;
  requester_id: string;
  requester_nickname: string | null;
  requester_avatar_url: string | null;
  recipient_id: string;
  recipient_nickname: string | null;
  recipient_avatar_url: string | null;
}

const ROW_SELECT = `SELECT f.id, f.status, f.created_at, f.accepted_at,
                           rq.id AS requester_id, rq.nickname AS requester_nickname, rq.avatar_url AS requester_avatar_url,
                           rc.id AS recipient_id, rc.nickname AS recipient_nickname, rc.avatar_url AS recipient_avatar_url
                      FROM friendships f JOIN users rq ON rq.id = f.requester_id JOIN users rc ON rc.id = f.recipient_id`;

/** The pair's row, whichever of the two asked. */
const PAIR = (a: string, b: string) =>
  `LEAST(f.requester_id, f.recipient_id) = LEAST(${a}::uuid, ${b}::uuid) AND GREATEST(f.requester_id, f.recipient_id) = GREATEST(${a}::uuid, ${b}::uuid)`;

export async function findRow(db: Queryable, id: string): Promise<FriendshipRow | undefined> {
  const { rows } = await db.query<FriendshipRow>(`${ROW_SELECT} WHERE f.id = $1`, [id]);
  return rows[0];
}

/**
 * Inserts a pending request unless the pair already has a row (the unique pair index decides, so a concurrent
 * request either way waits for the other and then finds it). `target: false` when the recipient does not exist.
 */
export async function insertRequest(db: Queryable, requesterId: string, recipientId: string) {
  const { rows } = await db.query<{ target: boolean; id: string | null }>(
    `WITH target AS (SELECT id FROM users WHERE id = $2),
          inserted AS (
            INSERT INTO friendships (requester_id, recipient_id) SELECT $1, id FROM target
            ON CONFLICT ((LEAST(requester_id, recipient_id)), (GREATEST(requester_id, recipient_id))) DO NOTHING
            RETURNING id)
     SELECT EXISTS (SELECT 1 FROM target) AS target, (SELECT id FROM inserted) AS id`,
    [requesterId, recipientId],
  );
  return rows[0]!;
}

/** The pair's row id, status and asker, locked until the transaction ends. */
export async function lockPair(db: Queryable, a: string, b: string) {
  const { rows } = await db.query<{ id: string; status: 'pending' | 'accepted'; requester_id: string; recipient_id: string }>(
    `SELECT f.id, f.status, f.requester_id, f.recipient_id FROM friendships f WHERE ${PAIR('$1', '$2')} FOR UPDATE`,
    [a, b],
  );
  return rows[0];
}

export async function lockById(db: Queryable, id: string) {
  const { rows } = await db.query<{ id: string; status: 'pending' | 'accepted'; requester_id: string; recipient_id: string }>(
    'SELECT id, status, requester_id, recipient_id FROM friendships WHERE id = $1 FOR UPDATE',
    [id],
  );
  return rows[0];
}

export async function markAccepted(db: Queryable, id: string): Promise<void> {
  await db.query("UPDATE friendships SET status = 'accepted', accepted_at = now() WHERE id = $1", [id]);
}

export async function deleteRow(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM friendships WHERE id = $1', [id]);
}

export async function deleteFriendship(db: Queryable, userId: string, otherId: string): Promise<void> {
  await db.query(`DELETE FROM friendships f WHERE ${PAIR('$1', '$2')} AND f.status = 'accepted'`, [userId, otherId]);
}

/** One page of the pending requests the user received (`side: 'recipient'`) or sent, newest first, with the total. */
export async function listPending(db: Queryable, userId: string, side: 'recipient' | 'requester', limit: number, offset: number) {
  const column = side === 'recipient' ? 'recipient_id' : 'requester_id';
  const [count, page] = await Promise.all([
    db.query<{ n: number }>(`SELECT count(*) AS n FROM friendships WHERE ${column} = $1 AND status = 'pending'`, [userId]),
    db.query<FriendshipRow>(
      `${ROW_SELECT} WHERE f.${column} = $1 AND f.status = 'pending' ORDER BY f.created_at DESC, f.id DESC LIMIT $2 OFFSET $3`,
      [userId, limit, offset],
    ),
  ]);
  return { total_count: count.rows[0]!.n, rows: page.rows };
}

export async function pendingCount(db: Queryable, userId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>("SELECT count(*) AS n FROM friendships WHERE recipient_id = $1 AND status = 'pending'", [userId]);
  return rows[0]!.n;
}

export interface FriendRow {
  [key: string]: unknown;
  id: string;
  accepted_at: Date;
  user_id: string;
  nickname: string | null;
  avatar_url: string | null;
}

const IS_FRIEND_OF = (user: string) => `(f.requester_id = ${user} OR f.recipient_id = ${user}) AND f.status = 'accepted'`;

/** One page of the user's friends, the newest friendship first, with the total. */
export async function listFriends(db: Queryable, userId: string, limit: number, offset: number) {
  const [count, page] = await Promise.all([
    db.query<{ n: number }>(`SELECT count(*) AS n FROM friendships f WHERE ${IS_FRIEND_OF('$1')}`, [userId]),
    db.query<FriendRow>(
      `SELECT f.id, f.accepted_at, u.id AS user_id, u.nickname, u.avatar_url
         FROM friendships f
         JOIN users u ON u.id = CASE WHEN f.requester_id = $1 THEN f.recipient_id ELSE f.requester_id END
        WHERE ${IS_FRIEND_OF('$1')}
        ORDER BY f.accepted_at DESC, f.id DESC
        LIMIT $2 OFFSET $3`,
      [userId, limit, offset],
    ),
  ]);
  return { total_count: count.rows[0]!.n, rows: page.rows };
}

/** The viewer's row with the user (if any) and the user's number of friends; undefined when the user does not exist. */
export async function statusWith(db: Queryable, viewerId: string, userId: string) {
  const { rows } = await db.query<{ status: 'pending' | 'accepted' | null; requester_id: string | null; friends_count: number }>(
    `SELECT p.status, p.requester_id,
            (SELECT count(*) FROM friendships f WHERE ${IS_FRIEND_OF('u.id')}) AS friends_count
       FROM users u
       LEFT JOIN LATERAL (SELECT f.status, f.requester_id FROM friendships f WHERE ${PAIR('$1', 'u.id')}) p ON true
      WHERE u.id = $2`,
    [viewerId, userId],
  );
  return rows[0];
}

export async function nicknameOf(db: Queryable, userId: string): Promise<string | null> {
  const { rows } = await db.query<{ nickname: string | null }>('SELECT nickname FROM users WHERE id = $1', [userId]);
  return rows[0]?.nickname ?? null;
}
