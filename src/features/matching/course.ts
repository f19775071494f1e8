// A course resampled at a uniform spacing in a run's projection, and its start and finish gates.
import { projectX, projectY, type LngLat, type LocalProjection } from './geo.js';

export interface DenseCourse {
  /** number of points (≥ 2) */
  readonly m: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** metres along the course at each point */
  readonly cum: Float64Array;
  /** distance between consecutive points (≤ the requested spacing) */
  readonly step: number;
}

/**
 * A gate: a point of the course and the course's direction of travel there (unit vector). Crossing the line through
 * the point perpendicular to that direction, forwards, is passing the gate.
 */
export interface Gate {
  readonly x: number;
  readonly y: number;
  readonly dx: number;
  readonly dy: number;
}

/** How far along the course the gate direction is measured, so one noisy vertex does not turn the gate. */
const GATE_DIRECTION_METERS = 20;

/**
 * Resamples the course every `spacing` metres or less (uniformly, ending exactly on the last vertex), so that every
 * stretch of the course, including long straight segments with no vertices, has to be covered by the run.
 * Returns null for a course with fewer than two distinct usable points.
 */
export function densifyCourse(route: readonly LngLat[], proj: LocalProjection, spacing: number): DenseCourse | null {
  const vx: number[] = [];
  const vy: number[] = [];
  for (const c of route) {
    if (!Number.isFinite(c[0]) || !Number.isFinite(c[1])) continue;
    vx.push(projectX(proj, c[0]));
    vy.push(projectY(proj, c[1]));
  }
  const vcum = [0];
  for (let i = 1; i < vx.length; i++) {
    vcum.push(vcum[i - 1]! + Math.hypot(vx[i]! - vx[i - 1]!, vy[i]! - vy[i - 1]!));
  }
  const total = vcum[vcum.length - 1]!;
  if (vx.length < 2 || !(total > 0)) return null;

  const m = Math.ceil(total / spacing) + 1;
  const step = total / (m - 1);
  const x = new Float64Array(m);
  const y = new Float64Array(m);
  const cum = new Float64Array(m);
  let v = 0; // vertex segment [v, v+1] holding the current sample
  for (let k = 0; k < m; k++) {
    const s = k === m - 1 ? total : k * step;
    while (v < vx.length - 2 && vcum[v + 1]! < s) v++;
    const len = vcum[v + 1]! - vcum[v]!;
    const u = len > 0 ? Math.min(1, Math.max(0, (s - vcum[v]!) / len)) : 0;
    x[k] = vx[v]! + u * (vx[v + 1]! - vx[v]!);
    y[k] = vy[v]! + u * (vy[v + 1]! - vy[v]!);
    cum[k] = s;
  }
  return { m, x, y, cum, step };
}

/** The same course travelled backwards (to recognise a run in the wrong direction). */
export function reverseCourse(c: DenseCourse): DenseCourse {
  const { m } = c;
  const x = new Float64Array(m);
  const y = new Float64Array(m);
  const cum = new Float64Array(m);
  const total = c.cum[m - 1]!;
  for (let k = 0; k < m; k++) {
    x[k] = c.x[m - 1 - k]!;
    y[k] = c.y[m - 1 - k]!;
    cum[k] = total - c.cum[m - 1 - k]!;
  }
  return { m, x, y, cum, step: c.step };
}

function gate(px: number, py: number, dx: number, dy: number): Gate {
  const len = Math.hypot(dx, dy);
  return len > 0 ? { x: px, y: py, dx: dx / len, dy: dy / len } : { x: px, y: py, dx: 1, dy: 0 };
}

export function startGate(c: DenseCourse): Gate {
  let j = 1;
  while (j < c.m - 1 && c.cum[j]! < GATE_DIRECTION_METERS) j++;
  return gate(c.x[0]!, c.y[0]!, c.x[j]! - c.x[0]!, c.y[j]! - c.y[0]!);
}

/**
 * The gate at the course point about `meters` in, facing along the course there, and that point's exact distance in.
 * Runs are timed from here (see startMoment).
 */
export function timingGate(c: DenseCourse, meters: number): { gate: Gate; at: number } {
  let j = 0;
  while (j < c.m - 1 && c.cum[j]! < meters) j++;
  const a = Math.max(0, j - 1);
  const b = Math.min(c.m - 1, j + 1);
  return { gate: gate(c.x[j]!, c.y[j]!, c.x[b]! - c.x[a]!, c.y[b]! - c.y[a]!), at: c.cum[j]! };
}

export function finishGate(c: DenseCourse): Gate {
  const last = c.m - 1;
  const total = c.cum[last]!;
  let j = last - 1;
  while (j > 0 && total - c.cum[j]! < GATE_DIRECTION_METERS) j--;
  return gate(c.x[last]!, c.y[last]!, c.x[last]! - c.x[j]!, c.y[last]! - c.y[j]!);
}
