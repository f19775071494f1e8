// Friends (the newer app's friendService.ts): requests, accepting, declining, cancelling, unfriending, lists and
// status. Rules that differ from the old server, which read and wrote the pair without a lock (two rows for
// A→B and B→A, a 500 on the next read of the pair) and let anyone see any pair's status:
// - a second request while one is pending is idempotent: the same pending request, 200, no second push;
// - asking someone who already asked you accepts their request (one friendship, never two rows);
// - accepting an accepted request again is idempotent (200, no second push);
// - only the recipient accepts or declines, only the requester cancels (403); anyone else gets 404;
// - declining or cancelling deletes the request and unfriending deletes the friendship, so either may ask again;
//   unfriending is idempotent (204 whether or not they were friends: the app shows an error on any failure).
// Friendship shows nothing more of a user than anyone sees: no private course or run, no Strava run.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { AppError, conflict, forbidden, notFound } from '../../infra/errors.js';
import { enqueuePush } from '../notifications/push.js';
import { recordInbox } from '../notifications/inbox.js';
import * as q from './queries.js';
import type { FriendList, FriendRequestItem, FriendRequestList, FriendshipStatus, PageQuery } from './schemas.js';

type Deps = Pick<AppDeps, 'db' | 'jobs'>;

const toItem = (r: q.FriendshipRow): FriendRequestItem => ({
  id: r.id,
  requester: { id: r.requester_id, nickname: r.requester_nickname, avatar_url: r.requester_avatar_url },
  recipient: { id: r.recipient_id, nickname: r.recipient_nickname, avatar_url: r.recipient_avatar_url },
  status: r.status,
  created_at: r.created_at.toISOString(),
});

async function itemOf(db: Queryable, id: string): Promise<FriendRequestItem> {
  return toItem((await q.findRow(db, id))!);
}

/**
 * Tells the requester their request was accepted. Once per accepter ever, like a new follower: unfriending and
 * befriending again never notifies twice.
 */
async function pushAccepted(deps: Deps, tx: Queryable, accepterId: string, requesterId: string, requestId: string) {
  const nickname = await q.nicknameOf(tx, accepterId);
  await enqueuePush(deps, tx, {
    userId: requesterId,
    kind: 'friend_accepted',
    causeKey: accepterId,
    title: '친구 수락',
    body: `${nickname ?? '누군가'}님이 친구 요청을 수락했어요`,
    data: { user_id: accepterId, request_id: requestId },
  });
}

// A request was deleted (declined, cancelled) between our insert's conflict and our lock: ask again, a few times.
const SEND_ATTEMPTS = 3;

/**
 * Sends a friend request to `targetId`, who gets a friend_request push (once per requester ever, so asking,
 * cancelling and asking again never notifies twice). `created: false` when nothing new was made: the pending
 * request already sent, or the target's own request, now accepted.
 */
export async function send(deps: Deps, userId: string, targetId: string): Promise<{ created: boolean; item: FriendRequestItem }> {
  targetId = targetId.toLowerCase();
  if (userId === targetId) throw new AppError(422, 'SELF_REQUEST', 'You cannot send a friend request to yourself');
  const result = await deps.db.transaction(async (tx) => {
    for (let attempt = 0; attempt < SEND_ATTEMPTS; attempt++) {
      let inserted;
      try {
        inserted = await q.insertRequest(tx, userId, targetId);
      } catch (err) {
        // The target was deleted between the lookup and the insert.
        if ((err as { code?: string }).code === '23503') throw notFound('User');
        throw err;
      }
      if (!inserted.target) throw notFound('User');
      if (inserted.id) {
        const nickname = await q.nicknameOf(tx, userId);
        await enqueuePush(deps, tx, {
          userId: targetId,
          kind: 'friend_request',
          causeKey: userId,
          title: '친구 요청',
          body: `${nickname ?? '누군가'}님이 친구 요청을 보냈어요`,
          data: { user_id: userId, request_id: inserted.id },
        });
        await recordInbox(tx, { userId: targetId, type: 'friend_request', actorId: userId, causeKey: userId, target: { type: 'user', id: userId }, data: { request_id: inserted.id } });
        return { created: true, id: inserted.id };
      }
      const pair = await q.lockPair(tx, userId, targetId);
      if (!pair) continue;
      if (pair.status === 'accepted') throw conflict('ALREADY_FRIENDS', 'You are already friends');
      if (pair.requester_id === targetId) {
        await q.markAccepted(tx, pair.id);
        await pushAccepted(deps, tx, userId, targetId, pair.id);
      }
      return { created: false, id: pair.id };
    }
    throw conflict('REQUEST_CHANGED', 'The request changed meanwhile; try again');
  });
  return { created: result.created, item: await itemOf(deps.db, result.id) };
}

