// Run-recording test data: courses stored as the courses feature stores them, and the requests the app sends
// (chunks, completion) built from simulated GPS tracks (see tracks.ts).
import type { Database, Queryable } from '../../src/infra/db/database.js';
import { deleteCourse } from '../../src/features/courses/queries.js';
import { trackLengthMeters, type TrackPoint } from '../../src/features/matching/geo.js';
import type { XY } from './tracks.js';

let spotsTaken = 0;
/**
 * A spot of its own, in metres east of tracks.ts's ORIGIN (same latitude, so metres stay metres): 3 km apart,
 * from 30 km out. Tests place their courses and runs there, so one test's courses are never candidates for
 * another's runs; deleteTestCourses removes them afterwards.
 */
export const freshSpot = (): XY => [(10 + (spotsTaken++ % 490)) * 3000, 0];

export const shifted = (path: readonly XY[], [dx, dy]: XY): XY[] => path.map(([x, y]) => [x + dx, y + dy] as const);

const createdCourses: string[] = [];

export async function insertCourse(
  db: Queryable,
  creatorId: string,
  route: [number, number][],
  fields: { isPublic?: boolean; title?: string; distance?: number } = {},
): Promise<string> {
  const wkt = `LINESTRING(${route.map(([lng, lat]) => `${lng} ${lat}`).join(',')})`;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO courses (creator_id, title, distance_meters, is_public, route_geometry, start_point)
     VALUES ($1, $2, coalesce($3, round(ST_Length(ST_GeogFromText($5)))), $4, ST_GeogFromText($5),
             ST_SetSRID(ST_MakePoint($6, $7), 4326)::geography)
     RETURNING id`,
    [creatorId, fields.title ?? 'test course', fields.distance ?? null, fields.isPublic ?? true, wkt, route[0]![0], route[0]![1]],
  );
  createdCourses.push(rows[0]!.id);
  return rows[0]!.id;
}

export async function deleteTestCourses(db: Database): Promise<void> {
  for (const id of createdCourses.splice(0)) await db.transaction((tx) => deleteCourse(tx, id));
}

const seconds = (points: readonly TrackPoint[]) => Math.round((points[points.length - 1]!.t - points[0]!.t) / 1000);

/** The app's chunks of a track: `size` fixes each, with running totals. */
export function chunksOf(points: readonly TrackPoint[], size = 300) {
  const chunks = [];
  for (let i = 0, seq = 0; i < points.length; i += size, seq++) {
    const part = points.slice(i, i + size);
    const upTo = points.slice(0, i + part.length);
    const total = trackLengthMeters(upTo);
    chunks.push({
      session_id: 'local_123',
      sequence: seq,
      chunk_type: i + size >= points.length ? 'final' : 'intermediate',
      raw_gps_points: part.map((p) => ({ lat: p.lat, lng: p.lng, alt: 20, speed: 3, bearing: 90, accuracy: 5, timestamp: p.t })),
      filtered_points: null,
      chunk_summary: {
        distance_meters: trackLengthMeters(part),
        duration_seconds: seconds(part),
        avg_pace_seconds_per_km: 0,
        elevation_change_meters: 0,
        point_count: part.length,
        start_timestamp: part[0]!.t,
        end_timestamp: part[part.length - 1]!.t,
      },
      cumulative: {
        total_distance_meters: total,
        total_duration_seconds: seconds(upTo),
        avg_pace_seconds_per_km: total > 0 ? (seconds(upTo) * 1000) / total : 0,
      },
      completed_splits: [] as { split_number: number; duration_seconds: number; pace_seconds_per_km: number; elevation_change_meters: number }[],
      pause_intervals: [] as { paused_at: string; resumed_at: string }[],
    });
  }
  return chunks;
}

/** The app's completion of a track, like RunResultScreen sends it (fractional numbers included, M1). */
export function completionOf(points: readonly TrackPoint[], extra: Record<string, unknown> = {}) {
  const distance = trackLengthMeters(points);
  const duration = (points[points.length - 1]!.t - points[0]!.t) / 1000;
  return {
    distance_meters: distance,
    duration_seconds: duration,
    total_elapsed_seconds: duration,
    avg_pace_seconds_per_km: (duration * 1000) / distance,
    best_pace_seconds_per_km: null,
    calories: null,
    avg_speed_ms: distance / duration,
    max_speed_ms: 0,
    finished_at: new Date(points[points.length - 1]!.t).toISOString(),
    route_geometry: { type: 'LineString', coordinates: points.map((p) => [p.lng, p.lat, 20]) },
    elevation_gain_meters: 3.4,
    elevation_loss_meters: 2.6,
    elevation_profile: [],
    splits: [],
    pause_intervals: [],
    filter_config: { kalman_q: 3, kalman_r_base: 10, outlier_speed_threshold: 12, outlier_accuracy_threshold: 50 },
    total_chunks: 0,
    uploaded_chunk_sequences: [],
    ...extra,
  };
}
