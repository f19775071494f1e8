// Courses and finished runs written straight into the database, for ranking and statistics tests.
import type { Queryable } from '../../src/infra/db/database.js';

export async function insertCourse(
  db: Queryable,
  creatorId: string,
  fields: { isPublic?: boolean; distanceMeters?: number; elevationGainMeters?: number } = {},
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO courses (creator_id, title, distance_meters, elevation_gain_meters, is_public, route_geometry, start_point)
     VALUES ($1, 'Test course', $2, $3, $4, 'SRID=4326;LINESTRING(126.978 37.5665, 127.0 37.5665)', 'SRID=4326;POINT(126.978 37.5665)')
     RETURNING id`,
    [creatorId, fields.distanceMeters ?? 5000, fields.elevationGainMeters ?? 0, fields.isPublic ?? true],
  );
  return rows[0]!.id;
}

export interface RunFields {
  userId: string;
  courseId?: string | null;
  finishedAt: Date;
  /** Whole-run duration; started_at = finishedAt − duration. */
  durationSeconds?: number;
  distanceMeters?: number;
  completed?: boolean | null;
  courseDurationSeconds?: number | null;
  source?: 'app' | 'gpx_upload' | 'strava';
  plausible?: boolean;
  avgPace?: number | null;
  bestPace?: number | null;
  calories?: number | null;
  elevationGain?: number;
}

/** A run_sessions row and its run_records row; returns the run id. */
export async function insertRun(db: Queryable, f: RunFields): Promise<string> {
  const duration = f.durationSeconds ?? f.courseDurationSeconds ?? 1800;
  const startedAt = new Date(f.finishedAt.getTime() - duration * 1000);
  const completed = f.completed ?? (f.courseDurationSeconds ? true : null);
  const { rows: session } = await db.query<{ id: string }>(
    `INSERT INTO run_sessions (user_id, course_id, status, started_at) VALUES ($1, $2, 'completed', $3) RETURNING id`,
    [f.userId, f.courseId ?? null, startedAt],
  );
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO run_records (user_id, session_id, course_id, distance_meters, duration_seconds, avg_pace_seconds_per_km,
       best_pace_seconds_per_km, calories, elevation_gain_meters, course_completed, course_duration_seconds, is_plausible,
       source, started_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
    [
      f.userId,
      session[0]!.id,
      f.courseId ?? null,
      f.distanceMeters ?? 5000,
      duration,
      f.avgPace ?? null,
      f.bestPace ?? null,
      f.calories ?? null,
      f.elevationGain ?? 0,
      completed,
      f.courseDurationSeconds ?? null,
      f.plausible ?? true,
      f.source ?? 'app',
      startedAt,
      f.finishedAt,
    ],
  );
  return rows[0]!.id;
}
