// Request and response schemas of the courses routes (API.md §5, §3 GET /users/me/courses; DECISIONS M1, M9).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, pageFields } from '../../infra/http/schemas.js';
import { RoutePreview } from './route-preview.js';
import { Checkpoint } from './checkpoints.js';

/** Longest route a course may have; denser runs are simplified to fit. */
export const MAX_ROUTE_POINTS = 10_000;
/** Widest box GET /courses/bounds answers, in degrees of latitude and of longitude. */
export const MAX_BOUNDS_SPAN_DEGREES = 45;

const Uuid = Type.String({ format: 'uuid' });
const Lat = Type.Number({ minimum: -90, maximum: 90 });
const Lng = Type.Number({ minimum: -180, maximum: 180 });
const Difficulty = Nullable(Type.Union([Type.Literal('easy'), Type.Literal('normal'), Type.Literal('hard')]));

export const CourseId = Type.Object({ course_id: Uuid });

// Title, description and tags are trimmed before validation (see normaliseCourseBody).
const Title = Type.String({ minLength: 2, maxLength: 30 });
const Description = Type.String({ maxLength: 500 });
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 30 }), { maxItems: 10 });
const CourseType = Type.Union([Type.Literal('normal'), Type.Literal('loop')], { description: 'A loop course is run lap_count times' });
const LapCount = Type.Integer({ minimum: 1, maximum: 100 });

/** [lng, lat] or [lng, lat, alt]; the ranges are checked by the service (OpenAPI 3.0 has no tuple schema). */
const Position = Type.Array(Type.Number(), { minItems: 2, maxItems: 3 });

// Numbers the app sends as floats are accepted and rounded before storing (M1).
export const CreateCourseBody = Type.Object({
  run_record_id: Uuid,
  title: Title,
  description: Type.Optional(Nullable(Description)),
  route_geometry: Type.Optional(
    Nullable(
      Type.Object(
        { type: Type.Optional(Type.String({ maxLength: 30 })), coordinates: Type.Array(Position, { maxItems: MAX_ROUTE_POINTS }) },
        { description: 'GeoJSON LineString; with fewer than 2 distinct positions the run’s own route is used' },
      ),
    ),
  ),
  distance_meters: Type.Number({ minimum: 1, maximum: 1_000_000 }),
  estimated_duration_seconds: Type.Number({ minimum: 1, maximum: 1_000_000 }),
  elevation_gain_meters: Type.Number({ minimum: 0, maximum: 50_000, default: 0 }),
  elevation_profile: Type.Array(Type.Number(), { maxItems: MAX_ROUTE_POINTS, default: [] }),
  is_public: Type.Boolean({ default: true }),
  tags: Type.Optional(Tags),
  course_type: Type.Optional(CourseType),
  lap_count: Type.Optional(LapCount),
});
export type CreateCourseBody = Static<typeof CreateCourseBody>;

export const CreatedCourse = Type.Object({
  id: Uuid,
  title: Type.String(),
  distance_meters: Type.Integer(),
  thumbnail_url: Type.String({ description: 'Stable address of the picture: it serves it once drawn' }),
  share_url: Type.String({ description: 'The course’s web page' }),
  created_at: DateTime,
});
export type CreatedCourse = Static<typeof CreatedCourse>;

const StatsSummary = Type.Object({
  total_runs: Type.Integer(),
  unique_runners: Type.Integer(),
  avg_pace_seconds_per_km: Nullable(Type.Integer()),
});

const Creator = Type.Object({ id: Uuid, nickname: Nullable(Type.String()), avatar_url: Nullable(Type.String()) });

export const ListQuery = Type.Object({
  search: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Title contains this text (literally)' })),
  min_distance: Type.Optional(Type.Number({ minimum: 0 })),
  max_distance: Type.Optional(Type.Number({ minimum: 0 })),
  near_lat: Type.Optional(Lat),
  near_lng: Type.Optional(Lng),
  near_radius: Type.Number({ minimum: 100, maximum: 100_000, default: 10_000 }),
  order_by: Type.Optional(
    Type.Union(
      [Type.Literal('created_at'), Type.Literal('total_runs'), Type.Literal('distance_meters'), Type.Literal('distance_from_user')],
      { description: 'Default created_at; with `search` and no order_by, best title matches first' },
    ),
  ),
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' }),
  ...pageFields(),
});
export type ListQuery = Static<typeof ListQuery>;

