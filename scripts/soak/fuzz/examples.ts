// Known-good request bodies for operations whose rules go beyond their schema (a GPS track inside the session's
// time, a course made from the caller's own run, an event in the future): random values almost never pass them,
// so the fuzzer also starts from these and mutates them, reaching the success paths and their response schemas.
import { chunksOf, completionOf } from '../../../test/helpers/runs.js';
import { simulateRun } from '../../../test/helpers/tracks.js';
import { Ref } from './values.js';

/** Every world's run session starts at this offset before the fuzzing started (see world.ts). */
export const SESSION_LEAD_MS = 2 * 3600_000;

export function examples(epoch: number): Record<string, unknown> {
  const points = simulateRun({ path: [[0, 0], [1500, 0], [1500, 400]], speed: 3, noise: 3, startTime: epoch - 90 * 60_000 }).points;
  const chunks = chunksOf(points, 200);
  const day = 86_400_000;
  return {
    'POST /api/v1/runs/sessions/{session_id}/chunks': chunks[0],
    'POST /api/v1/runs/sessions/{session_id}/chunks/batch': { chunks },
    'POST /api/v1/runs/sessions/{session_id}/complete': completionOf(points, { total_chunks: chunks.length }),
    'POST /api/v1/runs/sessions/{session_id}/recover': {
      finished_at: new Date(points[points.length - 1]!.t).toISOString(),
      total_chunks: chunks.length,
      uploaded_chunk_sequences: chunks.map((c) => c.sequence),
    },
    'POST /api/v1/courses': {
      run_record_id: new Ref('run'),
      title: 'Fuzz course',
      distance_meters: 1200,
      estimated_duration_seconds: 600,
      elevation_gain_meters: 3,
      elevation_profile: [20, 21, 22],
      is_public: true,
      tags: ['fuzz'],
    },
    'POST /api/v1/events': {
      title: 'Fuzz run',
      course_id: new Ref('course'),
      starts_at: new Date(epoch + day).toISOString(),
      ends_at: new Date(epoch + 2 * day).toISOString(),
      max_participants: 10,
    },
    'PATCH /api/v1/events/{event_id}': { title: 'Renamed', description: 'Bring water' },
  };
}
