// Course reviews (RULES.md §9): one per user and course, edited or deleted by their author only, answered by
// the course's creator only. A private course and its reviews are visible to its owner alone (404 to others).
// The creator hears of a new review, and the reviewer of a reply, by push.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { conflict, forbidden, notFound } from '../../infra/errors.js';
import { requireVisible } from '../auth/authorize.js';
import { findCourseAccess } from '../courses/queries.js';
import { enqueuePush } from '../notifications/push.js';
import * as q from './queries.js';
import type { CreateReviewBody, PageQuery, ReplyBody, Review, ReviewList, UpdateReviewBody } from './schemas.js';

const toReview = (row: q.ReviewRow): Review => ({
  id: row.id,
  course_id: row.course_id,
  rating: row.rating,
  content: row.content,
  author: { id: row.user_id, nickname: row.nickname, avatar_url: row.avatar_url },
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  creator_reply: row.creator_reply,
  creator_reply_at: row.creator_reply_at?.toISOString() ?? null,
});

// Shaped like a schema failure so the client gets the usual 422 VALIDATION_ERROR body.
function emptyReview(): Error {
  return Object.assign(new Error('A review needs a rating or some text'), {
    validationContext: 'body',
    validation: [{ instancePath: '', keyword: 'anyOf', params: {}, message: 'give a rating (1–5) or a non-empty content' }],
  });
}

const saysSomething = (rating: number | null, content: string | null) => rating !== null || /\S/.test(content ?? '');

async function visibleCourse(db: Queryable, courseId: string, userId: string) {
  return requireVisible(await findCourseAccess(db, courseId), userId, 'Course');
}

const isForeignKeyViolation = (err: unknown) => (err as { code?: string }).code === '23503';

export async function create(deps: AppDeps, courseId: string, userId: string, body: CreateReviewBody): Promise<Review> {
  const rating = body.rating == null ? null : Math.round(body.rating);
  const content = body.content ?? null;
  if (!saysSomething(rating, content)) throw emptyReview();
  try {
    return await deps.db.transaction(async (tx) => {
      const course = await visibleCourse(tx, courseId, userId);
      const row = await q.insertReview(tx, course.id, userId, rating, content);
      if (!row) throw conflict('DUPLICATE_REVIEW', 'You have already reviewed this course');
      if (course.owner_id !== userId) {
        await enqueuePush(deps, tx, {
          userId: course.owner_id,
          kind: 'course_review',
          causeKey: row.id,
          title: '새 리뷰',
          body: `${row.nickname ?? '누군가'}님이 '${course.title}' 코스에 리뷰를 남겼어요`,
          data: { course_id: course.id, review_id: row.id },
        });
      }
      return toReview(row);
    });
  } catch (err) {
    // The course was deleted between the lookup and the insert.
    if (isForeignKeyViolation(err)) throw notFound('Course');
    throw err;
  }
}

export async function list(db: Queryable, courseId: string, userId: string, page: PageQuery): Promise<ReviewList> {
  await visibleCourse(db, courseId, userId);
  const result = await q.listReviews(db, courseId, page.per_page, page.page * page.per_page);
  return { data: result.rows.map(toReview), total_count: result.total_count, avg_rating: result.avg_rating };
}

export async function mine(db: Queryable, courseId: string, userId: string): Promise<Review | null> {
  await visibleCourse(db, courseId, userId);
  const row = await q.findUserReview(db, courseId, userId);
  return row ? toReview(row) : null;
}

/** The review locked for a change by its author: 404 when it or its course is hidden, 403 when not theirs. */
async function lockOwnReview(tx: Queryable, reviewId: string, userId: string): Promise<q.ReviewAccessRow> {
  const review = await q.lockReview(tx, reviewId);
  if (!review) throw notFound('Review');
  requireVisible({ owner_id: review.course_owner_id, is_public: review.course_is_public }, userId, 'Review');
  if (review.user_id !== userId) throw forbidden('Only the author can change this review');
  return review;
}

export async function update(db: AppDeps['db'], reviewId: string, userId: string, body: UpdateReviewBody): Promise<Review> {
  return db.transaction(async (tx) => {
    const review = await lockOwnReview(tx, reviewId, userId);
    const rating = body.rating == null ? review.rating : Math.round(body.rating);
    const content = body.content ?? review.content;
    if (!saysSomething(rating, content)) throw emptyReview();
    return toReview(await q.updateReview(tx, reviewId, rating, content));
  });
}

export async function remove(db: AppDeps['db'], reviewId: string, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await lockOwnReview(tx, reviewId, userId);
    await q.deleteReview(tx, reviewId);
  });
}

export async function reply(deps: AppDeps, courseId: string, reviewId: string, userId: string, body: ReplyBody): Promise<Review> {
  return deps.db.transaction(async (tx) => {
    const course = await visibleCourse(tx, courseId, userId);
    if (course.owner_id !== userId) throw forbidden('Only the course creator can reply to its reviews');
    const row = await q.setReply(tx, courseId, reviewId, body.content);
    if (!row) throw notFound('Review');
    if (row.user_id !== userId) {
      await enqueuePush(deps, tx, {
        userId: row.user_id,
        kind: 'review_reply',
        // Every reply (a later one replaces the earlier) is news.
        causeKey: `${row.id}:${row.creator_reply_at!.toISOString()}`,
        title: '리뷰에 답글이 달렸어요',
        body: `'${course.title}' 코스 제작자가 회원님의 리뷰에 답글을 남겼어요`,
        data: { course_id: course.id, review_id: row.id },
      });
    }
    return toReview(row);
  });
}
