// Courses: creation from a run, the public catalogue (list, nearby, map), details, edits and deletion.
// Private courses exist only for their owner: everyone else gets 404 (DECISIONS, privacy).
import type { Database, Queryable } from '../../infra/db/database.js';
import type { JobQueue } from '../../infra/jobs/queue.js';
import { AppError, notFound } from '../../infra/errors.js';
import { withoutNulls } from '../../infra/http/schemas.js';
import { contentTypeOf } from '../../infra/storage/keys.js';
import type { Storage } from '../../infra/storage/storage.js';
import { requireVisible, type Owned } from '../auth/authorize.js';
import { enqueueCourseThumbnail } from '../thumbnails/jobs.js';
import { courseCheckpoints } from './checkpoints.js';
import { computeDifficulty } from './difficulty.js';
import * as q from './queries.js';
import {
  MAX_BOUNDS_SPAN_DEGREES,
  MAX_ROUTE_CORRECTION_METERS,
  MAX_ROUTE_POINTS,
  type BoundsQuery,
  type CorrectedRoute,
  type CorrectRouteBody,
  type CourseDetail,
  type CourseList,
  type CourseListItem,
  type CourseMarker,
  type CourseStats,
  type CreateCourseBody,
  type CreatedCourse,
  type ListQuery,
  type MyCourse,
  type NearbyCourse,
  type NearbyQuery,
  type UpdateCourseBody,
  type UpdatedCourse,
} from './schemas.js';

type Position = [number, number];

/** Runs before validation, so what is checked is what is stored: title, description and tags trimmed. */
export function normaliseCourseBody(body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const b = body as Record<string, unknown>;
  if (typeof b.title === 'string') b.title = b.title.trim();
  if (typeof b.description === 'string') b.description = b.description.trim();
  if (Array.isArray(b.tags)) b.tags = [...new Set(b.tags.map((t) => (typeof t === 'string' ? t.trim() : t)))];
}

/**
 * A 422 with the same body as a schema violation (VALIDATION_ERROR, detail [{loc, msg, type}]), for rules a JSON
 * schema cannot state. `path` is the JSON pointer of the value, e.g. /route_geometry/coordinates/3/1.
 */
function invalid(part: 'body' | 'querystring', path: string, message: string): Error {
  return Object.assign(new Error(message), {
    statusCode: 422,
    validationContext: part,
    validation: [{ instancePath: path, keyword: 'range', message, params: {} }],
  });
}

const stravaStaysPrivate = () =>
  new AppError(403, 'STRAVA_DATA_PRIVATE', 'A course made from a Strava activity can only be private (Strava data is shown to its owner only)');

/** [lng, lat] of every position; a position out of range is a 422 naming it. */
function checkedPositions(coordinates: number[][]): Position[] {
  return coordinates.map(([lng, lat], i) => {
    if (!(lng! >= -180 && lng! <= 180)) throw invalid('body', `/route_geometry/coordinates/${i}/0`, 'longitude must be between -180 and 180');
    if (!(lat! >= -90 && lat! <= 90)) throw invalid('body', `/route_geometry/coordinates/${i}/1`, 'latitude must be between -90 and 90');
    return [lng!, lat!];
  });
}

const hasTwoDistinct = (route: Position[]) => route.some(([lng, lat]) => lng !== route[0]![0] || lat !== route[0]![1]);

/** Keeps every k-th position (and the last) so a very long recorded run fits MAX_ROUTE_POINTS. */
function thinned(route: Position[]): Position[] {
  if (route.length <= MAX_ROUTE_POINTS) return route;
  const step = Math.ceil((route.length - 1) / (MAX_ROUTE_POINTS - 2));
  const kept = route.filter((_, i) => i % step === 0);
  if ((route.length - 1) % step !== 0) kept.push(route[route.length - 1]!);
  return kept;
}

// M1: the app sends floats for integer fields; they are stored rounded (half up, all values here are ≥ 0).
const int = (n: number) => Math.round(n);

