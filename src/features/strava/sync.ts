// Bringing Strava runs in, and taking them out again. Each activity becomes a run through the shared finishRun
// pipeline (source 'strava': counted in its owner's history and stats, never ranked or shown to others) in one
// transaction with its external_imports row, whose unique index makes concurrent syncs import it once. Runs leave
// through the runs feature's own deletion, which undoes totals, leaderboard places and course statistics.
import type { AppDeps } from '../../infra/deps.js';
import { AppError } from '../../infra/errors.js';
import { findSameActivity, insertImportedSession, lockUserImports } from '../imports/queries.js';
import { finishRun } from '../runs/pipeline.js';
import { deleteRun } from '../runs/service.js';
import { buildRun, isRun } from './activity.js';
import { StravaError, type StravaActivity, type StravaApi } from './client.js';
import { connectedApi } from './connection.js';
import * as q from './queries.js';

type Deps = Pick<AppDeps, 'db' | 'jobs' | 'config' | 'logger'>;

/** Strava's largest page. */
const PER_PAGE = 200;
/** An athlete with thousands of rides and few runs: the scan for runs stops after this many pages. */
const MAX_PAGES = 5;
/** Another run of the user starting this close with about the same distance is this run (two devices started apart). */
const SAME_START_SECONDS = 60;
const SAME_DISTANCE_METERS = 50;

export type ImportOutcome = 'imported' | 'failed' | 'skipped' | 'disconnected';

/** What we keep of the activity with its import (shown by GET /imports; rewritten when the athlete edits it). */
const describe = (a: StravaActivity) => ({
  id: a.id,
  name: a.name,
  type: a.type,
  sport_type: a.sport_type,
  start_date: a.start_date,
  distance: a.distance,
  moving_time: a.moving_time,
  elapsed_time: a.elapsed_time,
  total_elevation_gain: a.total_elevation_gain,
});

/**
 * The athlete's `max` most recent runs (newest first), or with `after` (Unix seconds) those since then. Strava
 * lists newest first, but oldest first when `after` is given, so then every page is read before choosing.
 */
export async function recentRuns(api: StravaApi, max: number, after?: number): Promise<StravaActivity[]> {
  const runs: StravaActivity[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { activities, size } = await api.listActivities(page, PER_PAGE, after);
    runs.push(...activities.filter(isRun));
    if (size < PER_PAGE || (after === undefined && runs.length >= max)) break;
  }
  return runs.sort((a, b) => Date.parse(b.start_date) - Date.parse(a.start_date)).slice(0, max);
}

/** Imports one activity unless it was imported already; Strava is asked for its track first. */
export async function importActivity(deps: Deps, api: StravaApi, userId: string, activity: StravaActivity): Promise<ImportOutcome> {
  const built = buildRun(activity, await api.getStreams(activity.id));
  return deps.db.transaction(async (tx) => {
    if (!(await q.holdConnection(tx, userId))) return 'disconnected';
    const importId = await q.claimImport(tx, userId, String(activity.id), describe(activity));
    if (!importId) return 'skipped';
    if ('error' in built) {
      await q.failImport(tx, importId, built.error);
      return 'failed';
    }
    // The same run recorded in the app or uploaded as a file (a watch that also syncs to Strava) counts once. The
    // lock is the file imports' own, so a file and a Strava copy arriving together cannot both pass.
    await lockUserImports(tx, userId);
    const same = await findSameActivity(tx, {
      userId,
      activityKey: null,
      startedAt: built.values.started_at,
      distanceMeters: built.values.distance_meters,
      seconds: SAME_START_SECONDS,
      distanceTolerance: SAME_DISTANCE_METERS,
    });
    if (same) {
      await q.failImport(tx, importId, 'This run is already among your runs');
      return 'failed';
    }
    const sessionId = await insertImportedSession(tx, userId, built.values.started_at, {
      source: 'strava',
      device: built.summary.source_device,
    });
    const finished = await finishRun(deps, tx, {
      userId,
      sessionId,
      chosenCourseId: null,
      source: 'strava',
      values: { ...built.values, external_import_id: importId },
      route: built.route,
      track: built.track,
    });
    await q.completeImport(tx, importId, finished.runRecordId, built.summary);
    return 'imported';
  });
}

