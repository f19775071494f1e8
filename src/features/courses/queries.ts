// SQL of the courses feature. Every course has a course_stats row (written with it), so listings join it
// and can order by its total_runs through an index.
import type { Queryable } from '../../infra/db/database.js';
import type { Difficulty } from './difficulty.js';
import { routePreviewSql } from './route-preview.js';

type Position = [number, number];

export interface CourseAccessRow {
  [key: string]: unknown;
  id: string;
  owner_id: string;
  is_public: boolean;
  /** Source of the run the course was made from (null once that run is deleted). */
  run_source: string | null;
}

/** Owner, visibility and origin of a course; `lock` holds the row until the transaction ends. */
export async function findCourseAccess(db: Queryable, id: string, lock = false): Promise<CourseAccessRow | undefined> {
  const { rows } = await db.query<CourseAccessRow>(
    `SELECT c.id, c.creator_id AS owner_id, c.is_public, r.source AS run_source
       FROM courses c LEFT JOIN run_records r ON r.id = c.run_record_id
      WHERE c.id = $1 ${lock ? 'FOR UPDATE OF c' : ''}`,
    [id],
  );
  return rows[0];
}

export interface CourseCardRow {
  [key: string]: unknown;
  id: string;
  owner_id: string;
  is_public: boolean;
  title: string;
  distance_meters: number;
  thumbnail_url: string | null;
  creator_nickname: string | null;
}

/** What the course's share page and picture address need. */
export async function findCourseCard(db: Queryable, id: string): Promise<CourseCardRow | undefined> {
  const { rows } = await db.query<CourseCardRow>(
    `SELECT c.id, c.creator_id AS owner_id, c.is_public, c.title, c.distance_meters, c.thumbnail_url, u.nickname AS creator_nickname
       FROM courses c JOIN users u ON u.id = c.creator_id
      WHERE c.id = $1`,
    [id],
  );
  return rows[0];
}

export interface SourceRunRow {
  [key: string]: unknown;
  source: string;
  /** The run's stored route as [lng, lat] positions, only when asked for. */
  coordinates: number[][] | null;
}

/** The caller's run record (undefined when missing or someone else's). */
export async function findOwnRun(db: Queryable, runId: string, userId: string, withRoute: boolean): Promise<SourceRunRow | undefined> {
  const { rows } = await db.query<SourceRunRow>(
    `SELECT source,
            CASE WHEN $3::boolean THEN ST_AsGeoJSON(route_geometry)::json -> 'coordinates' END AS coordinates
       FROM run_records WHERE id = $1 AND user_id = $2`,
    [runId, userId, withRoute],
  );
  return rows[0];
}

export interface NewCourse {
  creatorId: string;
  runRecordId: string;
  title: string;
  description: string | null;
  route: Position[];
  distanceMeters: number;
  estimatedDurationSeconds: number;
  elevationGainMeters: number;
  elevationProfile: number[];
  isPublic: boolean;
  tags: string[];
  difficulty: Difficulty;
  courseType: 'normal' | 'loop' | null;
  lapCount: number | null;
}

/** Inserts the course (start point = first position) and its empty statistics row. Run inside a transaction. */
export async function insertCourse(tx: Queryable, c: NewCourse) {
  const { rows } = await tx.query<{ id: string; title: string; distance_meters: number; thumbnail_url: string | null; created_at: Date }>(
    `WITH line AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($12), 4326) AS g)
     INSERT INTO courses (creator_id, run_record_id, title, description, distance_meters, estimated_duration_seconds,
                          elevation_gain_meters, elevation_profile, is_public, tags, difficulty, route_geometry, start_point,
                          course_type, lap_count)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, line.g::geography, ST_StartPoint(line.g)::geography, $13, $14 FROM line
     RETURNING id, title, distance_meters, thumbnail_url, created_at`,
    [
      c.creatorId, c.runRecordId, c.title, c.description, c.distanceMeters, c.estimatedDurationSeconds, c.elevationGainMeters,
      JSON.stringify(c.elevationProfile), c.isPublic, c.tags, c.difficulty,
      JSON.stringify({ type: 'LineString', coordinates: c.route }), c.courseType, c.lapCount,
    ],
  );
  const course = rows[0]!;
  await tx.query('INSERT INTO course_stats (course_id) VALUES ($1)', [course.id]);
  return course;
}