/** The web page of course <id> is at <PUBLIC_BASE_URL>/courses/<id> (src/features/web). */
export const COURSE_PAGES_PREFIX = '/courses';

/** Where a course's links point: its share page (`<pages>/<id>`) and its picture (`<api>/<id>/thumbnail`). */
export interface CourseLinkBases {
  pages: string;
  api: string;
}

/**
 * The route is the body's when it has at least two distinct positions, otherwise the run's own recorded route
 * (the app sends a placeholder when it has too few GPS points).
 */
export async function createCourse(db: Database, jobs: JobQueue, links: CourseLinkBases, userId: string, body: CreateCourseBody): Promise<CreatedCourse> {
  const sent = body.route_geometry ? checkedPositions(body.route_geometry.coordinates) : [];
  const useSent = hasTwoDistinct(sent);
  const run = await q.findOwnRun(db, body.run_record_id, userId, !useSent);
  if (!run) throw notFound('Run record');
  const route = useSent ? sent : thinned((run.coordinates ?? []) as Position[]);
  if (!hasTwoDistinct(route)) {
    throw new AppError(422, 'INVALID_ROUTE', 'A course needs a route of at least two distinct positions, and the run has none');
  }
  if (body.is_public && run.source === 'strava') throw stravaStaysPrivate();

  const distanceMeters = int(body.distance_meters);
  const elevationGainMeters = int(body.elevation_gain_meters);
  const course = await db.transaction(async (tx) => {
    const created = await q.insertCourse(tx, {
      creatorId: userId,
      runRecordId: body.run_record_id,
      title: body.title,
      description: body.description || null,
      route,
      distanceMeters,
      estimatedDurationSeconds: int(body.estimated_duration_seconds),
      elevationGainMeters,
      elevationProfile: body.elevation_profile,
      isPublic: body.is_public,
      tags: body.tags ?? [],
      difficulty: computeDifficulty({ distanceMeters, elevationGainMeters, completionRate: null }),
      courseType: body.course_type ?? null,
      lapCount: body.lap_count ?? null,
    });
    await enqueueCourseThumbnail(jobs, tx, created.id);
    return created;
  });
  // The picture is drawn by a later job: the reply gives its stable address, which serves it once drawn.
  return {
    ...course,
    thumbnail_url: `${links.api}/${course.id}/thumbnail`,
    share_url: `${links.pages}/${course.id}`,
    created_at: course.created_at.toISOString(),
  };
}

/** The picture's bytes from our storage, or the address of a picture kept elsewhere (a row from the old server). */
export type CoursePicture = { bytes: Buffer; contentType: string } | { elsewhere: string };

/** The picture of a course the caller may see; 404 THUMBNAIL_NOT_READY (with Retry-After) until it is drawn. */
export async function coursePicture(db: Queryable, storage: Storage, id: string, userId: string | undefined): Promise<CoursePicture> {
  const course = requireVisible(await q.findCourseCard(db, id), userId, 'Course');
  if (!course.thumbnail_url) {
    throw new AppError(404, 'THUMBNAIL_NOT_READY', 'The course picture is not drawn yet; retry shortly', { 'retry-after': '5' });
  }
  const key = storage.keyOf(course.thumbnail_url);
  if (!key) return { elsewhere: course.thumbnail_url };
  return { bytes: await storage.get(key), contentType: contentTypeOf(key) };
}

function toListItem(row: q.ListRow): CourseListItem {
  return {
    id: row.id,
    title: row.title,
    thumbnail_url: row.thumbnail_url,
    distance_meters: row.distance_meters,
    estimated_duration_seconds: row.estimated_duration_seconds,
    elevation_gain_meters: row.elevation_gain_meters,
    difficulty: row.difficulty,
    like_count: row.like_count,
    creator: { id: row.creator_id, nickname: row.creator_nickname, avatar_url: row.creator_avatar_url },
    stats: { total_runs: row.total_runs, unique_runners: row.unique_runners, avg_pace_seconds_per_km: row.avg_pace_seconds_per_km },
    created_at: row.created_at.toISOString(),
    route_preview: row.route_preview,
    ...withoutNulls({ distance_from_user_meters: row.distance_from_user_meters }),
  };
}

