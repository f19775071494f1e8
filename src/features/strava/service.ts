// The Strava routes' work (API.md §17, RULES.md §13 with the GAPS fixes and DECISIONS): connecting with a state
// bound to the user, tokens encrypted, an import of the last 30 days' runs on connect, single and bulk syncs of runs
// only, and a disconnect that revokes our access at Strava and removes the user's Strava data.
import type { AppDeps } from '../../infra/deps.js';
import { AppError, badRequest, conflict, notFound } from '../../infra/errors.js';
import { isRun } from './activity.js';
import { deauthorize, exchangeCode, StravaError, type StravaActivity } from './client.js';
import { connectedApi, freshAccessToken, notConnected, saveConnection } from './connection.js';
import { enqueueActivity, enqueuePurge, enqueueSync } from './jobs.js';
import * as q from './queries.js';
import type { ActivitiesQuery, ActivityItem, CallbackBody, ConnectionStatus } from './schemas.js';
import { issueState, verifyState } from './state.js';

type Deps = Pick<AppDeps, 'db' | 'jobs' | 'config' | 'logger'>;

/** On connect: the runs of the last 30 days, at most 50. */
const CONNECT_SYNC = { days: 30, maxRuns: 50 };

function requireConfigured(config: Deps['config']): void {
  if (!config.STRAVA_CLIENT_ID || !config.STRAVA_CLIENT_SECRET) {
    throw new AppError(503, 'STRAVA_NOT_CONFIGURED', 'Strava is not configured on this server');
  }
}

/** A Strava failure as the app is told about it (it shows `detail`). */
export function stravaHttpError(err: unknown): unknown {
  if (!(err instanceof StravaError)) return err;
  switch (err.kind) {
    case 'rate_limited': {
      const seconds = Math.max(1, Math.ceil(((err.retryAt?.getTime() ?? Date.now()) - Date.now()) / 1000));
      return new AppError(503, 'STRAVA_RATE_LIMITED', 'Strava is busy; try again in a few minutes', { 'retry-after': String(seconds) });
    }
    case 'unauthorized':
      return new AppError(502, 'STRAVA_UNAUTHORIZED', 'Strava refused our access; connect Strava again');
    case 'not_found':
      return notFound('Strava activity');
    default:
      return new AppError(502, 'STRAVA_API_ERROR', `Strava API error: ${err.message}`);
  }
}

async function calling<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw stravaHttpError(err);
  }
}

export function authUrl(config: Deps['config'], userId: string) {
  requireConfigured(config);
  const state = issueState(config, userId);
  const params = new URLSearchParams({
    client_id: config.STRAVA_CLIENT_ID,
    redirect_uri: config.STRAVA_REDIRECT_URI,
    response_type: 'code',
    approval_prompt: 'auto',
    scope: 'activity:read_all',
    state,
  });
  return { auth_url: `${config.STRAVA_BASE_URL}/oauth/authorize?${params}`, state };
}

function statusOf(c: q.ConnectionRow | undefined): ConnectionStatus {
  if (!c) return { connected: false, athlete_name: null, athlete_profile_url: null, last_sync_at: null, auto_sync: false };
  return {
    connected: true,
    athlete_name: c.athlete_name,
    athlete_profile_url: c.athlete_profile_url,
    last_sync_at: c.last_sync_at?.toISOString() ?? null,
    auto_sync: c.auto_sync,
  };
}

export async function status(db: Deps['db'], userId: string): Promise<ConnectionStatus> {
  return statusOf(await q.findConnection(db, userId));
}

