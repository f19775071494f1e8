import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { haversineMeters, lineLengthMeters, trackLengthMeters, type TrackPoint } from '../src/features/matching/geo.js';
import { couldComplete, matchCourse, type CourseMatch } from '../src/features/matching/matcher.js';
import { checkPlausibility } from '../src/features/matching/plausibility.js';
import { prepareRun } from '../src/features/matching/track.js';
import { course, join, simulateRun, slice, toLatLng, type RunPlan, type XY } from './helpers/tracks.js';

// Point-to-point course, 2,340 m: east 600 m, a 300 m detour (north 120, east 60, south 120), east 540 m, north 500 m,
// west 400 m. Only its 8 corners are given, so the matcher must densify the long straight segments itself.
const A: XY[] = [[0, 0], [600, 0], [600, 120], [660, 120], [660, 0], [1200, 0], [1200, 500], [800, 500]];
const A_LENGTH = 2340;
// Loop, 1,500 m, counter-clockwise round a 500 × 250 m block, starting and finishing mid-way along its south side;
// stored like a recorded course with a vertex every 5 m.
const B: XY[] = [[0, 0], [250, 0], [250, 250], [-250, 250], [-250, 0], [0, 0]];
const B_LENGTH = 1500;
const courseA = course(A);
const courseB = course(B, 5);

const reversed = (p: readonly XY[]): XY[] => [...p].reverse();

function run(
  plan: RunPlan,
  route: [number, number][],
): { match: CourseMatch; truth: (from: number, to: number) => number; points: TrackPoint[] } {
  const sim = simulateRun(plan);
  return {
    points: sim.points,
    match: matchCourse(prepareRun(sim.points), route),
    // true seconds between two distances along the run's path
    truth: (from, to) => (sim.timeAt(to) - sim.timeAt(from)) / 1000,
  };
}

// GPS error moves the gate crossings: with 6 m error the timing is off by 2.9 s RMS (5.9 s at the 95th percentile,
// 8 s worst in 400 simulated runs), so noisy runs are checked to ±10 s. The warm-up before the start is 60 s or more.
const NOISY = 10;

function assertCompleted(m: CourseMatch, elapsed: number, within: number): void {
  assert.equal(m.completed, true, `not completed: ${m.reason} (${m.match_percent} %)`);
  assert.equal(m.reason, null);
  assert.ok(
    Math.abs(m.elapsed_seconds! - elapsed) <= within,
    `elapsed ${m.elapsed_seconds} s, expected ${elapsed.toFixed(1)} ± ${within}`,
  );
  assert.equal(m.finish_time! - m.start_time!, Math.round(m.elapsed_seconds! * 1000));
}

