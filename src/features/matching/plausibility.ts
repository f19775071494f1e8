// Anti-cheat: is a run track something a person on foot could have produced?
import { haversineMeters, type TrackPoint } from './geo.js';

export type ImplausibleReason = 'sustained_speed' | 'teleport';

export interface Plausibility {
  plausible: boolean;
  reasons: ImplausibleReason[];
}

/**
 * Highest average speed allowed over any stretch of at least `seconds`: each is about 5 % above the best any human
 * has run for that long (outdoor men's world records), so only a world record, not a fast runner, comes near it and
 * GPS error cannot push an honest run over. A bicycle or car usually trips one of them; a slow cyclist (< 6 m/s)
 * cannot be told from an elite runner by speed alone.
 */
export const SUSTAINED_SPEED_LIMITS: readonly { seconds: number; mps: number }[] = [
  { seconds: 60, mps: 9.0 }, // best 1-minute average ≈ 8.6 m/s (500–600 m); the 400 m record (9.3 m/s) lasts 43 s
  { seconds: 300, mps: 7.5 }, // 1500 m 3:26.00 = 7.28 m/s, 2000 m 4:43.13 = 7.06 m/s
  { seconds: 1200, mps: 6.8 }, // 5000 m 12:35.36 = 6.62 m/s, 10,000 m 26:11.00 = 6.37 m/s
  { seconds: 3600, mps: 6.5 }, // half marathon 56:42 = 6.20 m/s
  { seconds: 7200, mps: 6.1 }, // marathon 2:00:35 = 5.83 m/s
];

/**
 * A jump between fixes faster than this (after the GPS allowance below) is a teleport: Usain Bolt's top speed was
 * 12.4 m/s, for about a second.
 */
export const TELEPORT_SPEED_MPS = 12.5;
/** Two fixes can each be off by the matcher's tolerance (30 m) in opposite directions. */
export const TELEPORT_NOISE_METERS = 60;
/** A jump that the track undoes within this many fixes is a bad fix (multipath spike), not a teleport. */
const SPIKE_FIXES = 3;
/** Speeds are measured between fixes at least this far apart, so GPS jitter does not add phantom distance. */
const SPEED_SAMPLE_MS = 10_000;

function reachable(a: TrackPoint, b: TrackPoint): boolean {
  const seconds = (b.t - a.t) / 1000;
  return haversineMeters(a.lat, a.lng, b.lat, b.lng) - TELEPORT_NOISE_METERS <= TELEPORT_SPEED_MPS * seconds;
}

/** Checks a run track (time order) for teleports and for sustained speeds no runner reaches. */
export function checkPlausibility(track: readonly TrackPoint[]): Plausibility {
  const reasons: ImplausibleReason[] = [];
  // Like prepareRun: unusable fixes and fixes whose time goes backwards are ignored.
  const fixes: TrackPoint[] = [];
  for (const p of track) {
    if (!Number.isFinite(p.lat) || !Number.isFinite(p.lng) || !Number.isFinite(p.t)) continue;
    if (fixes.length === 0 || p.t >= fixes[fixes.length - 1]!.t) fixes.push(p);
  }

  // Drop single bad fixes; flag jumps the track does not come back from, and split the track there so that the jump
  // itself does not count as running fast.
  const pieces: TrackPoint[][] = [[]];
  let piece = pieces[0]!;
  let prev: TrackPoint | undefined;
  for (let i = 0; i < fixes.length; i++) {
    const p = fixes[i]!;
    if (prev !== undefined && !reachable(prev, p)) {
      let spike = i + 1 >= fixes.length; // an unconfirmed jump at the very end is treated as a bad fix
      for (let q = i + 1; q <= i + SPIKE_FIXES && q < fixes.length && !spike; q++) spike = reachable(prev, fixes[q]!);
      if (spike) continue;
      if (!reasons.includes('teleport')) reasons.push('teleport');
      pieces.push((piece = []));
    }
    piece.push(p);
    prev = p;
  }
  if (pieces.some(tooFast)) reasons.push('sustained_speed');
  return { plausible: reasons.length === 0, reasons };
}

function tooFast(fixes: TrackPoint[]): boolean {
  // Fixes at least SPEED_SAMPLE_MS apart, with the distance run up to each.
  const times: number[] = [];
  const dist: number[] = [];
  let last: TrackPoint | undefined;
  for (const p of fixes) {
    if (last !== undefined && p.t - last.t < SPEED_SAMPLE_MS) continue;
    dist.push(last === undefined ? 0 : dist[dist.length - 1]! + haversineMeters(last.lat, last.lng, p.lat, p.lng));
    times.push(p.t);
    last = p;
  }
  return SUSTAINED_SPEED_LIMITS.some(({ seconds, mps }) => fasterThan(times, dist, seconds * 1000, mps));
}

/** Whether some stretch of at least `ms` (the shortest such from each sample) averages more than `mps`. */
function fasterThan(times: number[], dist: number[], ms: number, mps: number): boolean {
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    while (j < times.length && times[j]! - times[i]! < ms) j++;
    if (j === times.length) return false;
    if (((dist[j]! - dist[i]!) * 1000) / (times[j]! - times[i]!) > mps) return true;
  }
  return false;
}
