import type { Queryable } from '../../infra/db/database.js';
import type { LngLat } from './simplify.js';

/** The course's route as [lng, lat] positions, or undefined when the course no longer exists. */
export async function courseRoute(db: Queryable, courseId: string): Promise<LngLat[] | undefined> {
  const { rows } = await db.query<{ route: { coordinates: LngLat[] } | null }>(
    'SELECT ST_AsGeoJSON(route_geometry::geometry)::json AS route FROM courses WHERE id = $1',
    [courseId],
  );
  const row = rows[0];
  return row ? (row.route?.coordinates ?? []) : undefined;
}

/** Sets the course's thumbnail and returns the one it replaces (null result: the course is gone). */
export async function replaceThumbnailUrl(db: Queryable, courseId: string, url: string): Promise<{ previous: string | null } | null> {
  const { rows } = await db.query<{ previous: string | null }>(
    `WITH old AS (SELECT id, thumbnail_url FROM courses WHERE id = $1 FOR UPDATE)
     UPDATE courses c SET thumbnail_url = $2 FROM old WHERE c.id = old.id
     RETURNING old.thumbnail_url AS previous`,
    [courseId, url],
  );
  return rows[0] ?? null;
}

export async function thumbnailInUse(db: Queryable, url: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM courses WHERE thumbnail_url = $1 LIMIT 1', [url]);
  return (rowCount ?? 0) > 0;
}