describe('course matcher: point-to-point course', () => {
  const approach: XY = [-200, 0]; // 200 m of warm-up before the start
  const full = join([approach], A, [[650, 500]]); // and 150 m after the finish
  const start = 200;
  const finish = 200 + A_LENGTH;

  it('an exact run completes with the time from start gate to finish gate only', () => {
    const { match, truth } = run({ path: full, speed: 3, noise: 0 }, courseA);
    assertCompleted(match, truth(start, finish), 0.5);
    assert.ok(Math.abs(match.elapsed_seconds! - A_LENGTH / 3) < 0.5);
    assert.equal(match.match_percent, 100);
    assert.ok(match.max_deviation_meters! < 1, `deviation ${match.max_deviation_meters}`);
    assert.equal(match.laps, 1);
    assert.equal(match.attempts.length, 1);
  });

  it('a noisy run (6 m GPS error, 2.5–4 m/s) completes within seconds of the true time', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { match, truth } = run({ path: full, seed, noise: 6 }, courseA);
      assertCompleted(match, truth(start, finish), NOISY);
      assert.ok(match.max_deviation_meters! > 3 && match.max_deviation_meters! <= 25, `${match.max_deviation_meters}`);
    }
  });

  it('a run that loses GPS for 30 s across a corner completes', () => {
    // 30 s at 4 m/s: from 60 m before the corner at (1200, 0), 1,440 m into the course, to 60 m after it; the
    // straight line across the gap passes 42 m from the corner, beyond the tolerance.
    const gapAt = start + 1440 - 60;
    const { match, truth, points } = run({ path: full, seed: 7, speed: 4, noise: 5, gaps: [{ at: gapAt, seconds: 30 }] }, courseA);
    const longest = Math.max(...points.slice(1).map((p, i) => p.t - points[i]!.t));
    assert.ok(longest >= 29_000, `the track has a gap (${longest} ms)`);
    assertCompleted(match, truth(start, finish), NOISY);
    assert.ok(match.match_percent < 100, 'the corner points were bridged, not covered');
    assert.ok(match.max_deviation_meters! > 30, 'the bridged corner is reported as far from the track');
    // Without bridging (gaps over 50 m not trusted), the same run does not complete.
    const strict = matchCourse(prepareRun(points), courseA, { maxGapMeters: 50 });
    assert.equal(strict.completed, false);
  });

  it('a run with a 2-minute standing pause mid-course completes, and the pause counts', () => {
    const pause = { at: start + 1000, seconds: 120 };
    const { match, truth } = run({ path: full, seed: 11, noise: 6, pauses: [pause] }, courseA);
    assertCompleted(match, truth(start, finish), NOISY);
    assert.ok(truth(start, finish) > A_LENGTH / 4 + 120, 'the true time includes the pause');
  });

  it('a runner waiting 2 minutes at the start line (GPS drifting across it) is timed from when they leave', () => {
    const wait = { at: start, seconds: 120 };
    const { match, truth } = run({ path: full, seed: 12, noise: 7, pauses: [wait] }, courseA);
    assertCompleted(match, truth(start, finish) - wait.seconds, NOISY);
  });

  it('a stride through the start and back before starting is not timed', () => {
    // From the west through the start to 40 m in, back to 30 m before it, then the course.
    const path = join([[-200, 0], [40, 0], [-30, 0]], A, [[650, 500]]);
    const { match, truth } = run({ path, speed: 3, noise: 0 }, courseA);
    assertCompleted(match, truth(340, 340 + A_LENGTH), 0.5);
  });

  it('a recording that starts 10 m past the start line or stops 15 m before the finish is charged those metres', () => {
    const late = run({ path: slice(full, start + 10, Infinity), speed: 3, noise: 0 }, courseA);
    assertCompleted(late.match, A_LENGTH / 3, 1);
    const early = run({ path: slice(full, 0, finish - 15), speed: 3, noise: 0 }, courseA);
    assertCompleted(early.match, A_LENGTH / 3, 1);
  });

  it('the course run backwards is not completed (wrong_direction)', () => {
    const { match } = run({ path: join([[850, 500]], reversed(A), [[-100, 0]]), seed: 3, noise: 6 }, courseA);
    assert.equal(match.completed, false);
    assert.equal(match.reason, 'wrong_direction');
    assert.ok(match.match_percent > 95, 'it did cover the course, just backwards');
    assert.equal(match.elapsed_seconds, null);
  });

  it('a shortcut skipping the 300 m detour is not completed (incomplete_coverage)', () => {
    const shortcut: XY[] = [[-100, 0], [0, 0], [600, 0], [660, 0], [1200, 0], [1200, 500], [800, 500], [700, 500]];
    const { match } = run({ path: shortcut, seed: 4, noise: 6 }, courseA);
    assert.equal(match.completed, false);
    assert.equal(match.reason, 'incomplete_coverage');
    assert.ok(match.match_percent > 80 && match.match_percent < 95, `${match.match_percent} %`);
  });

  it('a bypass round the middle of a long straight segment (no vertices there) is not completed', () => {
    const bypass: XY[] = [[-100, 0], [200, 0], [200, 100], [400, 100], [400, 0], ...A.slice(1), [700, 500]];
    const { match } = run({ path: bypass, seed: 10, noise: 6 }, courseA);
    assert.equal(match.completed, false);
    assert.equal(match.reason, 'incomplete_coverage');
  });

  it('a run that stops at 70 % of the course is not completed (finish_not_reached)', () => {
    const { match } = run({ path: slice(full, 0, start + 0.7 * A_LENGTH), seed: 5, noise: 6 }, courseA);
    assert.equal(match.completed, false);
    assert.equal(match.reason, 'finish_not_reached');
    assert.ok(Math.abs(match.match_percent - 70) < 3, `${match.match_percent} %`);
  });

  it('a run that leaves the course for good is off_route', () => {
    const { match } = run({ path: join(slice(full, 0, start + 1000), [[760, -1000]]), seed: 6, noise: 6 }, courseA);
    assert.equal(match.completed, false);
    assert.equal(match.reason, 'off_route');
  });

  it('a run that joins the course after its start is start_not_reached', () => {
    const { match } = run({ path: slice(full, start + 300, Infinity), seed: 8, noise: 6 }, courseA);
    assert.equal(match.completed, false);
    assert.equal(match.reason, 'start_not_reached');
  });

  it('a run along a parallel street 60 m away is not completed', () => {
    const parallel = full.map(([x, y]) => [x, y - 60] as const);
    const { match } = run({ path: parallel, seed: 9, noise: 6 }, courseA);
    assert.equal(match.completed, false);
  });
});

