// Request and response schemas of the runs routes (API.md §6 and GET /users/me/runs of §3).
// Fields the old server typed int accept any JSON number and are rounded before storing (M1).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, pageFields } from '../../infra/http/schemas.js';
import { RunnerLevel } from '../users/schemas.js';
import { RoutePreview } from '../courses/route-preview.js';

const Uuid = Type.String({ format: 'uuid' });

/** An int field of the old API: any number in range, rounded half up when stored (M1). */
const IntLike = (minimum: number, maximum: number, options: object = {}) =>
  Type.Number({ minimum, maximum, description: 'Integer; a fractional value is rounded', ...options });

const INT_MAX = 2_147_483_647;
/** Most positions in a run route or a chunk: 14 hours at 1 Hz. */
export const MAX_ROUTE_POINTS = 50_000;
/** Most points per chunk: the app sends one every km or 5 minutes (300 fixes at 1 Hz); fits the body limit. */
export const MAX_CHUNK_POINTS = 5_000;
/** Chunk sequences run from 0; a run of 24 h with a chunk a minute needs 1,440. */
export const MAX_CHUNK_SEQUENCE = 100_000;

/** ISO 8601; without an offset it is read as UTC (the old server parsed leniently). */
export const Instant = Type.String({
  pattern: String.raw`^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$`,
  maxLength: 40,
  examples: ['2026-02-17T03:04:05.123Z'],
});

/** Unix time in milliseconds, between 2000 and 2100. */
const EpochMs = Type.Number({ minimum: 946_684_800_000, maximum: 4_102_444_800_000, description: 'Unix time (ms)' });
const Lat = Type.Number({ minimum: -90, maximum: 90 });
const Lng = Type.Number({ minimum: -180, maximum: 180 });
const Short = (maxLength: number) => Type.String({ maxLength });

export const SessionParams = Type.Object({ session_id: Uuid });
export type SessionParams = Static<typeof SessionParams>;
export const RunParams = Type.Object({ run_id: Uuid });
export type RunParams = Static<typeof RunParams>;

const DeviceInfo = Type.Object({
  platform: Short(50),
  os_version: Short(50),
  device_model: Short(100),
  app_version: Short(50),
});

export const CreateSessionBody = Type.Object({
  course_id: Type.Optional(Nullable(Uuid)),
  started_at: Instant,
  device_info: Type.Optional(Nullable(DeviceInfo)),
});
export type CreateSessionBody = Static<typeof CreateSessionBody>;

export const SessionCreated = Type.Object({ session_id: Uuid, created_at: DateTime });

const RawGpsPoint = Type.Object({
  lat: Lat,
  lng: Lng,
  alt: Type.Number({ default: 0 }),
  speed: Type.Number({ default: 0 }),
  bearing: Type.Number({ default: 0 }),
  accuracy: Type.Number({ default: 0 }),
  timestamp: EpochMs,
});

const FilteredPoint = Type.Object({
  lat: Lat,
  lng: Lng,
  timestamp: EpochMs,
  alt: Type.Number({ default: 0 }),
  speed: Type.Number({ default: 0 }),
  bearing: Type.Number({ default: 0 }),
  is_interpolated: Type.Boolean({ default: false }),
});

const ChunkSummary = Type.Object({
  distance_meters: Type.Number({ minimum: 0 }),
  duration_seconds: IntLike(0, INT_MAX),
  avg_pace_seconds_per_km: IntLike(0, INT_MAX, { default: 0 }),
  elevation_change_meters: Type.Number({ default: 0 }),
  point_count: IntLike(0, INT_MAX),
  start_timestamp: Type.Number(),
  end_timestamp: Type.Number(),
});

const CumulativeSummary = Type.Object({
  total_distance_meters: Type.Number({ minimum: 0, maximum: INT_MAX }),
  total_duration_seconds: IntLike(0, INT_MAX),
  avg_pace_seconds_per_km: IntLike(0, INT_MAX, { default: 0 }),
});

const SplitInfo = Type.Object({
  split_number: IntLike(0, INT_MAX),
  duration_seconds: IntLike(0, INT_MAX),
  pace_seconds_per_km: IntLike(0, INT_MAX),
  elevation_change_meters: Type.Number({ default: 0 }),
});

const PauseInterval = Type.Object({ paused_at: Short(64), resumed_at: Short(64) });

