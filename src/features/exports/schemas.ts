import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../../infra/http/schemas.js';

export const RunParams = Type.Object({ run_id: Type.String({ format: 'uuid' }) });
export const ExportParams = Type.Object({ export_id: Type.String({ format: 'uuid' }) });

export const ExportStatus = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('processing'), Type.Literal('ready'), Type.Literal('failed')]),
  created_at: Type.String({ format: 'date-time' }),
  completed_at: Nullable(Type.String({ format: 'date-time' })),
  size_bytes: Nullable(Type.Integer({ description: 'Size of the ZIP archive once ready' })),
  download_url: Nullable(Type.String({ description: 'Absolute URL of the archive (needs the bearer token) once ready' })),
});
export type ExportStatus = Static<typeof ExportStatus>;

/** A file body, documented for OpenAPI; the handler sends it as is. */
export const FileBody = (contentType: string, description: string) => ({
  description,
  content: { [contentType]: { schema: Type.String({ format: 'binary' }) } },
});