/** Verifies the state, exchanges the code, stores the connection and queues the import of recent runs. */
export async function connect(deps: Deps, userId: string, body: CallbackBody): Promise<ConnectionStatus> {
  requireConfigured(deps.config);
  verifyState(deps.config, body.state, userId);
  let tokens;
  try {
    tokens = await exchangeCode(deps.config, body.code);
  } catch (err) {
    if (err instanceof StravaError && (err.kind === 'refused' || err.kind === 'unauthorized')) {
      throw badRequest('STRAVA_TOKEN_EXCHANGE_FAILED', `Strava token exchange failed: ${err.message}`);
    }
    throw stravaHttpError(err);
  }
  if (typeof tokens.athlete?.id !== 'number') throw stravaHttpError(new StravaError('unavailable', 'the token answer names no athlete'));
  const row = await deps.db.transaction(async (tx) => {
    const saved = await saveConnection(deps, tx, userId, tokens);
    const afterTs = Math.floor(Date.now() / 1000) - CONNECT_SYNC.days * 86_400;
    await enqueueSync(deps.jobs, tx, { userId, maxRuns: CONNECT_SYNC.maxRuns, afterTs });
    return saved;
  });
  return statusOf(row);
}

const toItem = (a: StravaActivity): ActivityItem => ({
  id: a.id,
  name: a.name,
  sport_type: a.sport_type ?? a.type ?? 'Run',
  start_date: a.start_date,
  distance: a.distance,
  moving_time: Math.round(a.moving_time),
  total_elevation_gain: a.total_elevation_gain,
});

/** The athlete's recent runs on Strava (one page of their activities, runs only). */
export async function listActivities(deps: Deps, userId: string, query: ActivitiesQuery): Promise<ActivityItem[]> {
  return calling(async () => {
    const api = await connectedApi(deps, userId);
    const { activities } = await api.listActivities(1, query.per_page, query.after_ts);
    return activities.filter(isRun).map(toItem);
  });
}

/** Queues the import of one activity, which must be a run not imported yet (409 otherwise). */
export async function syncOne(deps: Deps, userId: string, activityId: number) {
  const existing = await q.findImport(deps.db, userId, String(activityId));
  if (existing) throw conflict('ALREADY_IMPORTED', 'This Strava activity was already imported');
  const activity = await calling(async () => (await connectedApi(deps, userId)).getActivity(activityId));
  if (!isRun(activity)) throw badRequest('NOT_A_RUN', `Only runs can be imported; this activity is a ${activity.sport_type ?? activity.type}`);
  const importId = await deps.db.transaction(async (tx) => {
    // The unique index decides between concurrent requests for the same activity: the second gets 409.
    const id = await q.insertPendingImport(tx, userId, String(activityId), { id: activity.id, name: activity.name });
    if (!id) throw conflict('ALREADY_IMPORTED', 'This Strava activity was already imported');
    await enqueueActivity(deps.jobs, tx, { userId, activityId, aspect: 'create' });
    return id;
  });
  await q.touchLastSync(deps.db, userId);
  return { import_id: importId, status: 'pending', message: 'The Strava activity is being imported' };
}

export async function syncAll(deps: Deps, userId: string, maxRuns: number) {
  if (!(await q.findConnection(deps.db, userId))) throw notConnected();
  await enqueueSync(deps.jobs, deps.db, { userId, maxRuns });
  return { import_id: '', status: 'accepted', message: `Bulk sync of up to ${maxRuns} recent Strava runs queued` };
}

/**
 * Revokes our access at Strava (best effort: the user leaves either way), deletes the tokens at once, and queues
 * the removal of the runs imported from Strava, as on a deauthorisation.
 */
export async function disconnect(deps: Deps, userId: string): Promise<void> {
  if (!(await q.findConnection(deps.db, userId))) return;
  try {
    await deauthorize(deps.config, await freshAccessToken(deps, userId));
  } catch (err) {
    deps.logger.warn({ userId, reason: (err as Error).message }, 'Strava deauthorization failed; disconnecting anyway');
  }
  await deps.db.transaction(async (tx) => {
    const at = await q.deleteConnection(tx, userId);
    if (at) await enqueuePurge(deps.jobs, tx, userId, at);
  });
}
