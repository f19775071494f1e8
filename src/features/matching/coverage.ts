// Which course points a run covers: in the course's order (for completion), or anywhere (for a failed match's %).
import type { DenseCourse } from './course.js';
import { runSegmentDistanceSq, type PreparedRun } from './track.js';

export interface CoverParams {
  /** squared tolerance: a course point is covered when a run segment passes this close (m²) */
  tolSq: number;
  /** see runSegmentDistanceSq */
  maxSegSq: number;
  /** longest stretch of course (m) that a recording gap may bridge */
  maxGap: number;
}

/**
 * Over a recording gap the course stretch skipped must be runnable in the gap's time at this speed, a pace only elite
 * middle-distance runners hold for a minute (the 800 m world record averages 7.9 m/s over 101 s).
 */
const BRIDGE_MAX_SPEED_MPS = 7;
/** … and at most this many times the straight line across the gap (a right-angle corner needs √2), plus one step. */
const BRIDGE_DETOUR_FACTOR = 1.5;

/**
 * Covers the course points in order, starting at run segment `startSeg` with point 0 (the start gate) done: each
 * point k takes the earliest run segment at or after point k-1's that passes within tolerance. Taking the earliest
 * never hurts the points after it, so this finds an in-order cover whenever one exists, in O(run + course) time;
 * and a later start can only cover less (which the caller uses to stop early).
 * Fills segOf[k] for the points covered and returns how many were (course.m when complete).
 */
export function coverInOrder(
  run: PreparedRun,
  course: DenseCourse,
  startSeg: number,
  segOf: Int32Array,
  p: CoverParams,
): number {
  const lastSeg = run.n - 2;
  const { m, x, y } = course;
  segOf[0] = startSeg;
  let s = startSeg;
  let k = 1;
  while (k < m) {
    if (runSegmentDistanceSq(run, s, x[k]!, y[k]!, p.maxSegSq) <= p.tolSq) {
      segOf[k++] = s;
      continue;
    }
    // The run lost GPS where it had covered point k-1 (the gap's straight line passes within tolerance of it):
    // accept the corner it cut if that is plausible.
    if (runSegmentDistanceSq(run, s, x[k - 1]!, y[k - 1]!, p.maxSegSq) <= p.tolSq) {
      const j = bridgeEnd(run, course, s, k, p);
      if (j > 0) {
        while (k < j) segOf[k++] = s;
        continue;
      }
    }
    if (++s > lastSeg) break;
  }
  return k;
}

/**
 * If run segment s is a recording gap across which the course bends away (so points from k on are not within
 * tolerance of its straight line), the first point after k that the segment covers again, when the skipped stretch
 * is short enough and could have been run in the gap's time. Otherwise -1.
 */
function bridgeEnd(run: PreparedRun, course: DenseCourse, s: number, k: number, p: CoverParams): number {
  const chordSq = (run.x[s + 1]! - run.x[s]!) ** 2 + (run.y[s + 1]! - run.y[s]!) ** 2;
  if (chordSq > p.maxSegSq) return -1;
  const seconds = (run.t[s + 1]! - run.t[s]!) / 1000;
  const maxSkip = Math.min(
    p.maxGap,
    BRIDGE_DETOUR_FACTOR * Math.sqrt(chordSq) + course.step,
    BRIDGE_MAX_SPEED_MPS * seconds,
  );
  const base = course.cum[k - 1]!;
  for (let j = k + 1; j < course.m && course.cum[j]! - base <= maxSkip; j++) {
    if (runSegmentDistanceSq(run, s, course.x[j]!, course.y[j]!, p.maxSegSq) <= p.tolSq) return j;
  }
  return -1;
}

export interface Deviation {
  /** asymmetric Hausdorff distance (m): the farthest any course point is from the run near where it was covered */
  maxMeters: number;
  /** course points within tolerance of the run (the ends within the gate radius) */
  covered: number;
}

/**
 * Distances from each course point to the run, after a complete in-order cover. Point k is measured against the run
 * segments from where it was covered up to where the point 2·tolerance further on was (the closest approach usually
 * comes after the first segment in tolerance), so a later lap passing by does not hide a deviation. Bridged points
 * count with their real (larger) distance.
 */
