// What happens to every finished run, whatever its source (app completion, recovery, GPX/FIT/TCX and Strava
// imports), inside the caller's transaction: store it, decide which course it completed (M8: the server
// decides for every run), check it is plausible, rank it (telling a dethroned leader), move the runner's event
// progress and crews (XP, who holds the course), update the runner's counters and points, record challenge goals it reaches
// and queue the course statistics and, for a run finished in the app, the followers' inbox items.
import type { AppDeps } from '../../infra/deps.js';
import { isTimeZone } from '../../infra/config.js';
import type { Queryable } from '../../infra/db/database.js';
import type { LngLat, TrackPoint } from '../matching/geo.js';
import { couldComplete, matchCourse, type CourseMatch } from '../matching/matcher.js';
import { checkPlausibility } from '../matching/plausibility.js';
import { prepareRun } from '../matching/track.js';
import { coursePace, recordRankedRun, type RankedRunResult } from '../rankings/service.js';
import { enqueueCoursesStats } from '../rankings/stats-jobs.js';
import { currentStreakDays } from '../stats/service.js';
import { applyRunToEvents } from '../events/progress.js';
import { applyRunToCrews } from '../crews/runs.js';
import { applyRunToChallenges } from '../challenges/service.js';
import { primaryGearFor } from '../gear/queries.js';
import { awardRunPoints } from '../points/service.js';
import { enqueueRunToFollowers } from '../notifications/followers-run.js';
import { findCandidates, type Candidate } from './candidates.js';
import { currentLeader, notifyFirstPlaceLost } from './first-place.js';
import * as q from './queries.js';
import { lineStringWkb } from './wkb.js';

export type { RunSource, RunRecordValues } from './queries.js';

export interface FinishRunInput {
  userId: string;
  /** the run's session (the caller creates or locks it, and sets its final status) */
  sessionId: string;
  /** the course the runner chose when starting, if any */
  chosenCourseId: string | null;
  source: q.RunSource;
  /** the runner's gear the run is counted on, already checked to be theirs; undefined: their primary gear, if any */
  gearId?: string | null;
  /** the record's own values, integers already rounded */
  values: q.RunRecordValues;
  /** the route to store as [lng, lat]; fewer than 2 usable positions store no route */
  route: readonly LngLat[];
  /** the timed track matched against courses and checked for plausibility */
  track: readonly TrackPoint[];
}

export interface FinishedRun {
  runRecordId: string;
  courseId: string | null;
  courseCompleted: boolean | null;
  /** the runner's place on the course's leaderboard after this run; null when the run does not rank */
  ranking: RankedRunResult | null;
  userStats: { total_distance_meters: number; total_runs: number; streak_days: number };
  /** points the run earned (see points/service) */
  pointsEarned: number;
}

const usable = ([lng, lat]: LngLat) => Number.isFinite(lng) && Number.isFinite(lat) && Math.abs(lng) <= 180 && Math.abs(lat) <= 90;

/** The route as one binary parameter (not one parameter per point); null below two usable positions. */
function routeWkb(route: readonly LngLat[]): Buffer | null {
  const points = route.filter(usable);
  return points.length < 2 ? null : lineStringWkb(points);
}

function outcome(course: Candidate, m: CourseMatch): q.CourseOutcome {
  return {
    course_id: course.id,
    course_completed: m.completed,
    route_match_percent: m.match_percent,
    max_deviation_meters: m.max_deviation_meters,
    // The ranked time is the matcher's start-gate to finish-gate time, not the run's duration.
    course_duration_seconds: m.completed ? Math.max(1, Math.round(m.elapsed_seconds!)) : null,
    course_started_at: m.completed ? new Date(m.start_time!) : null,
  };
}

/**
 * The chosen course if the run completed it; otherwise the longest completed candidate (a 10 km run through a
 * 1 km segment is credited with the 10 km course), the faster one on equal lengths; otherwise the chosen course
 * as attempted but not completed; otherwise no course.
 */
function longerOrFaster(course: Candidate, match: CourseMatch, best: { course: Candidate; match: CourseMatch }): boolean {
  if (course.distanceMeters !== best.course.distanceMeters) return course.distanceMeters > best.course.distanceMeters;
  return match.elapsed_seconds! < best.match.elapsed_seconds!;
}