describe('course matcher: loop course', () => {
  const approach: XY = [-80, -60]; // 100 m diagonal warm-up to the start

  it('one lap completes', () => {
    const { match, truth } = run({ path: join([approach], B, [[100, 0]]), seed: 21, noise: 6 }, courseB);
    assertCompleted(match, truth(100, 100 + B_LENGTH), NOISY);
    assert.equal(match.laps, 1);
  });

  it('two laps: laps = 2 and the faster second lap is the time', () => {
    const path = join([approach], B, B, [[100, 0]]);
    const lap2 = 100 + B_LENGTH;
    const { match, truth } = run({ path, seed: 22, noise: 6, speed: (d) => (d < lap2 ? 3 : 3.5) }, courseB);
    assertCompleted(match, truth(lap2, lap2 + B_LENGTH), NOISY);
    assert.equal(match.laps, 2);
    assert.equal(match.attempts.length, 2);
    assert.ok(Math.abs(match.attempts[0]!.elapsed_seconds - truth(100, lap2)) <= NOISY, 'the first lap is there too');
    assert.ok(match.attempts[0]!.elapsed_seconds > match.elapsed_seconds!);
  });

  it('a run starting mid-loop that goes round once and a bit completes from the start gate', () => {
    const path = join([[-250, 250], [-250, 0]], B, [[250, 0], [250, 100]]);
    const { match, truth } = run({ path, seed: 23, noise: 6 }, courseB);
    assertCompleted(match, truth(500, 500 + B_LENGTH), NOISY);
    assert.equal(match.laps, 1);
  });

  it('the loop run clockwise is wrong_direction', () => {
    const { match } = run({ path: join([[80, -60]], reversed(B), [[-100, 0]]), seed: 24, noise: 6 }, courseB);
    assert.equal(match.completed, false);
    assert.equal(match.reason, 'wrong_direction');
  });

  it('70 % of the loop is finish_not_reached', () => {
    const { match } = run({ path: slice(join([approach], B), 0, 100 + 0.7 * B_LENGTH), seed: 25, noise: 6 }, courseB);
    assert.equal(match.completed, false);
    assert.equal(match.reason, 'finish_not_reached');
  });
});

