// SQL of the reviews feature. The unique index idx_reviews_course_user keeps one review per user and course.
import type { Queryable } from '../../infra/db/database.js';

export interface ReviewRow {
  [key: string]: unknown;
  id: string;
  course_id: string;
  user_id: string;
  rating: number | null;
  content: string | null;
  creator_reply: string | null;
  creator_reply_at: Date | null;
  created_at: Date;
  updated_at: Date;
  nickname: string | null;
  avatar_url: string | null;
}

// `r` is a set of review rows (the table or a CTE's RETURNING); the author may have no nickname yet.
const SELECT_REVIEW = `
  SELECT r.id, r.course_id, r.user_id, r.rating, r.content, r.creator_reply, r.creator_reply_at, r.created_at,
         r.updated_at, u.nickname, u.avatar_url`;

/** The new review, or undefined when the user already reviewed the course (decided by the unique index). */
export async function insertReview(tx: Queryable, courseId: string, userId: string, rating: number | null, content: string | null) {
  const { rows } = await tx.query<ReviewRow>(
    `WITH r AS (
       INSERT INTO reviews (course_id, user_id, rating, content) VALUES ($1, $2, $3, $4)
       ON CONFLICT (course_id, user_id) DO NOTHING
       RETURNING *)
     ${SELECT_REVIEW} FROM r JOIN users u ON u.id = r.user_id`,
    [courseId, userId, rating, content],
  );
  return rows[0];
}

/** One page of a course's reviews, newest first, with the count and the mean rating of all of them. */
export async function listReviews(db: Queryable, courseId: string, limit: number, offset: number) {
  const [page, summary] = await Promise.all([
    db.query<ReviewRow>(
      `${SELECT_REVIEW} FROM reviews r JOIN users u ON u.id = r.user_id
        WHERE r.course_id = $1
        ORDER BY r.created_at DESC, r.id DESC
        LIMIT $2 OFFSET $3`,
      [courseId, limit, offset],
    ),
    db.query<{ total_count: number; avg_rating: number | null }>(
      'SELECT count(*) AS total_count, round(avg(rating), 1) AS avg_rating FROM reviews WHERE course_id = $1',
      [courseId],
    ),
  ]);
  return { rows: page.rows, ...summary.rows[0]! };
}

export async function findUserReview(db: Queryable, courseId: string, userId: string): Promise<ReviewRow | undefined> {
  const { rows } = await db.query<ReviewRow>(
    `${SELECT_REVIEW} FROM reviews r JOIN users u ON u.id = r.user_id WHERE r.course_id = $1 AND r.user_id = $2`,
    [courseId, userId],
  );
  return rows[0];
}

export interface ReviewAccessRow {
  [key: string]: unknown;
  id: string;
  user_id: string;
  rating: number | null;
  content: string | null;
  course_owner_id: string;
  course_is_public: boolean;
}

/** The review with its course's owner and visibility, locked until the transaction ends. */
export async function lockReview(tx: Queryable, reviewId: string): Promise<ReviewAccessRow | undefined> {
  const { rows } = await tx.query<ReviewAccessRow>(
    `SELECT r.id, r.user_id, r.rating, r.content, c.creator_id AS course_owner_id, c.is_public AS course_is_public
       FROM reviews r JOIN courses c ON c.id = r.course_id
      WHERE r.id = $1
        FOR UPDATE OF r`,
    [reviewId],
  );
  return rows[0];
}

export async function updateReview(tx: Queryable, reviewId: string, rating: number | null, content: string | null) {
  const { rows } = await tx.query<ReviewRow>(
    `WITH r AS (UPDATE reviews SET rating = $2, content = $3, updated_at = now() WHERE id = $1 RETURNING *)
     ${SELECT_REVIEW} FROM r JOIN users u ON u.id = r.user_id`,
    [reviewId, rating, content],
  );
  return rows[0]!;
}

export async function deleteReview(tx: Queryable, reviewId: string): Promise<void> {
  await tx.query('DELETE FROM reviews WHERE id = $1', [reviewId]);
}

/** Sets (or replaces) the creator's reply; undefined when the review is not on that course. */
export async function setReply(tx: Queryable, courseId: string, reviewId: string, content: string): Promise<ReviewRow | undefined> {
  const { rows } = await tx.query<ReviewRow>(
    `WITH r AS (
       UPDATE reviews SET creator_reply = $3, creator_reply_at = now() WHERE id = $2 AND course_id = $1 RETURNING *)
     ${SELECT_REVIEW} FROM r JOIN users u ON u.id = r.user_id`,
    [courseId, reviewId, content],
  );
  return rows[0];
}
