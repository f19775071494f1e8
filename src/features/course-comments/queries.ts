// SQL of course comments.
import type { Queryable } from '../../infra/db/database.js';

export interface CommentRow {
  [key: string]: unknown;
  id: string;
  course_id: string;
  user_id: string;
  nickname: string | null;
  avatar_url: string | null;
  content: string;
  image_urls: string[];
  parent_id: string | null;
  reply_count: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `c.id, c.course_id, c.user_id, u.nickname, u.avatar_url, c.content, c.image_urls, c.parent_id, c.created_at, c.updated_at,
  (SELECT count(*)::int FROM course_comments r WHERE r.parent_id = c.id) AS reply_count`;

export async function findComment(db: Queryable, courseId: string, commentId: string): Promise<CommentRow | undefined> {
  const { rows } = await db.query<CommentRow>(
    `SELECT ${COLUMNS} FROM course_comments c JOIN users u ON u.id = c.user_id WHERE c.id = $1 AND c.course_id = $2`,
    [commentId, courseId],
  );
  return rows[0];
}

/** Inserts a comment, or a reply when its parent is a top-level comment of the same course; undefined otherwise. */
export async function insertComment(
  db: Queryable,
  c: { courseId: string; userId: string; parentId: string | null; content: string; imageUrls: string[] },
): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO course_comments (course_id, user_id, parent_id, content, image_urls)
     SELECT $1, $2, $3, $4, $5
      WHERE $3::uuid IS NULL OR EXISTS (SELECT 1 FROM course_comments p WHERE p.id = $3 AND p.course_id = $1 AND p.parent_id IS NULL)
     RETURNING id`,
    [c.courseId, c.userId, c.parentId, c.content, c.imageUrls],
  );
  return rows[0]?.id;
}

export async function updateComment(db: Queryable, commentId: string, content: string, imageUrls: string[] | undefined): Promise<void> {
  await db.query(
    `UPDATE course_comments SET content = $2, image_urls = coalesce($3, image_urls), updated_at = now() WHERE id = $1`,
    [commentId, content, imageUrls ?? null],
  );
}

export async function deleteComment(db: Queryable, commentId: string): Promise<void> {
  await db.query('DELETE FROM course_comments WHERE id = $1', [commentId]);
}

/** A page of top-level comments, newest first, with the first replies of each (oldest first). */
export async function listComments(db: Queryable, courseId: string, limit: number, offset: number, repliesShown: number) {
  const [count, page] = await Promise.all([
    db.query<{ n: number }>('SELECT count(*)::int AS n FROM course_comments WHERE course_id = $1 AND parent_id IS NULL', [courseId]),
    db.query<CommentRow>(
      `SELECT ${COLUMNS} FROM course_comments c JOIN users u ON u.id = c.user_id
        WHERE c.course_id = $1 AND c.parent_id IS NULL
        ORDER BY c.created_at DESC, c.id DESC LIMIT $2 OFFSET $3`,
      [courseId, limit, offset],
    ),
  ]);
  const ids = page.rows.map((r) => r.id);
  const replies = ids.length
    ? await db.query<CommentRow>(
        `SELECT ${COLUMNS} FROM unnest($1::uuid[]) p(id)
           CROSS JOIN LATERAL (SELECT * FROM course_comments r WHERE r.parent_id = p.id ORDER BY r.created_at, r.id LIMIT $2) c
           JOIN users u ON u.id = c.user_id
          ORDER BY c.created_at, c.id`,
        [ids, repliesShown],
      )
    : { rows: [] as CommentRow[] };
  return { total: count.rows[0]!.n, rows: page.rows, replies: replies.rows };
}
