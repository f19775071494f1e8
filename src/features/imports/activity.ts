// A parsed activity file turned into a run: distance from the track, moving time without pauses, elevation,
// per-km splits, and the summary shown on the import.
//
// Moving time: the recorder's own timer when the file states it (FIT timer events or session timer, TCX lap
// times); otherwise the elapsed time minus every gap between two fixes longer than PAUSE_GAP_SECONDS in which the
// runner moved slower than PAUSE_MAX_SPEED (an app that stops recording on auto-pause leaves exactly such a gap; a
// gap in which the runner kept moving is lost GPS, and counts as running).
import type { LngLat, TrackPoint } from '../matching/geo.js';
import { haversineMeters } from '../matching/geo.js';
import type { RunRecordValues } from '../runs/pipeline.js';
import { ImportFileError, type ActivityPoint, type ParsedActivity } from './parse/types.js';

export const PAUSE_GAP_SECONDS = 30;
export const PAUSE_MAX_SPEED = 0.5;
/** RULES.md §12.2: the reference altitude moves only by steps of at least this much. */
const ELEVATION_HYSTERESIS = 2;
/** Activities shorter than this are not runs (RULES.md §12.3). */
const MIN_DISTANCE = 100;
const MIN_DURATION = 30;
const PROFILE_POINTS = 500;
const EARLIEST = Date.UTC(2000, 0, 1);
const CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface ImportSummary {
  distance_meters: number;
  duration_seconds: number;
  total_elapsed_seconds: number;
  avg_pace_seconds_per_km: number | null;
  elevation_gain_meters: number;
  elevation_loss_meters: number;
  point_count: number;
  source_device: string | null;
}

export interface BuiltRun {
  values: RunRecordValues;
  route: LngLat[];
  track: TrackPoint[];
  summary: ImportSummary;
  activityKey: string | null;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The part of [a, b] covered by the spans (which do not overlap each other). */
function overlap(a: number, b: number, spans: readonly [number, number][]): number {
  let total = 0;
  for (const [from, to] of spans) total += Math.max(0, Math.min(b, to) - Math.max(a, from));
  return total;
}

function elevation(points: readonly ActivityPoint[]): { gain: number; loss: number } {
  let gain = 0;
  let loss = 0;
  let ref: number | null = null;
  for (const { ele } of points) {
    if (ele === null || ele === 0) continue; // 0 is what many recorders write for "unknown"
    if (ref === null) ref = ele;
    else if (Math.abs(ele - ref) >= ELEVATION_HYSTERESIS) {
      if (ele > ref) gain += ele - ref;
      else loss += ref - ele;
      ref = ele;
    }
  }
  return { gain: Math.round(gain), loss: Math.round(loss) };
}

/** Altitudes along the run, thinned to at most PROFILE_POINTS values. */
function profile(points: readonly ActivityPoint[]): number[] | null {
  const alts = points.flatMap((p) => (p.ele === null || p.ele === 0 ? [] : [Math.round(p.ele * 10) / 10]));
  if (alts.length === 0) return null;
  const step = Math.max(1, Math.ceil(alts.length / PROFILE_POINTS));
  return alts.filter((_, i) => i % step === 0);
}

export function buildRun(activity: ParsedActivity, now: Date): BuiltRun {
  const { points } = activity;
  if (points.length < 2) throw new ImportFileError('The file has no recorded track (fewer than two timed GPS points)');
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (first.t < EARLIEST) throw new ImportFileError("The file's timestamps are not valid (before the year 2000)");
  if (last.t > now.getTime() + CLOCK_SKEW_MS) throw new ImportFileError("The file's timestamps lie in the future");

  // Per step: its length, and how much of its time was moving.
  let distance = 0;
  let pausedMs = 0;
  const gapPauses: [number, number][] = [];
  const stepMeters = [0];
  const stepMovingMs = [0];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const meters = haversineMeters(a.lat, a.lng, b.lat, b.lng);
    const dt = b.t - a.t;
    const gap = dt > PAUSE_GAP_SECONDS * 1000 && meters / (dt / 1000) < PAUSE_MAX_SPEED;
    if (gap) gapPauses.push([a.t, b.t]);
    const paused = gap ? dt : overlap(a.t, b.t, activity.pauses);
    pausedMs += paused;
    distance += meters;
    stepMeters.push(meters);
    stepMovingMs.push(dt - paused);
  }
  const elapsed = (last.t - first.t) / 1000;
  const moving = activity.timerSeconds !== null ? Math.min(elapsed, Math.max(0, activity.timerSeconds)) : elapsed - pausedMs / 1000;