/** `%`, `_` and `\` in user text match themselves in LIKE patterns (with ESCAPE '\'). */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

export interface ListFilter {
  search?: string;
  minDistance?: number;
  maxDistance?: number;
  near?: { lat: number; lng: number; radius: number };
  orderBy: 'created_at' | 'total_runs' | 'distance_meters' | 'distance_from_user' | 'relevance';
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface ListRow {
  [key: string]: unknown;
  id: string;
  title: string;
  thumbnail_url: string | null;
  distance_meters: number;
  estimated_duration_seconds: number | null;
  elevation_gain_meters: number;
  difficulty: Difficulty | null;
  like_count: number;
  creator_id: string;
  creator_nickname: string | null;
  creator_avatar_url: string | null;
  total_runs: number;
  unique_runners: number;
  avg_pace_seconds_per_km: number | null;
  created_at: Date;
  distance_from_user_meters: number | null;
  route_preview: number[][] | null;
}

/** The page query and the count query of GET /courses (public courses only). Exported for the benchmark. */
export function listCoursesSql(f: ListFilter) {
  const values: unknown[] = [];
  const param = (v: unknown, cast = '') => {
    values.push(v);
    return `$${values.length}${cast}`;
  };
  const where = ['c.is_public'];
  let search: string | undefined;
  if (f.search !== undefined) {
    search = param(escapeLike(f.search));
    where.push(`c.title ILIKE '%' || ${search} || '%' ESCAPE '\\'`);
  }
  if (f.minDistance !== undefined) where.push(`c.distance_meters >= ${param(f.minDistance, '::float8')}`);
  if (f.maxDistance !== undefined) where.push(`c.distance_meters <= ${param(f.maxDistance, '::float8')}`);
  let point: string | undefined;
  if (f.near) {
    point = `ST_MakePoint(${param(f.near.lng, '::float8')}, ${param(f.near.lat, '::float8')})::geography`;
    where.push(`ST_DWithin(c.start_point, ${point}, ${param(f.near.radius, '::float8')})`);
  }
  const from = 'FROM courses c JOIN course_stats s ON s.course_id = c.id';
  const filter = `WHERE ${where.join(' AND ')}`;
  const countValues = [...values];
  const distance = point ? `ST_Distance(c.start_point, ${point})` : 'NULL::float8';

  const dir = f.order === 'asc' ? 'ASC' : 'DESC';
  // The id breaks ties so pages never overlap or skip rows.
  const orderBy = {
    created_at: `c.created_at ${dir}, c.id ${dir}`,
    total_runs: `s.total_runs ${dir}, s.course_id ${dir}`,
    distance_meters: `c.distance_meters ${dir}, c.id ${dir}`,
    distance_from_user: point ? `${distance} ${dir}, c.id ${dir}` : `c.created_at ${dir}, c.id ${dir}`,
    // Exact title, then titles starting with the text, then the rest; newest first within each.
    relevance: `CASE WHEN lower(c.title) = lower(${search}) THEN 0 WHEN c.title ILIKE ${search} || '%' ESCAPE '\\' THEN 1 ELSE 2 END,
                c.created_at DESC, c.id DESC`,
  }[f.orderBy];

  return {
    text: `SELECT c.id, c.title, c.thumbnail_url, c.distance_meters, c.estimated_duration_seconds, c.elevation_gain_meters,
                  c.difficulty, c.created_at, c.creator_id, u.nickname AS creator_nickname, u.avatar_url AS creator_avatar_url,
                  s.total_runs, s.unique_runners, s.avg_pace_seconds_per_km,
                  (SELECT count(*) FROM course_likes l WHERE l.course_id = c.id) AS like_count,
                  ${distance} AS distance_from_user_meters, ${routePreviewSql('c')} AS route_preview
             ${from} JOIN users u ON u.id = c.creator_id
             ${filter}
            ORDER BY ${orderBy}
            LIMIT ${param(f.limit)} OFFSET ${param(f.offset)}`,
    values,
    // Every course has its stats row, so the count needs no join.
    countText: `SELECT count(*) AS total FROM courses c ${filter}`,
    countValues,
  };
}

export async function listCourses(db: Queryable, f: ListFilter): Promise<{ rows: ListRow[]; total: number }> {
  const sql = listCoursesSql(f);
  const [page, count] = await Promise.all([
    db.query<ListRow>(sql.text, sql.values),
    db.query<{ total: number }>(sql.countText, sql.countValues),
  ]);
  return { rows: page.rows, total: count.rows[0]!.total };
}

// Likes, the average review and the runners on it now, for the few courses a map or nearby list shows.
const LIKE_COUNT = '(SELECT count(*) FROM course_likes l WHERE l.course_id = c.id)';
const AVG_RATING = '(SELECT round(avg(r.rating), 1) FROM reviews r WHERE r.course_id = c.id)';
// Abandoned sessions are expired by the runs feature, so "active" means running now.
const ACTIVE_RUNNERS = `(SELECT count(*) FROM run_sessions rs WHERE rs.course_id = c.id AND rs.status = 'active')`;

/**
 * GET /courses/nearby: the nearest public courses starting within `radius` metres. The inner query walks the GIST
 * index idx_courses_start_point in distance order (KNN) and stops after `limit` public courses; the radius is applied
 * to those few. (With the radius inside, the planner misjudges ST_DWithin's selectivity for large radii and reads
 * every course in the circle: over a second at 50 km among 1M courses.) Exported for the benchmark and plan test.
 */
export const NEARBY_SQL = `
  SELECT c.id, c.title, c.thumbnail_url, c.distance_meters, c.estimated_duration_seconds, c.difficulty,
         coalesce(s.total_runs, 0) AS total_runs, s.avg_pace_seconds_per_km, u.nickname AS creator_nickname,
         ST_Distance(c.start_point, ST_MakePoint($1::float8, $2::float8)::geography) AS distance_from_user_meters,
         ${LIKE_COUNT} AS like_count, ${AVG_RATING} AS avg_rating, ${ACTIVE_RUNNERS} AS active_runners,
         ${routePreviewSql('c')} AS route_preview
    FROM (SELECT id, title, thumbnail_url, distance_meters, estimated_duration_seconds, difficulty, creator_id, start_point,
                 route_geometry
            FROM courses
           WHERE is_public
           ORDER BY start_point <-> ST_MakePoint($1::float8, $2::float8)::geography
           LIMIT $4) c
    JOIN users u ON u.id = c.creator_id
    LEFT JOIN course_stats s ON s.course_id = c.id
   WHERE ST_DWithin(c.start_point, ST_MakePoint($1::float8, $2::float8)::geography, $3::float8)
   ORDER BY distance_from_user_meters, c.id`;

export interface NearbyRow {
  [key: string]: unknown;
  id: string;
  title: string;
  thumbnail_url: string | null;
  distance_meters: number;
  estimated_duration_seconds: number | null;
  difficulty: Difficulty | null;
  total_runs: number;
  avg_pace_seconds_per_km: number | null;
  creator_nickname: string | null;
  distance_from_user_meters: number;
  like_count: number;
  avg_rating: number | null;
  active_runners: number;
  route_preview: number[][] | null;
}

export async function nearbyCourses(db: Queryable, lat: number, lng: number, radius: number, limit: number): Promise<NearbyRow[]> {
  const { rows } = await db.query<NearbyRow>({ name: 'nearby_courses', text: NEARBY_SQL }, [lng, lat, radius, limit]);
  return rows;
}

export interface MarkerRow {
  [key: string]: unknown;
  id: string;
  title: string;
  start_lat: number;
  start_lng: number;
  distance_meters: number;
  total_runs: number;
  difficulty: Difficulty | null;
  avg_rating: number | null;
  active_runners: number;
  is_new: boolean;
  elevation_gain_meters: number;
  creator_nickname: string | null;
  user_rank: number | null;
  dominion: { crew_id: string; crew_name: string; crew_badge_color: string; crew_logo_url: string | null } | null;
}

/** [west, south, east, north] in degrees, west ≤ east. */
export type Envelope = [number, number, number, number];

/**
 * GET /courses/bounds: public courses starting inside any of the envelopes, through the partial GIST index
 * idx_courses_public_start_geom. The caller's rank uses the same order as the leaderboard (time, then who was first).
 * Exported for the query-plan test.
 */
export function boundsSql(envelopes: Envelope[], limit: number, userId: string | undefined) {
  const values: unknown[] = [limit, userId ?? null];
  const boxes = envelopes.map((e) => {
    values.push(...e);
    const n = values.length;
    return `c.start_point::geometry && ST_MakeEnvelope($${n - 3}, $${n - 2}, $${n - 1}, $${n}, 4326)`;
  });
  return {
    text: `SELECT c.id, c.title, ST_Y(c.start_point::geometry) AS start_lat, ST_X(c.start_point::geometry) AS start_lng,
                  c.distance_meters, coalesce(s.total_runs, 0) AS total_runs, c.difficulty,
                  ${AVG_RATING} AS avg_rating, ${ACTIVE_RUNNERS} AS active_runners,
                  c.created_at > now() - interval '7 days' AS is_new, c.elevation_gain_meters, u.nickname AS creator_nickname,
                  CASE WHEN me.id IS NOT NULL THEN
                    (SELECT 1 + count(*) FROM rankings o
                      WHERE o.course_id = c.id
                        AND (o.best_duration_seconds, o.achieved_at) < (me.best_duration_seconds, me.achieved_at))
                  END AS user_rank,
                  CASE WHEN occ.crew_id IS NOT NULL THEN json_build_object('crew_id', occ.crew_id, 'crew_name', cr.name,
                    'crew_badge_color', cr.badge_color, 'crew_logo_url', cr.logo_url) END AS dominion
             FROM courses c
             JOIN users u ON u.id = c.creator_id
             LEFT JOIN course_stats s ON s.course_id = c.id
             LEFT JOIN rankings me ON me.course_id = c.id AND me.user_id = $2::uuid
             LEFT JOIN course_occupations occ ON occ.course_id = c.id
             LEFT JOIN crews cr ON cr.id = occ.crew_id
            WHERE c.is_public AND (${boxes.join(' OR ')})
            LIMIT $1`,
    values,
  };
}

export async function coursesInBounds(db: Queryable, envelopes: Envelope[], limit: number, userId: string | undefined): Promise<MarkerRow[]> {
  const sql = boundsSql(envelopes, limit, userId);
  const { rows } = await db.query<MarkerRow>(sql.text, sql.values);
  return rows;
}

export interface DetailRow {
  [key: string]: unknown;
  id: string;
  owner_id: string;
  title: string;
  description: string | null;
  /** Never null: courses.route_geometry is NOT NULL. */
  route: { coordinates: number[][] };
  distance_meters: number;
  estimated_duration_seconds: number | null;
  elevation_gain_meters: number;
  elevation_profile: number[] | null;
  thumbnail_url: string | null;
  is_public: boolean;
  difficulty: Difficulty | null;
  tags: string[];
  like_count: number;
  created_at: Date;
  creator_nickname: string | null;
  creator_avatar_url: string | null;
  dominion: CourseDominion | null;
}

export interface CourseDominion {
  crew_id: string;
  crew_name: string;
  crew_logo_url: string | null;
  crew_badge_color: string;
  crew_badge_icon: string;
  avg_duration_seconds: number;
  top_members: { user_id: string; nickname: string | null; avatar_url: string | null; best_duration_seconds: number }[];
  dominated_since: string;
}

// The crew holding the course (crews/occupation.ts), with its three best members on it.
const DOMINION = `(SELECT json_build_object(
    'crew_id', cr.id, 'crew_name', cr.name, 'crew_logo_url', cr.logo_url, 'crew_badge_color', cr.badge_color,
    'crew_badge_icon', cr.badge_icon, 'avg_duration_seconds', occ.avg_duration_seconds,
    'top_members', (SELECT coalesce(json_agg(json_build_object('user_id', tu.id, 'nickname', tu.nickname, 'avatar_url', tu.avatar_url,
                                                               'best_duration_seconds', tr.best_duration_seconds) ORDER BY t.n), '[]')
                      FROM unnest(occ.top_member_ids) WITH ORDINALITY AS t(user_id, n)
                      JOIN users tu ON tu.id = t.user_id
                      JOIN rankings tr ON tr.course_id = occ.course_id AND tr.user_id = t.user_id),
    'dominated_since', to_char(occ.occupied_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
   FROM course_occupations occ JOIN crews cr ON cr.id = occ.crew_id WHERE occ.course_id = c.id)`;

export async function findCourseDetail(db: Queryable, id: string): Promise<DetailRow | undefined> {
  const { rows } = await db.query<DetailRow>(
    `SELECT c.id, c.creator_id AS owner_id, c.title, c.description, ST_AsGeoJSON(c.route_geometry)::json AS route,
            c.distance_meters, c.estimated_duration_seconds, c.elevation_gain_meters, c.elevation_profile, c.thumbnail_url,
            c.is_public, c.difficulty, c.tags, ${LIKE_COUNT} AS like_count, c.created_at,
            u.nickname AS creator_nickname, u.avatar_url AS creator_avatar_url, ${DOMINION} AS dominion
       FROM courses c JOIN users u ON u.id = c.creator_id
      WHERE c.id = $1`,
    [id],
  );
  return rows[0];
}

export interface StatsRow {
  [key: string]: unknown;
  id: string;
  owner_id: string;
  is_public: boolean;
  total_runs: number | null;
  unique_runners: number | null;
  avg_duration_seconds: number | null;
  avg_pace_seconds_per_km: number | null;
  best_duration_seconds: number | null;
  best_pace_seconds_per_km: number | null;
  completion_rate: number | null;
  runs_by_hour: Record<string, number> | null;
  updated_at: Date | null;
}

export async function findCourseStats(db: Queryable, id: string): Promise<StatsRow | undefined> {
  const { rows } = await db.query<StatsRow>(
    `SELECT c.id, c.creator_id AS owner_id, c.is_public, s.total_runs, s.unique_runners, s.avg_duration_seconds,
            s.avg_pace_seconds_per_km, s.best_duration_seconds, s.best_pace_seconds_per_km, s.completion_rate,
            s.runs_by_hour, s.updated_at
       FROM courses c LEFT JOIN course_stats s ON s.course_id = c.id
      WHERE c.id = $1`,
    [id],
  );
  return rows[0];
}

/** The columns PATCH may set; the names are the body keys. */
export const EDITABLE_COLUMNS = ['title', 'description', 'is_public', 'tags', 'course_type', 'lap_count'] as const;
export type EditableColumn = (typeof EDITABLE_COLUMNS)[number];

export async function updateCourse(db: Queryable, id: string, changes: Partial<Record<EditableColumn, unknown>>) {
  const columns = EDITABLE_COLUMNS.filter((c) => changes[c] !== undefined);
  const sets = columns.map((c, i) => `${c} = $${i + 2}`);
  const { rows } = await db.query<{ id: string; title: string }>(
    `UPDATE courses SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING id, title`,
    [id, ...columns.map((c) => changes[c])],
  );
  return rows[0];
}

/**
 * Deletes a course. Runs on it stay in their owners' history with course_id NULL (their ranked time goes too:
 * ck_runs_course_duration allows it only with a course); sessions and events lose the link (ON DELETE SET NULL);
 * statistics, rankings, reviews, likes and favorites go with the course (CASCADE). Run inside a transaction.
 */
export async function deleteCourse(tx: Queryable, id: string): Promise<void> {
  await tx.query('UPDATE run_records SET course_id = NULL, course_duration_seconds = NULL WHERE course_id = $1', [id]);
  await tx.query('DELETE FROM courses WHERE id = $1', [id]);
}

export interface MyCourseRow {
  [key: string]: unknown;
  id: string;
  title: string;
  description: string | null;
  distance_meters: number;
  thumbnail_url: string | null;
  is_public: boolean;
  difficulty: Difficulty | null;
  course_type: 'normal' | 'loop' | null;
  lap_count: number | null;
  created_at: Date;
  total_runs: number;
  unique_runners: number;
  avg_pace_seconds_per_km: number | null;
}

export async function coursesOf(db: Queryable, userId: string): Promise<MyCourseRow[]> {
  const { rows } = await db.query<MyCourseRow>(
    `SELECT c.id, c.title, c.description, c.distance_meters, c.thumbnail_url, c.is_public, c.difficulty, c.course_type, c.lap_count,
            c.created_at, coalesce(s.total_runs, 0) AS total_runs, coalesce(s.unique_runners, 0) AS unique_runners, s.avg_pace_seconds_per_km
       FROM courses c LEFT JOIN course_stats s ON s.course_id = c.id
      WHERE c.creator_id = $1
      ORDER BY c.created_at DESC, c.id DESC`,
    [userId],
  );
  return rows;
}

/**
 * Replaces the route when the new one and the current one are nowhere more than `maxMeters` apart, both ways
 * (so a correction can neither wander off nor cut the course short): the discrete Hausdorff distance, measured on
 * the routes with longitudes scaled to the latitude (metres within a percent over a course's extent). The start
 * point and the distance follow the new route. Undefined when the routes are too far apart. Run in a transaction.
 */
export async function correctRoute(tx: Queryable, id: string, route: Position[], maxMeters: number) {
  const { rows } = await tx.query<{ id: string; distance_meters: number; deviation_meters: number; corrected: boolean }>(
    `WITH line AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($2), 4326) AS g),
          cur AS (SELECT c.id, c.route_geometry::geometry AS g, cos(radians(ST_Y(ST_StartPoint(c.route_geometry::geometry)))) AS k
                    FROM courses c WHERE c.id = $1),
          gap AS (SELECT ST_HausdorffDistance(ST_Scale(cur.g, cur.k, 1), ST_Scale(line.g, cur.k, 1)) * 111320 AS meters FROM cur, line),
          upd AS (UPDATE courses c SET route_geometry = line.g::geography, start_point = ST_StartPoint(line.g)::geography,
                                       distance_meters = greatest(1, round(ST_Length(line.g::geography))), updated_at = now()
                    FROM line, gap WHERE c.id = $1 AND gap.meters <= $3
                 RETURNING c.id, c.distance_meters)
     SELECT cur.id, coalesce(upd.distance_meters, 0) AS distance_meters, gap.meters AS deviation_meters, upd.id IS NOT NULL AS corrected
       FROM cur CROSS JOIN gap LEFT JOIN upd ON true`,
    [id, JSON.stringify({ type: 'LineString', coordinates: route }), maxMeters],
  );
  return rows[0];
}