export const CourseListItem = Type.Object({
  id: Uuid,
  title: Type.String(),
  thumbnail_url: Nullable(Type.String()),
  distance_meters: Type.Integer(),
  estimated_duration_seconds: Nullable(Type.Integer()),
  elevation_gain_meters: Type.Integer(),
  difficulty: Difficulty,
  like_count: Type.Integer(),
  creator: Creator,
  stats: StatsSummary,
  created_at: DateTime,
  route_preview: RoutePreview,
  distance_from_user_meters: Type.Optional(Type.Number({ description: 'Only with near_lat and near_lng' })),
});
export type CourseListItem = Static<typeof CourseListItem>;

export const CourseList = Type.Object({ data: Type.Array(CourseListItem), total_count: Type.Integer(), has_next: Type.Boolean() });
export type CourseList = Static<typeof CourseList>;

export const NearbyQuery = Type.Object({
  lat: Lat,
  lng: Lng,
  radius: Type.Number({ minimum: 100, maximum: 50_000, default: 5000 }),
  limit: Type.Integer({ minimum: 1, maximum: 50, default: 5 }),
});
export type NearbyQuery = Static<typeof NearbyQuery>;

export const NearbyCourse = Type.Object({
  id: Uuid,
  title: Type.String(),
  thumbnail_url: Nullable(Type.String()),
  distance_meters: Type.Integer(),
  estimated_duration_seconds: Nullable(Type.Integer()),
  total_runs: Type.Integer(),
  avg_pace_seconds_per_km: Nullable(Type.Integer()),
  creator_nickname: Nullable(Type.String()),
  distance_from_user_meters: Type.Number(),
  difficulty: Difficulty,
  like_count: Type.Integer(),
  avg_rating: Nullable(Type.Number()),
  active_runners: Type.Integer(),
  route_preview: RoutePreview,
});
export type NearbyCourse = Static<typeof NearbyCourse>;

export const BoundsQuery = Type.Object({
  sw_lat: Lat,
  sw_lng: Lng,
  ne_lat: Lat,
  ne_lng: Lng,
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'The newer app asks for 500' }),
});
export type BoundsQuery = Static<typeof BoundsQuery>;

export const CourseMarker = Type.Object({
  id: Uuid,
  title: Type.String(),
  start_lat: Type.Number(),
  start_lng: Type.Number(),
  distance_meters: Type.Integer(),
  total_runs: Type.Integer(),
  difficulty: Difficulty,
  avg_rating: Nullable(Type.Number()),
  active_runners: Type.Integer(),
  is_new: Type.Boolean(),
  elevation_gain_meters: Type.Integer(),
  creator_nickname: Nullable(Type.String()),
  user_rank: Nullable(Type.Integer({ description: 'The caller’s rank on the course (null without a token or a ranked run)' })),
  dominion: Nullable(
    Type.Object(
      { crew_id: Uuid, crew_name: Type.String(), crew_badge_color: Type.String(), crew_logo_url: Nullable(Type.String()) },
      { description: 'The crew holding the course; null when none does' },
    ),
  ),
});
export type CourseMarker = Static<typeof CourseMarker>;