export function deviation(
  run: PreparedRun,
  course: DenseCourse,
  segOf: Int32Array,
  finishSeg: number,
  p: CoverParams,
  gateRadius: number,
): Deviation {
  const { m, x, y } = course;
  const ahead = Math.ceil((2 * Math.sqrt(p.tolSq)) / course.step) + 1;
  const gateSq = gateRadius * gateRadius;
  let max = 0;
  let covered = 0;
  for (let k = 0; k < m; k++) {
    const hi = k + ahead >= m - 1 ? finishSeg : segOf[k + ahead]!;
    let best = Infinity;
    for (let s = segOf[k]!; s <= hi; s++) {
      const d = runSegmentDistanceSq(run, s, x[k]!, y[k]!, p.maxSegSq);
      if (d < best) best = d;
    }
    if (best <= (k === 0 || k === m - 1 ? Math.max(gateSq, p.tolSq) : p.tolSq)) covered++;
    if (best > max) max = best;
  }
  return { maxMeters: Math.sqrt(max), covered };
}

/** Cells per side of the grid at most, so a very long course does not get a huge grid. */
const GRID_MAX_CELLS = 256;

/**
 * How many course points are within tolerance of the run anywhere, in any order. A grid over the course points
 * (cells at least the tolerance wide) makes each run segment look at only the few points near it.
 */
export function coveredAnywhere(run: PreparedRun, course: DenseCourse, p: CoverParams): number {
  const { m, x, y } = course;
  const tol = Math.sqrt(p.tolSq);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let k = 0; k < m; k++) {
    minX = Math.min(minX, x[k]!);
    maxX = Math.max(maxX, x[k]!);
    minY = Math.min(minY, y[k]!);
    maxY = Math.max(maxY, y[k]!);
  }
  const cell = Math.max(tol, (maxX - minX) / GRID_MAX_CELLS, (maxY - minY) / GRID_MAX_CELLS);
  const nx = Math.floor((maxX - minX) / cell) + 1;
  const ny = Math.floor((maxY - minY) / cell) + 1;
  // Counting sort of the points by cell: points of cell c are items[start[c] .. start[c+1]-1].
  const start = new Int32Array(nx * ny + 1);
  const cellOf = new Int32Array(m);
  for (let k = 0; k < m; k++) {
    const c = Math.floor((y[k]! - minY) / cell) * nx + Math.floor((x[k]! - minX) / cell);
    cellOf[k] = c;
    start[c + 1]!++;
  }
  for (let c = 0; c < nx * ny; c++) start[c + 1]! += start[c]!;
  const fill = start.slice(0, nx * ny);
  const items = new Int32Array(m);
  for (let k = 0; k < m; k++) items[fill[cellOf[k]!]!++] = k;

  const done = new Uint8Array(m);
  let count = 0;
  let seg = 0;
  // Marks the uncovered points in the cells overlapping the box grown by the tolerance that run segment `seg` covers.
  const scan = (x0: number, y0: number, x1: number, y1: number): void => {
    const cx0 = Math.max(0, Math.floor((x0 - tol - minX) / cell));
    const cy0 = Math.max(0, Math.floor((y0 - tol - minY) / cell));
    const cx1 = Math.min(nx - 1, Math.floor((x1 + tol - minX) / cell));
    const cy1 = Math.min(ny - 1, Math.floor((y1 + tol - minY) / cell));
    for (let cy = cy0; cy <= cy1; cy++) {
      for (let cx = cx0; cx <= cx1; cx++) {
        const c = cy * nx + cx;
        for (let i = start[c]!; i < start[c + 1]!; i++) {
          const k = items[i]!;
          if (done[k] === 0 && runSegmentDistanceSq(run, seg, x[k]!, y[k]!, p.maxSegSq) <= p.tolSq) {
            done[k] = 1;
            count++;
          }
        }
      }
    }
  };
  for (; seg < run.n - 1 && count < m; seg++) {
    const ax = run.x[seg]!;
    const ay = run.y[seg]!;
    const bx = run.x[seg + 1]!;
    const by = run.y[seg + 1]!;
    if ((bx - ax) ** 2 + (by - ay) ** 2 > p.maxSegSq) {
      // A long gap segment covers only near its ends: look around each end, not its whole box.
      scan(ax, ay, ax, ay);
      scan(bx, by, bx, by);
    } else {
      scan(Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by));
    }
  }
  return count;
}