async function judgeCourses(
  tx: Queryable,
  runRecordId: string,
  input: FinishRunInput,
): Promise<{ course: Candidate; match: CourseMatch } | null> {
  const candidates = await findCandidates(tx, runRecordId, input.userId, input.chosenCourseId);
  if (candidates.length === 0) return null;
  const run = prepareRun(input.track);
  let chosen: { course: Candidate; match: CourseMatch } | null = null;
  let best: { course: Candidate; match: CourseMatch } | null = null;
  for (const course of candidates) {
    // The chosen course is always matched, to report how much of it was covered.
    if (!course.chosen && !couldComplete(run, course.route)) continue;
    const match = matchCourse(run, course.route);
    if (course.chosen) {
      if (match.completed) return { course, match };
      chosen = { course, match };
    } else if (match.completed && (!best || longerOrFaster(course, match, best))) {
      best = { course, match };
    }
  }
  return best ?? chosen;
}

export async function finishRun(deps: Pick<AppDeps, 'jobs' | 'config'>, tx: Queryable, input: FinishRunInput): Promise<FinishedRun> {
  const plausibility = checkPlausibility(input.track);
  const runRecordId = await q.insertRunRecord(tx, {
    userId: input.userId,
    sessionId: input.sessionId,
    source: input.source,
    gearId: input.gearId === undefined ? await primaryGearFor(tx, input.userId) : input.gearId,
    values: input.values,
    routeWkb: routeWkb(input.route),
    implausibleReasons: plausibility.reasons,
  });

  const judged = await judgeCourses(tx, runRecordId, input);
  const course = judged && outcome(judged.course, judged.match);
  let ranking: RankedRunResult | null = null;
  if (judged && course) {
    // Strava's terms keep its data off leaderboards; implausible runs never rank.
    if (course.course_completed && plausibility.plausible && input.source !== 'strava') {
      const previousLeader = await currentLeader(tx, course.course_id);
      ranking = await recordRankedRun(tx, {
        runRecordId,
        userId: input.userId,
        courseId: course.course_id,
        durationSeconds: course.course_duration_seconds!,
        paceSecondsPerKm: coursePace(course.course_duration_seconds!, judged.course.distanceMeters),
        achievedAt: input.values.finished_at,
      });
      if (ranking.rank === 1) {
        await notifyFirstPlaceLost(deps, tx, { previousLeader, newLeader: input.userId, courseId: course.course_id, runRecordId });
      }
    }
    await q.setCourseOutcome(tx, runRecordId, course, ranking?.rank ?? null);
  }

  await applyRunToEvents(tx, {
    userId: input.userId,
    runRecordId,
    distanceMeters: input.values.distance_meters,
    startedAt: input.values.started_at,
    finishedAt: input.values.finished_at,
    courseId: course?.course_id ?? null,
    courseCompleted: course?.course_completed ?? false,
    source: input.source,
  });

  await applyRunToCrews(deps, tx, {
    runRecordId,
    userId: input.userId,
    distanceMeters: input.values.distance_meters,
    countsForOthers: plausibility.plausible && input.source !== 'strava',
    rankedCourseId: ranking ? course!.course_id : null,
  });

  const totals = await q.addRunToUser(tx, input.userId, input.values.distance_meters);
  const zone = totals.time_zone && isTimeZone(totals.time_zone) ? totals.time_zone : deps.config.DEFAULT_TIME_ZONE;
  const streakDays = await currentStreakDays(tx, input.userId, zone);
  const pointsEarned = await awardRunPoints(tx, {
    userId: input.userId,
    runRecordId,
    distanceMeters: input.values.distance_meters,
    courseCompleted: course?.course_completed ?? false,
    eligible: plausibility.plausible && input.source === 'app',
  });
  await applyRunToChallenges(deps, tx, {
    userId: input.userId,
    finishedAt: input.values.finished_at,
    plausible: plausibility.plausible,
    timeZone: zone,
  });
  await enqueueCoursesStats(deps.jobs, tx, [course?.course_id, input.chosenCourseId]);
  if (input.source === 'app') await enqueueRunToFollowers(deps.jobs, tx, runRecordId);
  return {
    runRecordId,
    courseId: course?.course_id ?? null,
    courseCompleted: course?.course_completed ?? null,
    ranking,
    userStats: { total_distance_meters: totals.total_distance_meters, total_runs: totals.total_runs, streak_days: streakDays },
    pointsEarned,
  };
}
