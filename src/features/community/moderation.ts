// Moderation of the community board by administrators (users.is_admin, src/features/admin/guard.ts): they list what
// users reported and remove posts or comments. A removed post or comment is hidden from everyone, its author
// included (404 on read, absent from lists and counts); its row stays for the record until its author's account goes.
import type { Queryable } from '../../infra/db/database.js';
import { notFound } from '../../infra/errors.js';
import { assertAdmin } from '../admin/guard.js';
import * as q from './queries.js';
import type { PageQuery, ReportedCommentList, ReportedPostList } from './schemas.js';
import { toComment, toPost } from './service.js';

const summary = (row: { report_count: number; last_reported_at: Date; reasons: string[] }) => ({
  report_count: row.report_count,
  last_reported_at: row.last_reported_at.toISOString(),
  reasons: row.reasons,
});

export async function reportedPosts(db: Queryable, adminId: string, page: PageQuery): Promise<ReportedPostList> {
  await assertAdmin(db, adminId);
  const result = await q.reportedPosts(db, adminId, page.per_page, page.page * page.per_page);
  return { data: result.rows.map((row) => ({ post: toPost(row), ...summary(row) })), total_count: result.total_count };
}

export async function reportedComments(db: Queryable, adminId: string, page: PageQuery): Promise<ReportedCommentList> {
  await assertAdmin(db, adminId);
  const result = await q.reportedComments(db, adminId, page.per_page, page.page * page.per_page);
  return { data: result.rows.map((row) => ({ comment: toComment(row), ...summary(row) })), total_count: result.total_count };
}

export async function removePost(db: Queryable, adminId: string, postId: string): Promise<void> {
  await assertAdmin(db, adminId);
  if (!(await q.removePost(db, adminId, postId))) throw notFound('Post');
}

export async function removeComment(db: Queryable, adminId: string, commentId: string): Promise<void> {
  await assertAdmin(db, adminId);
  if (!(await q.removeComment(db, adminId, commentId))) throw notFound('Comment');
}
