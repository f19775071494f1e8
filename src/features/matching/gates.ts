// Passing a course's start and finish gates, with the time interpolated where the run crosses the gate line.
import type { Gate } from './course.js';
import { runSegmentDistanceSq, runSegmentParam, timeOnSegment, type PreparedRun } from './track.js';

/**
 * A moment of the run: on run segment `seg` (points seg, seg+1), at epoch ms `time`. `short` is how many metres of
 * the course the run missed at this gate when it did not cross the gate line (recording started past the start or
 * stopped before the finish); the matcher charges them at the runner's pace so that stopping early gains nothing.
 */
export interface RunMoment {
  seg: number;
  time: number;
  short: number;
}

export interface GateParams {
  /** within this distance of the gate point the gate counts as reached (m) */
  radius: number;
  /** a visit to the gate ends only when the run is this far away (m); the margin absorbs GPS jitter at the edge */
  exitRadius: number;
  /** see runSegmentDistanceSq */
  maxSegSq: number;
}

/**
 * Visits of the run to a gate: maximal runs of consecutive segments within `exitRadius` of the gate point that come
 * within `radius` at least once. Returned flat as [firstSeg0, lastSeg0, firstSeg1, lastSeg1, …] in time order.
 */
export function gateVisits(run: PreparedRun, g: Gate, p: GateParams): number[] {
  const visits: number[] = [];
  const r2 = p.radius * p.radius;
  const exit2 = p.exitRadius * p.exitRadius;
  let first = -1;
  let touched = false;
  for (let s = 0; s < run.n - 1; s++) {
    const d = runSegmentDistanceSq(run, s, g.x, g.y, p.maxSegSq);
    if (d <= exit2) {
      if (first < 0) first = s;
      if (d <= r2) touched = true;
    } else if (first >= 0) {
      if (touched) visits.push(first, s - 1);
      first = -1;
      touched = false;
    }
  }
  if (first >= 0 && touched) visits.push(first, run.n - 2);
  return visits;
}

/**
 * Where segment s crosses the gate line forwards within `radius` of the gate point: the position 0..1 on the
 * segment, or -1 when it does not.
 */
function forwardCrossing(run: PreparedRun, s: number, g: Gate, radius: number): number {
  const ax = run.x[s]! - g.x;
  const ay = run.y[s]! - g.y;
  const bx = run.x[s + 1]! - g.x;
  const by = run.y[s + 1]! - g.y;
  const along0 = ax * g.dx + ay * g.dy;
  const along1 = bx * g.dx + by * g.dy;
  if (!(along0 < 0 && along1 >= 0)) return -1;
  const u = along0 / (along0 - along1);
  const lateral = (ax + u * (bx - ax)) * g.dy - (ay + u * (by - ay)) * g.dx;
  return Math.abs(lateral) <= radius ? u : -1;
}

/**
 * The run's closest approach to the gate point on segments first..last; `sign` +1 at a start (metres past the line
 * were missed), -1 at a finish (metres before the line were).
 */
function closestApproach(run: PreparedRun, g: Gate, first: number, last: number, maxSegSq: number, sign: 1 | -1): RunMoment {
  let best = Infinity;
  let seg = first;
  for (let s = first; s <= last; s++) {
    const d = runSegmentDistanceSq(run, s, g.x, g.y, maxSegSq);
    if (d < best) {
      best = d;
      seg = s;
    }
  }
  const u = runSegmentParam(run, seg, g.x, g.y, maxSegSq);
  const px = run.x[seg]! + u * (run.x[seg + 1]! - run.x[seg]!);
  const py = run.y[seg]! + u * (run.y[seg + 1]! - run.y[seg]!);
  const along = (px - g.x) * g.dx + (py - g.y) * g.dy;
  return { seg, time: timeOnSegment(run, seg, u), short: Math.max(0, sign * along) };
}

/**
 * When the run left through the start gate during the visit first..last. GPS drifts by several metres while a runner
 * waits at the start, often across the start line and back, so the run is timed where it last crossed, forwards, the
 * line `timingAt` metres into the course (`timing`), and those metres are reported as `short` (charged at the
 * runner's pace by the caller). When it never crosses that line within the visit (recording started further in), the
 * closest approach to the start point is used instead.
 */
export function startMoment(
  run: PreparedRun,
  start: Gate,
  timing: Gate,
  timingAt: number,
  first: number,
  last: number,
  p: GateParams,
): RunMoment {
  for (let s = last; s >= first; s--) {
    const u = forwardCrossing(run, s, timing, p.radius);
    if (u >= 0) return { seg: s, time: timeOnSegment(run, s, u), short: timingAt };
  }
  return closestApproach(run, start, first, last, p.maxSegSq, 1);
}

/**
 * When the run reached the finish, searching from segment `from` (where the last course point was covered) while
 * the run stays near the finish: the first forward crossing of the finish line, or else the closest approach to the
 * finish point (a recording stopped just short of the line).
 */
export function finishMoment(run: PreparedRun, g: Gate, from: number, p: GateParams): RunMoment {
  const exit2 = p.exitRadius * p.exitRadius;
  let last = from;
  for (let s = from; s < run.n - 1; s++) {
    if (s > from && runSegmentDistanceSq(run, s, g.x, g.y, p.maxSegSq) > exit2) break;
    const u = forwardCrossing(run, s, g, p.radius);
    if (u >= 0) return { seg: s, time: timeOnSegment(run, s, u), short: 0 };
    last = s;
  }
  return closestApproach(run, g, from, last, p.maxSegSq, -1);
}