/**
 * The public catalogue. An explicit order_by is always honoured (the old server let `search` override it);
 * with a search and no order_by the best title matches come first.
 */
export async function listCourses(db: Queryable, query: ListQuery): Promise<CourseList> {
  const near =
    query.near_lat !== undefined && query.near_lng !== undefined
      ? { lat: query.near_lat, lng: query.near_lng, radius: query.near_radius }
      : undefined;
  const { rows, total } = await q.listCourses(db, {
    search: query.search,
    minDistance: query.min_distance,
    maxDistance: query.max_distance,
    near,
    orderBy: query.order_by ?? (query.search !== undefined ? 'relevance' : 'created_at'),
    order: query.order,
    limit: query.per_page,
    offset: query.page * query.per_page,
  });
  return { data: rows.map(toListItem), total_count: total, has_next: (query.page + 1) * query.per_page < total };
}

export function nearbyCourses(db: Queryable, query: NearbyQuery): Promise<NearbyCourse[]> {
  return q.nearbyCourses(db, query.lat, query.lng, query.radius, query.limit);
}

/** Map markers in a SW–NE box; a box across the antimeridian (sw_lng > ne_lng) is searched as two. */
export async function coursesInBounds(db: Queryable, query: BoundsQuery, userId: string | undefined): Promise<CourseMarker[]> {
  const { sw_lat, sw_lng, ne_lat, ne_lng } = query;
  if (sw_lat > ne_lat) throw invalid('querystring', '/sw_lat', 'sw_lat must not be greater than ne_lat (south-west corner first)');
  const crosses = sw_lng > ne_lng;
  const lngSpan = crosses ? ne_lng + 360 - sw_lng : ne_lng - sw_lng;
  if (ne_lat - sw_lat > MAX_BOUNDS_SPAN_DEGREES || lngSpan > MAX_BOUNDS_SPAN_DEGREES) {
    throw invalid('querystring', '/ne_lat', `the box may span at most ${MAX_BOUNDS_SPAN_DEGREES} degrees of latitude and of longitude`);
  }
  const envelopes: q.Envelope[] = crosses
    ? [
        [sw_lng, sw_lat, 180, ne_lat],
        [-180, sw_lat, ne_lng, ne_lat],
      ]
    : [[sw_lng, sw_lat, ne_lng, ne_lat]];
  return q.coursesInBounds(db, envelopes, query.limit, userId);
}

export async function getCourse(db: Queryable, id: string, userId: string | undefined): Promise<CourseDetail> {
  const { owner_id, route, elevation_profile, creator_nickname, creator_avatar_url, created_at, ...row } = requireVisible(
    await q.findCourseDetail(db, id),
    userId,
    'Course',
  );
  return {
    ...row,
    // The stored line is 2-D; the app expects [lng, lat, alt].
    route_geometry: { type: 'LineString', coordinates: route.coordinates.map(([lng, lat]) => [lng!, lat!, 0]) },
    // The app's type has no null here: a course without a profile (made in the database) has an empty one.
    elevation_profile: elevation_profile ?? [],
    created_at: created_at.toISOString(),
    creator: { id: owner_id, nickname: creator_nickname, avatar_url: creator_avatar_url },
    checkpoints: courseCheckpoints(route.coordinates),
  };
}