describe('course matcher: many candidates', () => {
  it('a one-hour run (3,600+ fixes) against 10 courses of 1,000+ points completes only the one it ran', () => {
    const laps = 8;
    const path = join([[-80, -60]], ...Array.from({ length: laps }, () => B), [[100, 0]]);
    const sim = simulateRun({ path, seed: 31, noise: 6, speed: [3, 3.6] });
    assert.ok(sim.points.length >= 3600, `${sim.points.length} fixes`);
    const shift = (p: readonly XY[], dx: number, dy: number): XY[] => p.map(([x, y]) => [x + dx, y + dy] as const);
    const candidates: [string, [number, number][]][] = [
      ['the loop', course(B, 1)],
      ['the loop backwards', course(reversed(B), 1)],
      ['the loop 60 m north', course(shift(B, 0, 60), 1)],
      ['the loop 400 m east', course(shift(B, 400, 0), 1)],
      ['a bigger loop', course(B.map(([x, y]) => [x * 1.5, y * 1.5] as const), 1)],
      ['half the loop', course(slice(B, 0, 750), 0.5)],
      ['the point-to-point course', course(A, 2)],
      ['the loop 3 km away', course(shift(B, 3000, 0), 1)],
      ['a line through the block', course([[0, 0], [0, 250], [0, 500], [0, 900]], 0.5)],
      ['the loop from its far side', course(join(slice(B, 750, 1500), slice(B, 0, 750)), 1)],
    ];
    const prepared = prepareRun(sim.points);
    const completed: string[] = [];
    for (const [name, route] of candidates) {
      assert.ok(route.length >= 1000, `${name}: ${route.length} points`);
      const m = matchCourse(prepared, route);
      if (m.completed) completed.push(name);
      if (m.completed) assert.equal(couldComplete(prepared, route), true, `the pre-filter must not drop ${name}`);
    }
    // "Half the loop" and "the loop from its far side" are also covered, in order, by this run: both are run too.
    assert.deepEqual(completed, ['the loop', 'half the loop', 'the loop from its far side']);
    const loop = matchCourse(prepared, candidates[0]![1]);
    assert.equal(loop.laps, laps);
    assert.equal(couldComplete(prepared, candidates[2]![1]), false, 'start 60 m off');
    assert.equal(couldComplete(prepared, candidates[3]![1]), false, 'outside the run');
    assert.equal(couldComplete(prepared, candidates[7]![1]), false, 'far away');
  });

  it('degenerate input is not_enough_points', () => {
    const one = prepareRun([{ ...toLatLng([0, 0]), t: 0 }]);
    assert.equal(matchCourse(one, courseA).reason, 'not_enough_points');
    const two = prepareRun(simulateRun({ path: A }).points);
    assert.equal(matchCourse(two, [courseA[0]!, courseA[0]!]).reason, 'not_enough_points');
  });
});

describe('plausibility', () => {
  it('a normal noisy one-hour run is plausible', () => {
    const path = join(...Array.from({ length: 8 }, () => B));
    const { points } = simulateRun({ path, seed: 41, noise: 7, speed: [2.5, 4], gaps: [{ at: 3000, seconds: 30 }] });
    assert.deepEqual(checkPlausibility(points), { plausible: true, reasons: [] });
  });

  it('a bike-speed ride (8 m/s for 12 minutes) is flagged', () => {
    const path = join(...Array.from({ length: 4 }, () => B));
    const { points } = simulateRun({ path, seed: 42, noise: 5, speed: 8 });
    assert.deepEqual(checkPlausibility(points), { plausible: false, reasons: ['sustained_speed'] });
  });

  it('a world-class 1500 m inside an easy run is not flagged', () => {
    const path = join(...Array.from({ length: 3 }, () => B));
    const { points } = simulateRun({ path, seed: 43, noise: 5, speed: (d) => (d >= 1500 && d < 3000 ? 7.2 : 3) });
    assert.equal(checkPlausibility(points).plausible, true);
  });

  it('a teleport (2 km jump between fixes, then running on) is flagged', () => {
    const { points } = simulateRun({ path: join(B, B), seed: 44, noise: 5, speed: 3 });
    const dLng = toLatLng([2000, 0]).lng - toLatLng([0, 0]).lng;
    const jumped = points.map((p, i) => (i >= 300 ? { ...p, lng: p.lng + dLng } : p));
    assert.deepEqual(checkPlausibility(jumped), { plausible: false, reasons: ['teleport'] });
  });

  it('a single bad fix 300 m off is not a teleport', () => {
    const { points } = simulateRun({ path: B, seed: 45, noise: 5, speed: 3 });
    const spiked = points.map((p, i) => (i === 200 ? { ...p, lat: p.lat + 300 / 111_195 } : p));
    assert.deepEqual(checkPlausibility(spiked), { plausible: true, reasons: [] });
  });
});

describe('geo helpers', () => {
  it('haversine: one degree of latitude is 111.195 km', () => {
    assert.ok(Math.abs(haversineMeters(0, 0, 1, 0) - 111_195.08) < 0.1);
    assert.ok(Math.abs(haversineMeters(37.5, 127, 37.5, 128) - haversineMeters(37.5, 128, 37.5, 127)) < 1e-9);
  });

  it('track and course lengths', () => {
    assert.ok(Math.abs(lineLengthMeters(courseA) - A_LENGTH) < 1);
    const { points } = simulateRun({ path: A, speed: 3, noise: 0 });
    assert.ok(Math.abs(trackLengthMeters(points) - A_LENGTH) < 5, `${trackLengthMeters(points)}`);
  });
});
