// Comments on a course page (the newer app's course comments): anyone who may see the course reads and writes
// them (a private course's only by its owner, 404 to others); the author edits; the author or the course's owner
// deletes. One level of replies: a reply names a top-level comment of the same course.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { AppError, forbidden, notFound } from '../../infra/errors.js';
import { requireVisible } from '../auth/authorize.js';
import { findCourseAccess } from '../courses/queries.js';
import * as q from './queries.js';
import { REPLIES_SHOWN, type CourseComment, type CourseCommentList, type CreateCommentBody, type PageQuery, type UpdateCommentBody } from './schemas.js';
import { requireStoredImage } from '../uploads/stored-images.js';

type Deps = Pick<AppDeps, 'db' | 'storage'>;

const toItem = (row: q.CommentRow, replies: CourseComment['replies'] = []): CourseComment => ({
  id: row.id,
  course_id: row.course_id,
  author: { id: row.user_id, nickname: row.nickname, profile_image_url: row.avatar_url },
  content: row.content,
  image_urls: row.image_urls.length ? row.image_urls : null,
  parent_id: row.parent_id,
  replies,
  reply_count: row.reply_count,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

async function visibleCourse(db: Queryable, courseId: string, userId: string) {
  return requireVisible(await findCourseAccess(db, courseId), userId, 'Course');
}

function content(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) throw new AppError(422, 'EMPTY_COMMENT', 'A comment needs some text');
  return trimmed;
}

function images(deps: Deps, urls: string[] | null | undefined): string[] | undefined {
  if (urls === undefined) return undefined;
  for (const url of urls ?? []) requireStoredImage(deps.storage, url, 'image_urls');
  return urls ?? [];
}

async function visibleComment(db: Queryable, courseId: string, commentId: string, userId: string) {
  await visibleCourse(db, courseId, userId);
  const row = await q.findComment(db, courseId, commentId);
  if (!row) throw notFound('Comment');
  return row;
}

export async function list(db: Queryable, userId: string, courseId: string, page: PageQuery): Promise<CourseCommentList> {
  await visibleCourse(db, courseId, userId);
  const { total, rows, replies } = await q.listComments(db, courseId, page.per_page, page.page * page.per_page, REPLIES_SHOWN);
  const byParent = new Map<string, CourseComment[]>();
  for (const r of replies) byParent.set(r.parent_id!, [...(byParent.get(r.parent_id!) ?? []), toItem(r)]);
  return { data: rows.map((r) => toItem(r, byParent.get(r.id))), total_count: total };
}

export async function create(deps: Deps, userId: string, courseId: string, body: CreateCommentBody): Promise<CourseComment> {
  const text = content(body.content);
  const imageUrls = images(deps, body.image_urls) ?? [];
  await visibleCourse(deps.db, courseId, userId);
  const parentId = body.parent_id?.toLowerCase() ?? null;
  const id = await q.insertComment(deps.db, { courseId, userId, parentId, content: text, imageUrls }).catch((err: { code?: string }) => {
    // The course (or the parent) was deleted between the check and the insert.
    if (err.code === '23503') throw notFound(parentId ? 'Comment' : 'Course');
    throw err;
  });
  if (!id) throw new AppError(422, 'INVALID_PARENT', 'parent_id must be a top-level comment of this course');
  return toItem((await q.findComment(deps.db, courseId, id))!);
}

export async function update(deps: Deps, userId: string, courseId: string, commentId: string, body: UpdateCommentBody): Promise<CourseComment> {
  const text = content(body.content);
  const imageUrls = images(deps, body.image_urls);
  const row = await visibleComment(deps.db, courseId, commentId, userId);
  if (row.user_id !== userId) throw forbidden('Only its author can edit this comment');
  await q.updateComment(deps.db, commentId, text, imageUrls);
  return toItem((await q.findComment(deps.db, courseId, commentId))!);
}

export async function remove(db: Queryable, userId: string, courseId: string, commentId: string): Promise<void> {
  const course = await visibleCourse(db, courseId, userId);
  const row = await q.findComment(db, courseId, commentId);
  if (!row) throw notFound('Comment');
  if (row.user_id !== userId && course.owner_id !== userId) throw forbidden('Only its author or the course’s creator can delete this comment');
  await q.deleteComment(db, commentId);
}
