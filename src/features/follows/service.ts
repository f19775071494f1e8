// Following other users: follow, unfollow, lists and status (RULES.md §7).
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { AppError, conflict, notFound } from '../../infra/errors.js';
import { enqueuePush } from '../notifications/push.js';
import { recordInbox } from '../notifications/inbox.js';
import * as q from './queries.js';
import type { Follow, FollowList, FollowStatus, PageQuery, UserByCode } from './schemas.js';

const toFollow = (row: q.FollowRow): Follow => ({
  id: row.id,
  user: { id: row.user_id, nickname: row.nickname, avatar_url: row.avatar_url },
  created_at: row.created_at.toISOString(),
});

/**
 * Follows `targetId` and, in the same transaction, pushes 'new_follower' to them. The cause is the follower:
 * unfollowing and following again never notifies twice.
 */
export async function follow(deps: Pick<AppDeps, 'db' | 'jobs'>, followerId: string, targetId: string): Promise<Follow> {
  targetId = targetId.toLowerCase();
  if (followerId === targetId) throw new AppError(422, 'SELF_FOLLOW', 'You cannot follow yourself');
  return deps.db.transaction(async (tx) => {
    let result;
    try {
      result = await q.insertFollow(tx, followerId, targetId);
    } catch (err) {
      // The target was deleted between the lookup and the insert.
      if ((err as { code?: string }).code === '23503') throw notFound('User');
      throw err;
    }
    if (!result) throw notFound('User');
    if (!result.created) throw conflict('ALREADY_FOLLOWING', 'You already follow this user');
    const nickname = await q.nicknameOf(tx, followerId);
    await enqueuePush(deps, tx, {
      userId: targetId,
      kind: 'new_follower',
      causeKey: followerId,
      title: '새 팔로워',
      body: `${nickname ?? '누군가'}님이 회원님을 팔로우하기 시작했어요`,
      data: { user_id: followerId },
    });
    await recordInbox(tx, { userId: targetId, type: 'follow', actorId: followerId, causeKey: followerId, target: { type: 'user', id: followerId } });
    return toFollow(result.follow);
  });
}

export async function unfollow(db: Queryable, followerId: string, targetId: string): Promise<void> {
  if (!(await q.deleteFollow(db, followerId, targetId))) throw notFound('Follow');
}

export async function list(db: Queryable, userId: string, side: 'followers' | 'following', page: PageQuery): Promise<FollowList> {
  const result = await q.listFollows(db, userId, side, page.per_page, page.page * page.per_page);
  if (!result) throw notFound('User');
  return { data: result.rows.map(toFollow), total_count: result.total_count };
}

export async function status(db: Queryable, viewerId: string, userId: string): Promise<FollowStatus> {
  const row = await q.followStatus(db, viewerId, userId);
  if (!row) throw notFound('User');
  return row;
}

export async function findByCode(db: Queryable, viewerId: string, code: string): Promise<UserByCode> {
  const user = await q.findByCode(db, code, viewerId);
  if (!user) throw notFound('User');
  return user;
}

/** Follows the user with this code, exactly as following them by id. */
export async function followByCode(deps: Pick<AppDeps, 'db' | 'jobs'>, followerId: string, code: string): Promise<Follow> {
  const user = await q.findByCode(deps.db, code, followerId);
  if (!user) throw notFound('User');
  return follow(deps, followerId, user.id);
}