  const distanceMeters = Math.round(distance);
  const duration = Math.round(moving);
  if (distanceMeters < MIN_DISTANCE) throw new ImportFileError(`The activity is shorter than ${MIN_DISTANCE} m`);
  if (duration < MIN_DURATION) throw new ImportFileError(`The activity is shorter than ${MIN_DURATION} seconds`);

  // Per-km splits: moving time and altitude change over each full kilometre; the last partial one is dropped.
  const splits: { split_number: number; distance_meters: number; duration_seconds: number; pace_seconds_per_km: number; elevation_change_meters: number }[] = [];
  let splitMeters = 0;
  let splitMs = 0;
  let splitStart = 0;
  for (let i = 1; i < points.length; i++) {
    splitMeters += stepMeters[i]!;
    splitMs += stepMovingMs[i]!;
    if (splitMeters >= 1000) {
      const seconds = Math.round(splitMs / 1000);
      const from = points[splitStart]!.ele;
      const to = points[i]!.ele;
      splits.push({
        split_number: splits.length + 1,
        distance_meters: Math.round(splitMeters * 10) / 10,
        duration_seconds: seconds,
        pace_seconds_per_km: Math.round((seconds * 1000) / splitMeters),
        elevation_change_meters: from !== null && to !== null ? Math.round((to - from) * 10) / 10 : 0,
      });
      splitMeters = 0;
      splitMs = 0;
      splitStart = i;
    }
  }

  const { gain, loss } = elevation(points);
  const speeds = points.flatMap((p) => (p.speed === null ? [] : [p.speed]));
  const avgPace = Math.round((duration * 1000) / distanceMeters);
  const pauses = [...activity.pauses, ...gapPauses].sort((a, b) => a[0] - b[0]);
  const values: RunRecordValues = {
    distance_meters: distanceMeters,
    duration_seconds: duration,
    total_elapsed_seconds: Math.round(elapsed),
    avg_pace_seconds_per_km: avgPace,
    best_pace_seconds_per_km: splits.length > 0 ? Math.min(...splits.map((s) => s.pace_seconds_per_km)) : null,
    avg_speed_ms: round2(distance / moving),
    max_speed_ms: speeds.length > 0 ? round2(speeds.reduce((a, b) => Math.max(a, b))) : null,
    calories: activity.calories === null ? null : Math.round(activity.calories),
    elevation_gain_meters: gain,
    elevation_loss_meters: loss,
    elevation_profile: profile(points),
    splits,
    pause_intervals: pauses.map(([from, to]) => ({ paused_at: new Date(from).toISOString(), resumed_at: new Date(to).toISOString() })),
    filter_config: null,
    started_at: new Date(first.t),
    finished_at: new Date(last.t),
  };
  return {
    values,
    route: points.map((p) => [p.lng, p.lat] as const),
    track: points.map((p) => ({ lat: p.lat, lng: p.lng, t: p.t })),
    summary: {
      distance_meters: distanceMeters,
      duration_seconds: duration,
      total_elapsed_seconds: Math.round(elapsed),
      avg_pace_seconds_per_km: avgPace,
      elevation_gain_meters: gain,
      elevation_loss_meters: loss,
      point_count: points.length,
      source_device: activity.sourceDevice,
    },
    activityKey: activity.activityKey,
  };
}