/** The request, locked, if the caller is one of its two users; 404 for anyone else. */
async function lockOwnRequest(tx: Queryable, userId: string, requestId: string) {
  const row = await q.lockById(tx, requestId);
  if (!row || (row.requester_id !== userId && row.recipient_id !== userId)) throw notFound('Friend request');
  return row;
}

/** Accepts a request the caller received; the requester gets a friend_accepted push. */
export async function accept(deps: Deps, userId: string, requestId: string): Promise<FriendRequestItem> {
  await deps.db.transaction(async (tx) => {
    const row = await lockOwnRequest(tx, userId, requestId);
    if (row.recipient_id !== userId) throw forbidden('Only the recipient can accept a friend request');
    if (row.status === 'accepted') return;
    await q.markAccepted(tx, row.id);
    await pushAccepted(deps, tx, userId, row.requester_id, row.id);
  });
  return itemOf(deps.db, requestId);
}

/** Deletes a pending request: `by` says which of its two users may do it. */
async function withdraw(db: AppDeps['db'], userId: string, requestId: string, by: 'recipient' | 'requester'): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await lockOwnRequest(tx, userId, requestId);
    if ((by === 'recipient' ? row.recipient_id : row.requester_id) !== userId) {
      throw forbidden(by === 'recipient' ? 'Only the recipient can decline a friend request' : 'Only the requester can cancel a friend request');
    }
    if (row.status !== 'pending') throw conflict('NOT_PENDING', 'This request was already accepted');
    await q.deleteRow(tx, row.id);
  });
}

export const decline = (db: AppDeps['db'], userId: string, requestId: string) => withdraw(db, userId, requestId, 'recipient');
export const cancel = (db: AppDeps['db'], userId: string, requestId: string) => withdraw(db, userId, requestId, 'requester');

/** Ends the friendship for both users; nothing to end is not an error. */
export async function unfriend(db: Queryable, userId: string, otherId: string): Promise<void> {
  await q.deleteFriendship(db, userId, otherId.toLowerCase());
}

export async function pendingRequests(db: Queryable, userId: string, side: 'received' | 'sent', page: PageQuery): Promise<FriendRequestList> {
  const result = await q.listPending(db, userId, side === 'received' ? 'recipient' : 'requester', page.per_page, page.page * page.per_page);
  return { data: result.rows.map(toItem), total_count: result.total_count };
}

export async function friends(db: Queryable, userId: string, page: PageQuery): Promise<FriendList> {
  const result = await q.listFriends(db, userId, page.per_page, page.page * page.per_page);
  return {
    data: result.rows.map((r) => ({
      id: r.id,
      user: { id: r.user_id, nickname: r.nickname, avatar_url: r.avatar_url },
      since: r.accepted_at.toISOString(),
    })),
    total_count: result.total_count,
  };
}

export async function status(db: Queryable, viewerId: string, userId: string): Promise<FriendshipStatus> {
  const row = await q.statusWith(db, viewerId, userId);
  if (!row) throw notFound('User');
  const requestStatus =
    row.status === 'accepted' ? 'accepted' : row.status === 'pending' ? (row.requester_id === viewerId ? 'pending_sent' : 'pending_received') : null;
  return { is_friend: row.status === 'accepted', request_status: requestStatus, friends_count: row.friends_count };
}

export async function pendingCount(db: Queryable, userId: string): Promise<{ count: number }> {
  return { count: await q.pendingCount(db, userId) };
}
