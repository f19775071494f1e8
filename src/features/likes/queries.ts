// SQL of the likes feature (the toggle itself is in toggle.ts).
import type { Queryable } from '../../infra/db/database.js';

export async function likeStatus(db: Queryable, courseId: string, userId: string) {
  const { rows } = await db.query<{ is_liked: boolean; like_count: number }>(
    `SELECT EXISTS (SELECT 1 FROM course_likes WHERE course_id = $1 AND user_id = $2) AS is_liked,
            (SELECT count(*) FROM course_likes WHERE course_id = $1) AS like_count`,
    [courseId, userId],
  );
  return rows[0]!;
}

export async function likeCount(db: Queryable, courseId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM course_likes WHERE course_id = $1', [courseId]);
  return rows[0]!.n;
}
