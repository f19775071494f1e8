// A run track projected once to local metres, so it can be matched against many candidate courses.
import { localProjection, projectX, projectY, type LocalProjection, type TrackPoint } from './geo.js';

export interface PreparedRun {
  /** number of usable points */
  readonly n: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** epoch ms */
  readonly t: Float64Array;
  readonly projection: LocalProjection;
  /** bounding box of the projected points */
  readonly minX: number;
  readonly maxX: number;
  readonly minY: number;
  readonly maxY: number;
}

function usable(p: TrackPoint): boolean {
  return Number.isFinite(p.lat) && Number.isFinite(p.lng) && Number.isFinite(p.t) && Math.abs(p.lat) <= 90;
}

/**
 * Projects a run around the centre of its bounding box. Points with non-finite values, and points whose time goes
 * backwards (the track is expected in time order), are dropped.
 */
export function prepareRun(track: readonly TrackPoint[]): PreparedRun {
  const kept: TrackPoint[] = [];
  for (const p of track) {
    if (usable(p) && (kept.length === 0 || p.t >= kept[kept.length - 1]!.t)) kept.push(p);
  }
  const n = kept.length;
  // Longitudes are taken relative to the first point so a track across the antimeridian has a sane centre.
  const ref = localProjection(0, n > 0 ? kept[0]!.lng : 0);
  let minLat = Infinity;
  let maxLat = -Infinity;
  let minDx = Infinity;
  let maxDx = -Infinity;
  for (const p of kept) {
    const dx = projectX(ref, p.lng) / ref.kx;
    if (p.lat < minLat) minLat = p.lat;
    if (p.lat > maxLat) maxLat = p.lat;
    if (dx < minDx) minDx = dx;
    if (dx > maxDx) maxDx = dx;
  }
  const projection = n > 0 ? localProjection((minLat + maxLat) / 2, ref.lng0 + (minDx + maxDx) / 2) : ref;

  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const t = new Float64Array(n);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const p = kept[i]!;
    const px = projectX(projection, p.lng);
    const py = projectY(projection, p.lat);
    x[i] = px;
    y[i] = py;
    t[i] = p.t;
    if (px < minX) minX = px;
    if (px > maxX) maxX = px;
    if (py < minY) minY = py;
    if (py > maxY) maxY = py;
  }
  return { n, x, y, t, projection, minX, maxX, minY, maxY };
}

/**
 * Squared distance from P to run segment s (points s and s+1). A segment longer than `maxSegSq` (a long recording gap)
 * says nothing about where the runner went in between, so only its two ends count.
 */
export function runSegmentDistanceSq(run: PreparedRun, s: number, px: number, py: number, maxSegSq: number): number {
  const ax = run.x[s]!;
  const ay = run.y[s]!;
  const vx = run.x[s + 1]! - ax;
  const vy = run.y[s + 1]! - ay;
  const len2 = vx * vx + vy * vy;
  const wx = px - ax;
  const wy = py - ay;
  if (len2 > maxSegSq) {
    const ex = wx - vx;
    const ey = wy - vy;
    return Math.min(wx * wx + wy * wy, ex * ex + ey * ey);
  }
  let u = len2 > 0 ? (wx * vx + wy * vy) / len2 : 0;
  if (u < 0) u = 0;
  else if (u > 1) u = 1;
  const dx = u * vx - wx;
  const dy = u * vy - wy;
  return dx * dx + dy * dy;
}

/** The position (0..1) on run segment s that `runSegmentDistanceSq` measured to. */
export function runSegmentParam(run: PreparedRun, s: number, px: number, py: number, maxSegSq: number): number {
  const ax = run.x[s]!;
  const ay = run.y[s]!;
  const vx = run.x[s + 1]! - ax;
  const vy = run.y[s + 1]! - ay;
  const len2 = vx * vx + vy * vy;
  if (len2 === 0) return 0;
  const wx = px - ax;
  const wy = py - ay;
  if (len2 > maxSegSq) {
    const ex = wx - vx;
    const ey = wy - vy;
    return wx * wx + wy * wy <= ex * ex + ey * ey ? 0 : 1;
  }
  const u = (wx * vx + wy * vy) / len2;
  return u < 0 ? 0 : u > 1 ? 1 : u;
}

/** Time (epoch ms) at position u on run segment s. */
export function timeOnSegment(run: PreparedRun, s: number, u: number): number {
  const t0 = run.t[s]!;
  return t0 + u * (run.t[s + 1]! - t0);
}