export async function getCourseStats(db: Queryable, id: string, userId: string | undefined): Promise<CourseStats> {
  const s = requireVisible(await q.findCourseStats(db, id), userId, 'Course');
  return {
    course_id: s.id,
    total_runs: s.total_runs ?? 0,
    unique_runners: s.unique_runners ?? 0,
    avg_duration_seconds: s.avg_duration_seconds,
    avg_pace_seconds_per_km: s.avg_pace_seconds_per_km,
    best_duration_seconds: s.best_duration_seconds,
    best_pace_seconds_per_km: s.best_pace_seconds_per_km,
    completion_rate: s.completion_rate ?? 0,
    runs_by_hour: s.runs_by_hour ?? {},
    updated_at: s.updated_at?.toISOString() ?? null,
  };
}

/** 404 when the caller cannot see the course, 403 PERMISSION_DENIED (API.md) when it is someone else's. */
function requireCourseOwner<T extends Owned>(course: T | undefined, userId: string): T {
  const visible = requireVisible(course, userId, 'Course');
  if (visible.owner_id !== userId) throw new AppError(403, 'PERMISSION_DENIED', 'Only the creator can change this course');
  return visible;
}

/** Applies the keys present and non-null; an empty description clears it. */
export async function updateCourse(db: Queryable, id: string, userId: string, body: UpdateCourseBody): Promise<UpdatedCourse> {
  const course = requireCourseOwner(await q.findCourseAccess(db, id), userId);
  if (body.is_public === true && course.run_source === 'strava') throw stravaStaysPrivate();
  const changes: Partial<Record<q.EditableColumn, unknown>> = {};
  if (body.title != null) changes.title = body.title;
  if (body.description != null) changes.description = body.description || null;
  if (body.is_public != null) changes.is_public = body.is_public;
  if (body.tags != null) changes.tags = body.tags;
  if (body.course_type != null) changes.course_type = body.course_type;
  if (body.lap_count != null) changes.lap_count = body.lap_count;
  const updated = await q.updateCourse(db, id, changes);
  if (!updated) throw notFound('Course');
  return { ...updated, updated: true };
}

/**
 * Deletes the caller's course. Runs on it stay in their owners' history without the course (and without a ranked
 * time); its statistics and rankings go with it. See q.deleteCourse.
 */
export async function deleteCourse(db: Database, id: string, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    requireCourseOwner(await q.findCourseAccess(tx, id, true), userId);
    await q.deleteCourse(tx, id);
  });
}

export async function myCourses(db: Queryable, userId: string): Promise<MyCourse[]> {
  const rows = await q.coursesOf(db, userId);
  return rows.map(({ total_runs, unique_runners, avg_pace_seconds_per_km, created_at, ...c }) => ({
    ...c,
    created_at: created_at.toISOString(),
    stats: { total_runs, unique_runners, avg_pace_seconds_per_km },
  }));
}

/**
 * The owner moves the route a little (GPS error): rankings, statistics and runs stay; the picture is redrawn.
 * 422 ROUTE_TOO_DIFFERENT when the routes are more than MAX_ROUTE_CORRECTION_METERS apart anywhere.
 */
export async function correctRoute(db: Database, jobs: JobQueue, id: string, userId: string, body: CorrectRouteBody): Promise<CorrectedRoute> {
  const route = checkedPositions(body.route_geometry.coordinates);
  if (!hasTwoDistinct(route)) throw invalid('body', '/route_geometry/coordinates', 'a route needs at least two distinct positions');
  return db.transaction(async (tx) => {
    requireCourseOwner(await q.findCourseAccess(tx, id, true), userId);
    const result = await q.correctRoute(tx, id, route, MAX_ROUTE_CORRECTION_METERS);
    if (!result) throw notFound('Course');
    if (!result.corrected) {
      throw new AppError(
        422,
        'ROUTE_TOO_DIFFERENT',
        `The corrected route is ${Math.round(result.deviation_meters)} m from the course at its farthest (at most ${MAX_ROUTE_CORRECTION_METERS} m)`,
      );
    }
    await enqueueCourseThumbnail(jobs, tx, id);
    return { id: result.id, distance_meters: result.distance_meters, corrected: true };
  });
}
