// Course likes (RULES.md §9): a toggle per user and course. A private course is 404 to all but its owner.
import type { Queryable } from '../../infra/db/database.js';
import { notFound } from '../../infra/errors.js';
import { requireVisible } from '../auth/authorize.js';
import { findCourseAccess } from '../courses/queries.js';
import * as q from './queries.js';
import type { LikeStatus } from './schemas.js';
import { toggleMark } from './toggle.js';

export async function toggle(db: Queryable, courseId: string, userId: string): Promise<LikeStatus> {
  requireVisible(await findCourseAccess(db, courseId), userId, 'Course');
  let isLiked: boolean;
  try {
    isLiked = await toggleMark(db, 'course_likes', userId, courseId);
  } catch (err) {
    // The course was deleted after the lookup.
    if ((err as { code?: string }).code === '23503') throw notFound('Course');
    throw err;
  }
  return { is_liked: isLiked, like_count: await q.likeCount(db, courseId) };
}

export async function status(db: Queryable, courseId: string, userId: string): Promise<LikeStatus> {
  requireVisible(await findCourseAccess(db, courseId), userId, 'Course');
  return q.likeStatus(db, courseId, userId);
}
