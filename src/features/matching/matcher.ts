// Server-side course matching: did a run cover a whole course, in order, from start gate to finish gate, and how fast?
// Usage: const run = prepareRun(points); for each candidate: if (couldComplete(run, route)) matchCourse(run, route).
import { densifyCourse, finishGate, reverseCourse, startGate, timingGate, type DenseCourse } from './course.js';
import { coverInOrder, coveredAnywhere, deviation, type CoverParams } from './coverage.js';
import { finishMoment, gateVisits, startMoment, type GateParams } from './gates.js';
import { projectX, projectY, type LngLat } from './geo.js';
import { runSegmentDistanceSq, type PreparedRun } from './track.js';

export interface MatchOptions {
  /** a course point is covered when the run passes within this distance (m) */
  toleranceMeters?: number;
  /** the start and finish count as passed within this distance of the course's first/last point (m) */
  gateRadiusMeters?: number;
  /** the course is resampled at this spacing (m) before matching */
  spacingMeters?: number;
  /** longest recording gap (m of straight line, and m of course) that still counts as covering the course */
  maxGapMeters?: number;
}

/**
 * - tolerance 30 m, the top of DECISIONS' 20–30 m: phone GPS error drifts slowly, so a run strays 3 standard
 *   deviations from the course for whole stretches now and then. In simulation, runs with 8 m error per axis
 *   (≈ 11 m RMS, a poor phone in a city) always completed at 30 m but 2–9 % failed at 25 m; with 10 m per axis, ~5 %
 *   still fail. A street one block away (≥ 50 m) still does not count.
 * - gate 30 m: the run must pass this close to the course's first point (and is timed there, see startMoment).
 * - spacing 10 m: well under the tolerance, so every stretch of course is checked; a 1,000 m course is 101 points.
 * - gap 250 m: a 30–60 s loss of GPS at running pace (tunnels, underpasses) is bridged; longer losses are unknown.
 */
export const MATCH_DEFAULTS: Readonly<Required<MatchOptions>> = {
  toleranceMeters: 30,
  gateRadiusMeters: 30,
  spacingMeters: 10,
  maxGapMeters: 250,
};

/** A gate visit lasts until the run is this many gate radii away (hysteresis against GPS jitter at the edge). */
const GATE_EXIT_FACTOR = 1.5;
/** Runs are timed from this far into the course (see startMoment); well beyond GPS drift while standing still. */
const START_TIMING_METERS = 20;
/** "Wrong direction" needs at least this share of the course covered backwards (and more than forwards). */
const WRONG_WAY_MIN_SHARE = 0.5;

export type MatchFailure =
  | 'not_enough_points' // the run has < 2 usable points or the course < 2 distinct points
  | 'start_not_reached' // the run never passed the start gate
  | 'wrong_direction' // the run covered the course backwards
  | 'incomplete_coverage' // the run reached the finish but skipped part of the course (a shortcut)
  | 'finish_not_reached' // the run followed the course and ended before the finish
  | 'off_route'; // the run left the course and did not come back to the finish

export interface CourseAttempt {
  /** epoch ms when the run passed the start gate */
  start_time: number;
  /** epoch ms when the run passed the finish gate */
  finish_time: number;
  elapsed_seconds: number;
}

export interface CourseMatch {
  completed: boolean;
  reason: MatchFailure | null;
  /**
   * Share of the course's points (0–100, 1 decimal) within tolerance of the run: of the best attempt when completed
   * (below 100 only where a GPS gap was bridged), otherwise anywhere in the run in any order.
   */
  match_percent: number;
  /** asymmetric Hausdorff distance course → run of the best attempt (m, 1 decimal); null when not completed */
  max_deviation_meters: number | null;
  /** the best (fastest) complete attempt; null when not completed */
  start_time: number | null;
  finish_time: number | null;
  /** finish gate minus start gate, in seconds (ms precision) */
  elapsed_seconds: number | null;
  /** most complete attempts that do not overlap in time (laps of a loop, repeats of a course) */
  laps: number;
  /** every complete attempt in time order, at most one per finish */
  attempts: CourseAttempt[];
}

interface Matching {
  run: PreparedRun;
  course: DenseCourse;
  cover: CoverParams;
  gate: GateParams;
  segOf: Int32Array;
}

