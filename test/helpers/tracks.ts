// Synthetic, deterministic GPS runs for the matcher tests. Geometry is written in metres east/north of ORIGIN.
import type { TrackPoint } from '../../src/features/matching/geo.js';

export type XY = readonly [number, number];

/** Seoul City Hall. */
const ORIGIN = { lat: 37.5665, lng: 126.978 };
const M_PER_DEG = 6_371_008.8 * (Math.PI / 180);

export function toLatLng([x, y]: XY): { lat: number; lng: number } {
  return {
    lat: ORIGIN.lat + y / M_PER_DEG,
    lng: ORIGIN.lng + x / (M_PER_DEG * Math.cos((ORIGIN.lat * Math.PI) / 180)),
  };
}

/** A course as stored: [lng, lat] vertices; with `step`, extra vertices every `step` m like a recorded course. */
export function course(waypoints: readonly XY[], step?: number): [number, number][] {
  const pts = step === undefined ? waypoints : resample(waypoints, step);
  return pts.map((p) => {
    const { lat, lng } = toLatLng(p);
    return [lng, lat];
  });
}

function pathLength(path: readonly XY[]): number {
  let d = 0;
  for (let i = 1; i < path.length; i++) d += Math.hypot(path[i]![0] - path[i - 1]![0], path[i]![1] - path[i - 1]![1]);
  return d;
}

/** The point `d` metres along the path (clamped to its ends). */
function pointAt(path: readonly XY[], d: number): XY {
  let left = Math.max(0, d);
  for (let i = 1; i < path.length; i++) {
    const [ax, ay] = path[i - 1]!;
    const [bx, by] = path[i]!;
    const len = Math.hypot(bx - ax, by - ay);
    if (left <= len && len > 0) return [ax + ((bx - ax) * left) / len, ay + ((by - ay) * left) / len];
    left -= len;
  }
  return path[path.length - 1]!;
}

function resample(path: readonly XY[], step: number): XY[] {
  const total = pathLength(path);
  const out: XY[] = [];
  for (let d = 0; d < total; d += step) out.push(pointAt(path, d));
  out.push(path[path.length - 1]!);
  return out;
}

/** Concatenates paths, dropping a repeated joint vertex. */
export function join(...paths: (readonly XY[])[]): XY[] {
  const out: XY[] = [];
  for (const p of paths) {
    for (const v of p) {
      const last = out[out.length - 1];
      if (!last || last[0] !== v[0] || last[1] !== v[1]) out.push(v);
    }
  }
  return out;
}

/** The part of a path from `from` to `to` metres along it. */
export function slice(path: readonly XY[], from: number, to: number): XY[] {
  const out: XY[] = [pointAt(path, from)];
  let d = 0;
  for (let i = 1; i < path.length; i++) {
    d += Math.hypot(path[i]![0] - path[i - 1]![0], path[i]![1] - path[i - 1]![1]);
    if (d > from && d < to) out.push(path[i]!);
  }
  out.push(pointAt(path, to));
  return out;
}

/** mulberry32: small seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

export interface RunPlan {
  /** waypoints the runner follows, in metres */
  path: readonly XY[];
  seed?: number;
  /** m/s: constant, a [min, max] range wandered through at random, or a function of the distance run */
  speed?: number | readonly [number, number] | ((distance: number) => number);
  /** epoch ms of the first fix */
  startTime?: number;
  /** standard deviation per axis (m) of the GPS error, which drifts slowly (correlated over ~20 s) like real GPS */
  noise?: number;
  /** no fixes for `seconds` from the moment the runner reaches `at` metres (GPS lost; the runner keeps going) */
  gaps?: readonly { at: number; seconds: number }[];
  /** the runner stands still at `at` metres for `seconds` (fixes keep coming) */
  pauses?: readonly { at: number; seconds: number }[];
  /** seconds between fixes (default 1) */
  interval?: number;
}

export interface SimulatedRun {
  points: TrackPoint[];
  /** the true moment (epoch ms) the runner first reached `distance` metres along the path */
  timeAt(distance: number): number;
}

/** Simulates a runner along `plan.path` and the GPS fixes their phone records. */
export function simulateRun(plan: RunPlan): SimulatedRun {
  const rand = prng(plan.seed ?? 1);
  const total = pathLength(plan.path);
  const t0 = plan.startTime ?? Date.UTC(2025, 4, 1, 6, 0, 0);
  const speedPlan = plan.speed ?? [2.5, 4];
  const pauses = [...(plan.pauses ?? [])].sort((a, b) => a.at - b.at);

  // The true motion: knots (time ms, distance m), linear in between.
  const kt: number[] = [t0];
  const kd: number[] = [0];
  let t = t0;
  let d = 0;
  let v = typeof speedPlan === 'object' ? (speedPlan[0] + speedPlan[1]) / 2 : 3;
  let nextPause = 0;
  while (d < total) {
    if (typeof speedPlan === 'number') v = speedPlan;
    else if (typeof speedPlan === 'function') v = speedPlan(d);
    else v = Math.min(speedPlan[1], Math.max(speedPlan[0], v + 0.15 * gaussian(rand)));
    let nd = Math.min(total, d + v);
    let nt = t + ((nd - d) / v) * 1000;
    const pause = pauses[nextPause];
    if (pause && pause.at <= nd) {
      nt = t + ((pause.at - d) / v) * 1000;
      nd = pause.at;
      kt.push(nt);
      kd.push(nd);
      nt += pause.seconds * 1000;
      nextPause++;
    }
    kt.push(nt);
    kd.push(nd);
    t = nt;
    d = nd;
  }

  const timeAt = (distance: number): number => {
    for (let i = 1; i < kd.length; i++) {
      if (kd[i]! >= distance) {
        const span = kd[i]! - kd[i - 1]!;
        return span > 0 ? kt[i - 1]! + ((distance - kd[i - 1]!) / span) * (kt[i]! - kt[i - 1]!) : kt[i - 1]!;
      }
    }
    return kt[kt.length - 1]!;
  };
  const distanceAt = (time: number): number => {
    for (let i = 1; i < kt.length; i++) {
      if (kt[i]! >= time) {
        const span = kt[i]! - kt[i - 1]!;
        return span > 0 ? kd[i - 1]! + ((time - kt[i - 1]!) / span) * (kd[i]! - kd[i - 1]!) : kd[i]!;
      }
    }
    return total;
  };

  const gaps = (plan.gaps ?? []).map((g) => [timeAt(g.at), timeAt(g.at) + g.seconds * 1000] as const);
  const sigma = plan.noise ?? 0;
  const rho = Math.exp(-1 / 20);
  const innovation = sigma * Math.sqrt(1 - rho * rho);
  let ex = sigma * gaussian(rand);
  let ey = sigma * gaussian(rand);
  const points: TrackPoint[] = [];
  const end = kt[kt.length - 1]!;
  const interval = (plan.interval ?? 1) * 1000;
  for (let ft = t0; ft <= end + 1e-6; ft += interval) {
    ex = rho * ex + innovation * gaussian(rand);
    ey = rho * ey + innovation * gaussian(rand);
    if (gaps.some(([a, b]) => ft > a && ft < b)) continue;
    const [x, y] = pointAt(plan.path, distanceAt(ft));
    const jitter = sigma > 0 ? 1 : 0;
    points.push({ ...toLatLng([x + ex + jitter * gaussian(rand), y + ey + jitter * gaussian(rand)]), t: ft });
  }
  return { points, timeAt };
}