export const ChunkBody = Type.Object({
  session_id: Type.Optional(Short(100)),
  sequence: IntLike(0, MAX_CHUNK_SEQUENCE),
  chunk_type: Type.Union([Type.Literal('intermediate'), Type.Literal('final')]),
  raw_gps_points: Type.Array(RawGpsPoint, { maxItems: MAX_CHUNK_POINTS }),
  filtered_points: Type.Optional(Nullable(Type.Array(FilteredPoint, { maxItems: MAX_CHUNK_POINTS }))),
  chunk_summary: ChunkSummary,
  cumulative: CumulativeSummary,
  completed_splits: Type.Array(SplitInfo, { default: [], maxItems: 1000 }),
  pause_intervals: Type.Array(PauseInterval, { default: [], maxItems: 1000 }),
});
export type ChunkBody = Static<typeof ChunkBody>;

export const ChunkStored = Type.Object({ chunk_id: Uuid, sequence: Type.Integer(), received_at: DateTime });
export type ChunkStored = Static<typeof ChunkStored>;

export const ChunkBatchBody = Type.Object({
  session_id: Type.Optional(Short(100)),
  chunks: Type.Array(ChunkBody, { maxItems: 100 }),
});
export type ChunkBatchBody = Static<typeof ChunkBatchBody>;

export const ChunkBatchResult = Type.Object({
  received_sequences: Type.Array(Type.Integer()),
  failed_sequences: Type.Array(Type.Integer()),
});
export type ChunkBatchResult = Static<typeof ChunkBatchResult>;

const RunSplit = Type.Object({
  split_number: Type.Optional(Nullable(IntLike(0, INT_MAX))),
  distance_meters: Type.Number({ minimum: 0 }),
  duration_seconds: IntLike(0, INT_MAX),
  pace_seconds_per_km: IntLike(0, INT_MAX),
  elevation_change_meters: Type.Number({ default: 0 }),
});

/** The goal the runner set (the newer app's RunGoalData): stored and returned as sent, unknown keys dropped. */
export const RunGoal = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 20, pattern: '^[a-z_]+$', description: 'distance, time, pace, program, interval' }),
    value: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 10_000_000 }))),
    intervalRunSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
    intervalWalkSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
    intervalSets: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    targetTime: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1_000_000 }))),
    cadenceBPM: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 400 }))),
  },
  { additionalProperties: false },
);
export type RunGoal = Static<typeof RunGoal>;

const Position = Type.Array(Type.Number(), { minItems: 2, maxItems: 4, description: '[lng, lat] or [lng, lat, alt]; more values are ignored' });

export const CompleteBody = Type.Object({
  distance_meters: IntLike(0, 10_000_000),
  duration_seconds: IntLike(0, INT_MAX),
  total_elapsed_seconds: Type.Optional(Nullable(IntLike(0, INT_MAX))),
  avg_pace_seconds_per_km: Type.Optional(Nullable(IntLike(0, INT_MAX))),
  best_pace_seconds_per_km: Type.Optional(Nullable(IntLike(0, INT_MAX))),
  calories: Type.Optional(Nullable(IntLike(0, INT_MAX))),
  avg_speed_ms: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1000 }))),
  max_speed_ms: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1000 }))),
  finished_at: Instant,
  route_geometry: Type.Object({
    type: Type.String({ default: 'LineString', maxLength: 20 }),
    coordinates: Type.Array(Position, { maxItems: MAX_ROUTE_POINTS }),
  }),
  elevation_gain_meters: IntLike(-INT_MAX, INT_MAX, { default: 0 }),
  elevation_loss_meters: IntLike(-INT_MAX, INT_MAX, { default: 0 }),
  elevation_profile: Type.Array(Type.Number(), { default: [], maxItems: MAX_ROUTE_POINTS }),
  splits: Type.Array(RunSplit, { default: [], maxItems: 1000 }),
  pause_intervals: Type.Array(PauseInterval, { default: [], maxItems: 1000 }),
  course_completion: Type.Optional(
    Nullable(
      Type.Object(
        {
          is_completed: Type.Boolean(),
          max_deviation_meters: Type.Number(),
          deviation_points: Type.Number(),
          route_match_percent: Type.Number(),
        },
        { description: 'Accepted for compatibility and ignored: the server decides course completion (M8)' },
      ),
    ),
  ),
  filter_config: Type.Optional(
    Nullable(
      Type.Object({
        kalman_q: Type.Number(),
        kalman_r_base: Type.Number(),
        outlier_speed_threshold: Type.Number(),
        outlier_accuracy_threshold: Type.Number(),
      }),
    ),
  ),
  total_chunks: IntLike(0, MAX_CHUNK_SEQUENCE, { default: 0 }),
  uploaded_chunk_sequences: Type.Array(Type.Number(), { default: [], maxItems: MAX_CHUNK_SEQUENCE }),
  gear_id: Type.Optional(
    Nullable(Type.String({ format: 'uuid', description: 'The caller’s gear the run is counted on; absent: their primary gear; null: none' })),
  ),
  goal_data: Type.Optional(Nullable(RunGoal)),
});
export type CompleteBody = Static<typeof CompleteBody>;