interface Attempt {
  /** first run segment of the start-gate visit (where covering began) */
  startSeg: number;
  /** run segments where the start and the finish were timed */
  timedSeg: number;
  finishSeg: number;
  start: number;
  finish: number;
}

interface Scan {
  visits: number;
  /** complete attempts in start order (their finishes come in order too) */
  done: Attempt[];
  /** when none is complete: course points covered in order by the first attempt, and its last run segment */
  progress: number;
  stuckSeg: number;
}

/** Tries an attempt from every visit to the start gate, in time order. */
function scanAttempts(mt: Matching): Scan {
  const { run, course, segOf } = mt;
  const sg = startGate(course);
  const timing = timingGate(course, START_TIMING_METERS);
  const fg = finishGate(course);
  const visits = gateVisits(run, sg, mt.gate);
  const scan: Scan = { visits: visits.length / 2, done: [], progress: 0, stuckSeg: -1 };
  for (let v = 0; v < visits.length; v += 2) {
    const first = visits[v]!;
    const start = startMoment(run, sg, timing.gate, timing.at, first, visits[v + 1]!, mt.gate);
    const k = coverInOrder(run, course, first, segOf, mt.cover);
    if (k < course.m) {
      if (scan.done.length === 0) {
        scan.progress = k;
        scan.stuckSeg = segOf[k - 1]!;
      }
      break; // a later start covers no more than this one did
    }
    const finish = finishMoment(run, fg, segOf[course.m - 1]!, mt.gate);
    // Metres missed at a gate are charged at the attempt's own pace.
    const length = course.cum[course.m - 1]!;
    const msPerMeter = (finish.time - start.time) / Math.max(1, length - start.short - finish.short);
    scan.done.push({
      startSeg: first,
      timedSeg: start.seg,
      finishSeg: finish.seg,
      start: Math.round(start.time - start.short * msPerMeter),
      finish: Math.round(finish.time + finish.short * msPerMeter),
    });
  }
  if (scan.done.length > 0) scan.progress = course.m;
  return scan;
}

const percent = (part: number, whole: number): number => Math.round((1000 * part) / whole) / 10;

function failed(reason: MatchFailure, matchPercent: number): CourseMatch {
  return {
    completed: false,
    reason,
    match_percent: matchPercent,
    max_deviation_meters: null,
    start_time: null,
    finish_time: null,
    elapsed_seconds: null,
    laps: 0,
    attempts: [],
  };
}

function summary(a: Attempt): CourseAttempt {
  return { start_time: a.start, finish_time: a.finish, elapsed_seconds: (a.finish - a.start) / 1000 };
}

function completed(mt: Matching, done: Attempt[]): CourseMatch {
  // Attempts from several start visits can end at the same finish (a warm-up through the start): keep the shortest.
  const attempts: Attempt[] = [];
  for (const a of done) {
    if (attempts.length > 0 && attempts[attempts.length - 1]!.finishSeg === a.finishSeg) attempts[attempts.length - 1] = a;
    else attempts.push(a);
  }
  let best = attempts[0]!;
  for (const a of attempts) if (a.finish - a.start < best.finish - best.start) best = a;
  // Laps: attempts that do not overlap, counted in run order (their finishes come in order, so greedily). Compared
  // by run segment, not by time: a loop's next lap is timed a few metres after the previous one's finish line.
  let laps = 0;
  let lapEnd = -1;
  for (const a of attempts) {
    if (a.timedSeg >= lapEnd) {
      laps++;
      lapEnd = a.finishSeg;
    }
  }
  coverInOrder(mt.run, mt.course, best.startSeg, mt.segOf, mt.cover); // segOf of the best attempt again
  const dev = deviation(mt.run, mt.course, mt.segOf, best.finishSeg, mt.cover, mt.gate.radius);
  return {
    completed: true,
    reason: null,
    match_percent: percent(dev.covered, mt.course.m),
    max_deviation_meters: Math.round(dev.maxMeters * 10) / 10,
    ...summary(best),
    laps,
    attempts: attempts.map(summary),
  };
}

