// A Strava activity as one of our runs (RULES.md §13.3 with the GAPS fix: Strava's own distance and moving time
// are kept, not recomputed from the track). The streams give the route, the timed track for course matching,
// the elevation loss and profile, and per-km splits.
import type { LngLat, TrackPoint } from '../matching/geo.js';
import type { RunRecordValues } from '../runs/pipeline.js';
import type { StravaActivity, StravaStreams } from './client.js';

export const RUN_TYPES: readonly string[] = ['Run', 'TrailRun', 'VirtualRun'];

/** Runs only: by sport_type, or by the legacy type when Strava gives no sport_type. */
export const isRun = (a: Pick<StravaActivity, 'type' | 'sport_type'>) => RUN_TYPES.includes(a.sport_type ?? a.type ?? '');

/** RULES.md §12.3: anything shorter is not a run worth keeping. */
const MIN_DISTANCE_M = 100;
const MIN_DURATION_S = 30;
/** Altitude changes smaller than this are GPS/barometer noise (RULES.md §12.2). */
const ELEVATION_HYSTERESIS_M = 2;
const MAX_PROFILE_POINTS = 500;

export interface ImportedRun {
  values: RunRecordValues;
  route: LngLat[];
  track: TrackPoint[];
  summary: {
    distance_meters: number;
    duration_seconds: number;
    avg_pace_seconds_per_km: number | null;
    elevation_gain_meters: number;
    elevation_loss_meters: number;
    point_count: number;
    source_device: string;
  };
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const round2 = (x: number) => Math.round(x * 100) / 100;

function elevationLoss(altitudes: readonly number[]): number {
  let ref: number | undefined;
  let loss = 0;
  for (const a of altitudes) {
    if (!finite(a)) continue;
    if (ref === undefined) ref = a;
    else if (Math.abs(a - ref) >= ELEVATION_HYSTERESIS_M) {
      if (a < ref) loss += ref - a;
      ref = a;
    }
  }
  return Math.round(loss);
}

function sample<T>(values: readonly T[], max: number): T[] {
  if (values.length <= max) return [...values];
  return Array.from({ length: max }, (_, i) => values[Math.round((i * (values.length - 1)) / (max - 1))]!);
}

/** Per-km splits from Strava's cumulative distance and time; the trailing partial kilometre is left out. */
function splits(distance: readonly number[], time: readonly number[], altitude: readonly number[] | undefined) {
  const out: { split_number: number; distance_meters: number; duration_seconds: number; pace_seconds_per_km: number; elevation_change_meters: number }[] = [];
  let start = 0;
  for (let i = 1; i < distance.length && i < time.length; i++) {
    const meters = distance[i]! - distance[start]!;
    if (meters < 1000) continue;
    const seconds = time[i]! - time[start]!;
    const climb = altitude && finite(altitude[i]) && finite(altitude[start]) ? altitude[i]! - altitude[start]! : 0;
    out.push({
      split_number: out.length + 1,
      distance_meters: Math.round(meters),
      duration_seconds: Math.round(seconds),
      pace_seconds_per_km: Math.round((seconds * 1000) / meters),
      elevation_change_meters: Math.round(climb * 10) / 10,
    });
    start = i;
  }
  return out;
}

/** The run to store for `a`, or why it cannot be one. */
export function buildRun(a: StravaActivity, streams: StravaStreams): ImportedRun | { error: string } {
  const distance = Math.round(a.distance);
  const moving = Math.round(a.moving_time);
  if (distance < MIN_DISTANCE_M) return { error: `The activity is shorter than ${MIN_DISTANCE_M} m` };
  if (moving < MIN_DURATION_S) return { error: `The activity is shorter than ${MIN_DURATION_S} s` };

  const startedAt = new Date(a.start_date);
  const elapsed = Math.max(moving, Math.round(a.elapsed_time));
  const latlng = streams.latlng ?? [];
  const time = streams.time ?? [];
  const route: LngLat[] = [];
  const track: TrackPoint[] = [];
  latlng.forEach((p, i) => {
    if (!Array.isArray(p) || !finite(p[0]) || !finite(p[1])) return;
    route.push([p[1], p[0]]);
    if (finite(time[i])) track.push({ lat: p[0], lng: p[1], t: startedAt.getTime() + time[i] * 1000 });
  });
  const altitudes = (streams.altitude ?? []).filter(finite);
  const runSplits = streams.distance && streams.time ? splits(streams.distance, streams.time, streams.altitude) : [];
  const pace = Math.round((moving * 1000) / distance);
  const values: RunRecordValues = {
    distance_meters: distance,
    duration_seconds: moving,
    total_elapsed_seconds: elapsed,
    avg_pace_seconds_per_km: pace,
    best_pace_seconds_per_km: runSplits.length > 0 ? Math.min(...runSplits.map((s) => s.pace_seconds_per_km)) : null,
    avg_speed_ms: round2(a.average_speed ?? distance / moving),
    max_speed_ms: a.max_speed === null ? null : round2(a.max_speed),
    calories: null,
    elevation_gain_meters: Math.round(a.total_elevation_gain),
    elevation_loss_meters: elevationLoss(altitudes),
    elevation_profile: altitudes.length > 0 ? sample(altitudes, MAX_PROFILE_POINTS) : null,
    splits: runSplits,
    pause_intervals: [],
    filter_config: null,
    started_at: startedAt,
    finished_at: new Date(startedAt.getTime() + elapsed * 1000),
  };
  return {
    values,
    route,
    track,
    summary: {
      distance_meters: distance,
      duration_seconds: moving,
      avg_pace_seconds_per_km: pace,
      elevation_gain_meters: values.elevation_gain_meters,
      elevation_loss_meters: values.elevation_loss_meters,
      point_count: route.length,
      source_device: `Strava/${a.sport_type ?? a.type ?? 'Run'}`,
    },
  };
}
