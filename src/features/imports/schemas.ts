// Request and response schemas of the imports routes (API.md §12).
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, pageFields } from '../../infra/http/schemas.js';

const Uuid = Type.String({ format: 'uuid' });

/** Documents the multipart body; the handler reads the stream itself (see routes.ts). */
export const ImportUploadBody = Type.Object({
  file: Type.String({ format: 'binary', description: 'A GPX, TCX or FIT activity file (decided from its bytes)' }),
});

export const ImportAccepted = Type.Object({
  import_id: Uuid,
  status: Type.String({ examples: ['pending'] }),
  message: Type.String(),
});
export type ImportAccepted = Static<typeof ImportAccepted>;

export const ImportParams = Type.Object({ import_id: Uuid });
export type ImportParams = Static<typeof ImportParams>;

export const ImportListQuery = Type.Object({
  ...pageFields(),
});
export type ImportListQuery = Static<typeof ImportListQuery>;

const ImportSummary = Type.Object({
  distance_meters: Type.Integer(),
  duration_seconds: Type.Integer({ description: 'Moving time: pauses recorded in the file are left out' }),
  total_elapsed_seconds: Nullable(Type.Integer()),
  avg_pace_seconds_per_km: Nullable(Type.Integer()),
  elevation_gain_meters: Type.Integer(),
  elevation_loss_meters: Type.Integer(),
  point_count: Type.Integer(),
  source_device: Nullable(Type.String()),
});

const CourseMatch = Type.Object({
  course_id: Uuid,
  course_title: Type.String(),
  match_percent: Type.Number(),
  is_completed: Type.Boolean(),
});

export const ImportDetail = Type.Object({
  id: Uuid,
  source: Type.Union([Type.Literal('gpx_upload'), Type.Literal('fit_upload'), Type.Literal('tcx_upload'), Type.Literal('strava')]),
  status: Type.Union([Type.Literal('pending'), Type.Literal('processing'), Type.Literal('completed'), Type.Literal('failed')]),
  external_id: Nullable(Type.String()),
  original_filename: Nullable(Type.String()),
  import_summary: Nullable(ImportSummary),
  course_match: Nullable(CourseMatch),
  run_record_id: Nullable(Uuid),
  error_message: Nullable(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
});
export type ImportDetail = Static<typeof ImportDetail>;

export const ImportPage = Type.Object({
  data: Type.Array(ImportDetail),
  total_count: Type.Integer(),
  has_next: Type.Boolean(),
});
export type ImportPage = Static<typeof ImportPage>;