function failureReason(mt: Matching, fwd: Scan): MatchFailure {
  const { run, course } = mt;
  const back = scanAttempts({ ...mt, course: reverseCourse(course) });
  if (back.progress >= WRONG_WAY_MIN_SHARE * course.m && back.progress > fwd.progress) return 'wrong_direction';
  if (fwd.visits === 0) return 'start_not_reached';
  // Got stuck well before the finish yet reached it later → skipped part of the course.
  const k = fwd.progress - 1;
  const fg = finishGate(course);
  const r2 = mt.gate.radius * mt.gate.radius;
  if (course.cum[course.m - 1]! - course.cum[k]! > mt.gate.radius) {
    for (let s = fwd.stuckSeg + 1; s < run.n - 1; s++) {
      if (runSegmentDistanceSq(run, s, fg.x, fg.y, mt.gate.maxSegSq) <= r2) return 'incomplete_coverage';
    }
  }
  // Ended on the course near the last point covered → simply stopped early; otherwise wandered off.
  const endGap = Math.hypot(run.x[run.n - 1]! - course.x[k]!, run.y[run.n - 1]! - course.y[k]!);
  return endGap <= 2 * Math.sqrt(mt.cover.tolSq) ? 'finish_not_reached' : 'off_route';
}

function settings(options: MatchOptions): { cover: CoverParams; gate: GateParams; o: Required<MatchOptions> } {
  const o = { ...MATCH_DEFAULTS, ...options };
  const maxSegSq = o.maxGapMeters * o.maxGapMeters;
  // The last course point is covered within the tolerance, so the finish gate must be at least that wide.
  const radius = Math.max(o.gateRadiusMeters, o.toleranceMeters);
  return {
    o,
    cover: { tolSq: o.toleranceMeters * o.toleranceMeters, maxSegSq, maxGap: o.maxGapMeters },
    gate: { radius, exitRadius: radius * GATE_EXIT_FACTOR, maxSegSq },
  };
}

/**
 * Matches a prepared run against one course ([lng, lat] vertices, in the course's direction). Completed only if the
 * run passes the start gate, then covers every course point in order, then passes the finish gate; the fastest such
 * attempt is reported. Time O(run points + course length / spacing) per start-gate visit that completes.
 */
export function matchCourse(run: PreparedRun, route: readonly LngLat[], options: MatchOptions = {}): CourseMatch {
  const { o, cover, gate } = settings(options);
  const course = run.n >= 2 ? densifyCourse(route, run.projection, o.spacingMeters) : null;
  if (!course) return failed('not_enough_points', 0);
  const mt: Matching = { run, course, cover, gate, segOf: new Int32Array(course.m) };
  const fwd = scanAttempts(mt);
  if (fwd.done.length > 0) return completed(mt, fwd.done);
  return failed(failureReason(mt, fwd), percent(coveredAnywhere(run, course, cover), course.m));
}

function nearRun(run: PreparedRun, px: number, py: number, radius: number, maxSegSq: number): boolean {
  const r2 = radius * radius;
  for (let s = 0; s < run.n - 1; s++) if (runSegmentDistanceSq(run, s, px, py, maxSegSq) <= r2) return true;
  return false;
}

/**
 * Cheap necessary test, O(run points + course vertices) without allocation: false means matchCourse cannot
 * complete this course, so the candidate can be skipped. Checks that the course lies within the run's bounding box
 * (grown by the tolerance plus half a bridgeable gap), that the run passes the start gate and reaches the finish.
 */
export function couldComplete(run: PreparedRun, route: readonly LngLat[], options: MatchOptions = {}): boolean {
  const { o, gate } = settings(options);
  if (run.n < 2) return false;
  const margin = o.toleranceMeters + o.maxGapMeters / 2;
  const p = run.projection;
  let first = -1;
  let last = -1;
  for (let i = 0; i < route.length; i++) {
    const px = projectX(p, route[i]![0]);
    const py = projectY(p, route[i]![1]);
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    if (px < run.minX - margin || px > run.maxX + margin || py < run.minY - margin || py > run.maxY + margin) {
      return false;
    }
    if (first < 0) first = i;
    last = i;
  }
  if (first < 0 || first === last) return false;
  const [sx, sy] = route[first]!;
  const [fx, fy] = route[last]!;
  return (
    nearRun(run, projectX(p, sx), projectY(p, sy), gate.radius, gate.maxSegSq) &&
    nearRun(run, projectX(p, fx), projectY(p, fy), o.toleranceMeters, gate.maxSegSq)
  );
}
