// Favorite courses (RULES.md §9, GAPS: existence checked, private courses hidden, null nicknames shown as null).
import type { Queryable } from '../../infra/db/database.js';
import { notFound } from '../../infra/errors.js';
import { requireVisible } from '../auth/authorize.js';
import { findCourseAccess } from '../courses/queries.js';
import { toggleMark } from '../likes/toggle.js';
import * as q from './queries.js';
import type { FavoriteCourse, FavoriteStatus } from './schemas.js';

export async function toggle(db: Queryable, courseId: string, userId: string): Promise<FavoriteStatus> {
  requireVisible(await findCourseAccess(db, courseId), userId, 'Course');
  try {
    return { is_favorited: await toggleMark(db, 'course_favorites', userId, courseId) };
  } catch (err) {
    // The course was deleted after the lookup.
    if ((err as { code?: string }).code === '23503') throw notFound('Course');
    throw err;
  }
}

export async function list(db: Queryable, userId: string): Promise<FavoriteCourse[]> {
  const rows = await q.listFavorites(db, userId);
  return rows.map((row) => ({ ...row, favorited_at: row.favorited_at.toISOString() }));
}

export async function status(db: Queryable, courseId: string, userId: string): Promise<FavoriteStatus> {
  requireVisible(await findCourseAccess(db, courseId), userId, 'Course');
  return { is_favorited: await q.isFavorited(db, courseId, userId) };
}