export interface SyncRequest {
  userId: string;
  /** how many of the most recent runs to bring in (already imported ones count) */
  maxRuns: number;
  /** only activities since then (Unix seconds) */
  afterTs?: number;
}

/** Imports the user's recent runs that are not imported yet, newest first. */
export async function syncRecentRuns(deps: Deps, req: SyncRequest): Promise<Record<ImportOutcome, number>> {
  const counts: Record<ImportOutcome, number> = { imported: 0, failed: 0, skipped: 0, disconnected: 0 };
  const api = await connectedApi(deps, req.userId);
  const runs = await recentRuns(api, req.maxRuns, req.afterTs);
  const settled = await q.settledImports(deps.db, req.userId, runs.map((a) => String(a.id)));
  for (const activity of runs) {
    if (settled.has(String(activity.id))) {
      counts.skipped++;
      continue;
    }
    const outcome = await importActivity(deps, api, req.userId, activity);
    counts[outcome]++;
    if (outcome === 'disconnected') return counts;
  }
  await q.touchLastSync(deps.db, req.userId);
  return counts;
}

const isMissing = (err: unknown) => err instanceof AppError && err.statusCode === 404;

/** Deletes an import and its run (through the runs feature). Safe to repeat after a crash halfway. */
async function removeImport(deps: Deps, userId: string, row: q.ImportRow): Promise<void> {
  if (row.run_record_id) {
    await deleteRun(deps, userId, row.run_record_id).catch((err: unknown) => {
      if (!isMissing(err)) throw err;
    });
  }
  await q.deleteImport(deps.db, row.id);
}

export type ActivityAspect = 'create' | 'update' | 'delete';

/**
 * Brings one activity up to date after Strava told us (webhook) or the user asked (POST /strava/sync) — from
 * Strava's answer, never from the event: a created or edited run is imported, a renamed one re-described, one
 * that is no longer a run removed. A deletion is believed only when Strava no longer has the activity, since
 * nothing signs webhook events.
 */
export async function refreshActivity(deps: Deps, userId: string, activityId: number, aspect: ActivityAspect): Promise<void> {
  const existing = await q.findImport(deps.db, userId, String(activityId));
  if (aspect === 'delete' && !existing) return;
  const api = await connectedApi(deps, userId);
  let activity: StravaActivity | null;
  try {
    activity = await api.getActivity(activityId);
  } catch (err) {
    if (!(err instanceof StravaError && err.kind === 'not_found')) throw err;
    activity = null;
  }
  if (!activity || !isRun(activity)) {
    if (existing) await removeImport(deps, userId, existing);
    return;
  }
  if (aspect === 'delete') {
    deps.logger.warn({ userId, activityId }, 'Strava still has an activity reported deleted: event ignored');
  } else if (existing && existing.status !== 'pending') {
    await q.updateImportMetadata(deps.db, existing.id, describe(activity));
  } else {
    await importActivity(deps, api, userId, activity);
  }
}

/** Deletes the user's Strava runs and imports made before `before` (their old connection's data). */
export async function purgeStravaData(deps: Deps, userId: string, before: Date): Promise<void> {
  for (const runId of await q.stravaRunIds(deps.db, userId, before)) {
    await deleteRun(deps, userId, runId).catch((err: unknown) => {
      if (!isMissing(err)) throw err;
    });
  }
  await q.deleteStravaImports(deps.db, userId, before);
}

/**
 * A deauthorisation event: believed only when Strava refuses our tokens (nothing signs webhook events), then the
 * connection and every Strava run and import of the user are deleted (DECISIONS: delete their Strava data).
 */
export async function handleDeauthorization(deps: Deps, userId: string): Promise<void> {
  try {
    await (await connectedApi(deps, userId)).getAthlete();
    deps.logger.warn({ userId }, 'Strava still accepts our token after a deauthorization event: event ignored');
    return;
  } catch (err) {
    if (!(err instanceof StravaError && err.kind === 'unauthorized')) throw err;
  }
  const at = await deps.db.transaction((tx) => q.deleteConnection(tx, userId));
  if (at) await purgeStravaData(deps, userId, at);
}
