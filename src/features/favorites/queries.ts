// SQL of the favorites feature (the toggle itself is shared with likes: ../likes/toggle.ts).
import type { Queryable } from '../../infra/db/database.js';
import { routePreviewSql } from '../courses/route-preview.js';

export interface FavoriteRow {
  [key: string]: unknown;
  id: string;
  title: string;
  thumbnail_url: string | null;
  distance_meters: number;
  estimated_duration_seconds: number | null;
  creator_nickname: string | null;
  route_preview: number[][] | null;
  favorited_at: Date;
}

/** The user's favorites they can still see (public courses and their own), newest favorite first. */
export async function listFavorites(db: Queryable, userId: string): Promise<FavoriteRow[]> {
  const { rows } = await db.query<FavoriteRow>(
    `SELECT c.id, c.title, c.thumbnail_url, c.distance_meters, c.estimated_duration_seconds,
            u.nickname AS creator_nickname, ${routePreviewSql('c')} AS route_preview, f.created_at AS favorited_at
       FROM course_favorites f
       JOIN courses c ON c.id = f.course_id
       JOIN users u ON u.id = c.creator_id
      WHERE f.user_id = $1 AND (c.is_public OR c.creator_id = $1)
      ORDER BY f.created_at DESC, f.id DESC`,
    [userId],
  );
  return rows;
}

export async function isFavorited(db: Queryable, courseId: string, userId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM course_favorites WHERE course_id = $1 AND user_id = $2', [courseId, userId]);
  return (rowCount ?? 0) > 0;
}