const Ranking = Type.Object(
  {
    rank: Type.Integer({ minimum: 1 }),
    total_runners: Type.Integer({ minimum: 1 }),
    is_personal_best: Type.Boolean(),
  },
  { description: 'Left out when the run ranks on no course' },
);

export const UserStatsUpdate = Type.Object({
  total_distance_meters: Type.Integer(),
  total_runs: Type.Integer(),
  streak_days: Type.Integer(),
  runner_level: RunnerLevel,
});

export const RunCompleted = Type.Object({
  run_record_id: Uuid,
  ranking: Type.Optional(Ranking),
  user_stats_update: UserStatsUpdate,
  missing_chunk_sequences: Type.Array(Type.Integer()),
  points_earned: Type.Integer({ description: '1 per 100 m and 30 for a completed course; 0 for an implausible run' }),
});
export type RunCompleted = Static<typeof RunCompleted>;

export const RecoverBody = Type.Object({
  finished_at: Instant,
  total_chunks: IntLike(0, MAX_CHUNK_SEQUENCE),
  uploaded_chunk_sequences: Type.Array(Type.Number(), { default: [], maxItems: MAX_CHUNK_SEQUENCE }),
});
export type RecoverBody = Static<typeof RecoverBody>;

export const RunRecovered = Type.Object({
  run_record_id: Uuid,
  recovered_distance_meters: Type.Integer(),
  recovered_duration_seconds: Type.Integer(),
  missing_chunk_sequences: Type.Array(Type.Integer()),
});
export type RunRecovered = Static<typeof RunRecovered>;

const CourseRef = Type.Object({ id: Uuid, title: Type.String(), distance_meters: Type.Integer() });

const SplitOut = Type.Object({
  split_number: Nullable(Type.Integer()),
  distance_meters: Type.Number(),
  duration_seconds: Type.Integer(),
  pace_seconds_per_km: Type.Integer(),
  elevation_change_meters: Type.Number(),
});

export const RunDetail = Type.Object({
  id: Uuid,
  user_id: Uuid,
  course_id: Nullable(Uuid),
  distance_meters: Type.Integer(),
  duration_seconds: Type.Integer(),
  total_elapsed_seconds: Nullable(Type.Integer()),
  avg_pace_seconds_per_km: Nullable(Type.Integer()),
  best_pace_seconds_per_km: Nullable(Type.Integer()),
  avg_speed_ms: Nullable(Type.Number()),
  max_speed_ms: Nullable(Type.Number()),
  calories: Nullable(Type.Integer()),
  elevation_gain_meters: Type.Integer(),
  elevation_loss_meters: Type.Integer(),
  route_geometry: Nullable(
    Type.Object({
      type: Type.Literal('LineString'),
      coordinates: Type.Array(Type.Array(Type.Number()), { description: '[lng, lat, 0.0] positions' }),
    }),
  ),
  elevation_profile: Nullable(Type.Array(Type.Number())),
  splits: Nullable(Type.Array(SplitOut)),
  started_at: DateTime,
  finished_at: DateTime,
  course: Nullable(CourseRef),
  course_completion: Type.Optional(
    Type.Object(
      {
        is_completed: Type.Boolean(),
        route_match_percent: Type.Number(),
        ranking_at_time: Nullable(Type.Integer()),
      },
      { description: 'Left out for a run matched to no course' },
    ),
  ),
  goal_data: Nullable(RunGoal),
});
export type RunDetail = Static<typeof RunDetail>;

export const MyRunsQuery = Type.Object({
  ...pageFields(),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Replaces per_page when given' })),
  order_by: Type.Union([Type.Literal('finished_at'), Type.Literal('distance_meters'), Type.Literal('duration_seconds')], {
    default: 'finished_at',
  }),
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' }),
});
export type MyRunsQuery = Static<typeof MyRunsQuery>;

export const RunHistoryItem = Type.Object({
  id: Uuid,
  distance_meters: Type.Integer(),
  duration_seconds: Type.Integer(),
  avg_pace_seconds_per_km: Nullable(Type.Integer()),
  elevation_gain_meters: Type.Integer(),
  started_at: DateTime,
  finished_at: DateTime,
  course: Nullable(CourseRef),
  route_preview: RoutePreview,
  goal_data: Nullable(RunGoal),
});

export const RunHistoryPage = Type.Object({
  data: Type.Array(RunHistoryItem),
  total_count: Type.Integer(),
  has_next: Type.Boolean(),
});
export type RunHistoryPage = Static<typeof RunHistoryPage>;
