// The in-app inbox (the newer app's notificationService.ts and NotificationInboxScreen): items are recorded in the
// transaction of what caused them, once per cause, never for what one did oneself; push settings do not apply.
import { Type, type Static } from '@sinclair/typebox';
import type { Queryable } from '../../infra/db/database.js';
import { DateTime, Nullable, pageFields } from '../../infra/http/schemas.js';

export type InboxType = 'follow' | 'friend_request' | 'post_comment' | 'post_like' | 'crew_join_request' | 'run_completed';

export interface InboxItemInput {
  userId: string;
  type: InboxType;
  actorId: string;
  /** the same (userId, type, causeKey) is recorded once */
  causeKey: string;
  target?: { type: 'user' | 'post' | 'crew'; id: string };
  data?: Record<string, string>;
}

export async function recordInbox(tx: Queryable, item: InboxItemInput): Promise<void> {
  if (item.userId === item.actorId) return;
  await tx.query(
    `INSERT INTO notifications (user_id, type, actor_id, target_type, target_id, data, cause_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, type, cause_key) DO NOTHING`,
    [item.userId, item.type, item.actorId, item.target?.type ?? null, item.target?.id ?? null, JSON.stringify(item.data ?? {}), item.causeKey],
  );
}

const Uuid = Type.String({ format: 'uuid' });
export const InboxItem = Type.Object({
  id: Uuid,
  type: Type.String({ description: 'follow | friend_request | post_comment | post_like | crew_join_request | run_completed' }),
  actor: Type.Object({ id: Uuid, nickname: Nullable(Type.String()), avatar_url: Nullable(Type.String()) }),
  target_id: Nullable(Uuid),
  target_type: Nullable(Type.String()),
  data: Nullable(Type.Record(Type.String(), Type.String())),
  is_read: Type.Boolean(),
  created_at: DateTime,
});
export type InboxItem = Static<typeof InboxItem>;
export const InboxList = Type.Object({ data: Type.Array(InboxItem), total_count: Type.Integer(), unread_count: Type.Integer() });
export type InboxList = Static<typeof InboxList>;
export const InboxQuery = Type.Object({
  ...pageFields(),
});
export type InboxQuery = Static<typeof InboxQuery>;

interface InboxRow {
  [key: string]: unknown;
  id: string;
  type: string;
  actor_id: string;
  nickname: string | null;
  avatar_url: string | null;
  target_id: string | null;
  target_type: string | null;
  data: Record<string, string>;
  read_at: Date | null;
  created_at: Date;
}

/** Newest first, with the totals the app shows. */
export async function listInbox(db: Queryable, userId: string, page: InboxQuery): Promise<InboxList> {
  const [counts, rows] = await Promise.all([
    db.query<{ total: number; unread: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE read_at IS NULL)::int AS unread FROM notifications WHERE user_id = $1`,
      [userId],
    ),
    db.query<InboxRow>(
      `SELECT n.id, n.type, n.actor_id, u.nickname, u.avatar_url, n.target_id, n.target_type, n.data, n.read_at, n.created_at
         FROM notifications n JOIN users u ON u.id = n.actor_id
        WHERE n.user_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT $2 OFFSET $3`,
      [userId, page.per_page, page.page * page.per_page],
    ),
  ]);
  return {
    data: rows.rows.map((r) => ({
      id: r.id,
      type: r.type,
      actor: { id: r.actor_id, nickname: r.nickname, avatar_url: r.avatar_url },
      target_id: r.target_id,
      target_type: r.target_type,
      data: r.data,
      is_read: r.read_at !== null,
      created_at: r.created_at.toISOString(),
    })),
    total_count: counts.rows[0]!.total,
    unread_count: counts.rows[0]!.unread,
  };
}

export async function unreadCount(db: Queryable, userId: string): Promise<{ count: number }> {
  const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM notifications WHERE user_id = $1 AND read_at IS NULL', [userId]);
  return rows[0]!;
}

/** False when the caller has no such item (someone else's is not theirs to read). */
export async function markRead(db: Queryable, userId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2', [id, userId]);
  return (rowCount ?? 0) > 0;
}

export async function markAllRead(db: Queryable, userId: string): Promise<void> {
  await db.query('UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL', [userId]);
}