export const CourseDetail = Type.Object({
  id: Uuid,
  title: Type.String(),
  description: Nullable(Type.String()),
  route_geometry: Type.Object(
    { type: Type.Literal('LineString'), coordinates: Type.Array(Type.Array(Type.Number())) },
    { description: 'Positions [lng, lat, 0.0]' },
  ),
  distance_meters: Type.Integer(),
  estimated_duration_seconds: Nullable(Type.Integer()),
  elevation_gain_meters: Type.Integer(),
  elevation_profile: Type.Array(Type.Number()),
  thumbnail_url: Nullable(Type.String()),
  is_public: Type.Boolean(),
  difficulty: Difficulty,
  tags: Type.Array(Type.String()),
  like_count: Type.Integer(),
  created_at: DateTime,
  creator: Creator,
  dominion: Nullable(
    Type.Object(
      {
        crew_id: Uuid,
        crew_name: Type.String(),
        crew_logo_url: Nullable(Type.String()),
        crew_badge_color: Type.String(),
        crew_badge_icon: Type.String(),
        avg_duration_seconds: Type.Integer({ description: 'The average best time of its three best members on the course' }),
        top_members: Type.Array(
          Type.Object({ user_id: Uuid, nickname: Nullable(Type.String()), avatar_url: Nullable(Type.String()), best_duration_seconds: Type.Integer() }),
        ),
        dominated_since: DateTime,
      },
      { description: 'The crew holding the course (lowest average of its three best members’ best times); null when none does' },
    ),
  ),
  checkpoints: Type.Array(Checkpoint, { description: 'Start, every 500 m, finish (none within 200 m of it); empty under 1 km' }),
});
export type CourseDetail = Static<typeof CourseDetail>;

export const CourseStats = Type.Object({
  course_id: Uuid,
  total_runs: Type.Integer(),
  unique_runners: Type.Integer(),
  avg_duration_seconds: Nullable(Type.Integer()),
  avg_pace_seconds_per_km: Nullable(Type.Integer()),
  best_duration_seconds: Nullable(Type.Integer()),
  best_pace_seconds_per_km: Nullable(Type.Integer()),
  completion_rate: Type.Number(),
  runs_by_hour: Type.Record(Type.String(), Type.Integer(), { description: '{"HH": runs started in that hour}' }),
  updated_at: Nullable(DateTime),
});
export type CourseStats = Static<typeof CourseStats>;

// Absent or null keys stay unchanged (API.md); an empty description clears it.
export const UpdateCourseBody = Type.Object({
  title: Type.Optional(Nullable(Title)),
  description: Type.Optional(Nullable(Description)),
  is_public: Type.Optional(Nullable(Type.Boolean())),
  tags: Type.Optional(Nullable(Tags)),
  course_type: Type.Optional(Nullable(CourseType)),
  lap_count: Type.Optional(Nullable(LapCount)),
});
export type UpdateCourseBody = Static<typeof UpdateCourseBody>;

/** The newer app's route correction: small moves of the route, never a different one. */
export const MAX_ROUTE_CORRECTION_METERS = 50;
export const CorrectRouteBody = Type.Object({
  route_geometry: Type.Object(
    { type: Type.Optional(Type.String({ maxLength: 30 })), coordinates: Type.Array(Position, { minItems: 2, maxItems: MAX_ROUTE_POINTS }) },
    { description: `GeoJSON LineString [lng, lat, alt]; it and the current route may nowhere be more than ${MAX_ROUTE_CORRECTION_METERS} m apart` },
  ),
});
export type CorrectRouteBody = Static<typeof CorrectRouteBody>;
export const CorrectedRoute = Type.Object({ id: Uuid, distance_meters: Type.Integer(), corrected: Type.Literal(true) });
export type CorrectedRoute = Static<typeof CorrectedRoute>;

export const UpdatedCourse = Type.Object({ id: Uuid, title: Type.String(), updated: Type.Boolean() });
export type UpdatedCourse = Static<typeof UpdatedCourse>;

export const MyCourse = Type.Object({
  id: Uuid,
  title: Type.String(),
  description: Nullable(Type.String()),
  distance_meters: Type.Integer(),
  thumbnail_url: Nullable(Type.String()),
  is_public: Type.Boolean(),
  difficulty: Difficulty,
  course_type: Nullable(CourseType),
  lap_count: Nullable(Type.Integer()),
  created_at: DateTime,
  stats: StatsSummary,
});
export type MyCourse = Static<typeof MyCourse>;
