// Live group runs (APP_V2.md, the newer app's liveGroupRunService.ts): a host opens a run on a course they can see,
// people join it while it waits (at most max_participants, the host included: joins lock the run's row before
// counting), the host starts it once, participants send positions over the WebSocket and the server computes the
// standings. A participant's finish records their run through the normal run pipeline (runs/pipeline.ts) once: the
// participant's row is locked and its run_session_id is set in the same transaction as the run.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { AppError, conflict, forbidden, notFound } from '../../infra/errors.js';
import { haversineMeters, type LngLat, type TrackPoint } from '../matching/geo.js';
import { finishRun } from '../runs/pipeline.js';
import { closeSession, insertSession } from '../runs/queries.js';
import { courseVisible } from '../group-runs/queries.js';
import * as q from './queries.js';
import {
  DEFAULT_MAX_PARTICIPANTS,
  type CreateLiveGroupRunBody, type ListQuery, type LiveGroupRunCreated, type LiveGroupRunDetail, type LiveGroupRunList, type Participant, type RunStatus,
} from './schemas.js';

export type Deps = Pick<AppDeps, 'db' | 'jobs' | 'config'>;

/** Faster than this between two positions is not running: the distance of such a jump is not credited. */
export const MAX_SPEED_MS = 12;
/** GPS jitter allowed on top of MAX_SPEED_MS × elapsed time, so close fixes a moment apart still count. */
export const GPS_SLACK_M = 15;
/** Positions kept per participant (about 14 hours at one a second): later ones are refused. */
export const MAX_POSITIONS = 50_000;

const notFoundRun = () => notFound('Live group run');
const iso = (d: Date | null) => d?.toISOString() ?? null;

function toParticipant(p: q.ParticipantRow): Participant {
  return {
    user_id: p.user_id,
    nickname: p.nickname,
    avatar_url: p.avatar_url,
    status: p.status,
    current_distance_m: Math.round(p.current_distance_m * 10) / 10,
    current_duration_s: p.current_duration_s,
    last_lat: p.last_lat,
    last_lng: p.last_lng,
  };
}

/** A running participant's time brought up to `now`. */
function withLiveTime(p: q.ParticipantRow, startedAt: Date | null, now: number): Participant {
  const live = p.status === 'running' && startedAt ? Math.max(0, Math.floor((now - startedAt.getTime()) / 1000)) : p.current_duration_s;
  return toParticipant({ ...p, current_duration_s: live });
}

/** The standings, with the running participants' time brought up to `now`. */
export async function standings(db: Queryable, runId: string, startedAt: Date | null, now = Date.now()): Promise<Participant[]> {
  return (await q.participants(db, runId)).map((p) => withLiveTime(p, startedAt, now));
}

export interface RunStandings {
  status: RunStatus;
  data: Participant[];
}

/** Several runs' state and standings from one statement: run id → them (a run that is gone is left out). */
export async function standingsOfRuns(db: Queryable, runIds: string[], now = Date.now()): Promise<Map<string, RunStandings>> {
  const byRun = new Map<string, RunStandings>();
  for (const row of await q.participantsOfRuns(db, runIds)) {
    let run = byRun.get(row.live_group_run_id);
    if (!run) byRun.set(row.live_group_run_id, (run = { status: row.run_status, data: [] }));
    run.data.push(withLiveTime(row, row.run_started_at, now));
  }
  return byRun;
}

export async function detail(db: Queryable, viewerId: string, runId: string): Promise<LiveGroupRunDetail> {
  const r = await q.findRun(db, viewerId, runId);
  if (!r) throw notFoundRun();
  return {
    id: r.id,
    title: r.title,
    status: r.status,
    course_id: r.course_id,
    course_name: r.course_name,
    host_user_id: r.host_user_id,
    host_nickname: r.host_nickname,
    host_avatar_url: r.host_avatar_url,
    max_participants: r.max_participants,
    scheduled_at: iso(r.scheduled_at),
    participants: await standings(db, r.id, r.started_at),
  };
}

export async function list(db: Queryable, viewerId: string, query: ListQuery): Promise<LiveGroupRunList> {
  const rows = await q.listOpen(db, viewerId, { courseId: query.course_id?.toLowerCase(), limit: query.per_page, offset: query.page * query.per_page });
  return {
    items: rows.map((r) => ({
      id: r.id,
      title: r.title,
      status: r.status,
      course_name: r.course_name,
      host_nickname: r.host_nickname,
      host_avatar_url: r.host_avatar_url,
      participant_count: r.participant_count,
      max_participants: r.max_participants,
      scheduled_at: iso(r.scheduled_at),
      created_at: r.created_at.toISOString(),
    })),
  };
}

function scheduledAtOf(body: CreateLiveGroupRunBody): Date | null {
  if (body.scheduled_at === undefined || body.scheduled_at === null) return null;
  const at = new Date(body.scheduled_at);
  if (!(at.getTime() > Date.now())) throw new AppError(422, 'SCHEDULED_IN_PAST', 'scheduled_at must be in the future');
  if (at.getTime() > Date.now() + 366 * 86_400_000) throw new AppError(422, 'SCHEDULED_TOO_FAR', 'scheduled_at must be within a year');
  return at;
}

export async function create(deps: Deps, hostId: string, body: CreateLiveGroupRunBody): Promise<LiveGroupRunCreated> {
  const courseId = body.course_id.toLowerCase();
  const scheduledAt = scheduledAtOf(body);
  const maxParticipants = body.max_participants ?? DEFAULT_MAX_PARTICIPANTS;
  const title = body.title.trim();
  return deps.db.transaction(async (tx) => {
    if (!(await courseVisible(tx, hostId, courseId))) throw notFound('Course');
    const now = new Date();
    const run = await q.insertRun(tx, { courseId, hostId, title, maxParticipants, scheduledAt, now });
    await q.insertParticipant(tx, run.id, hostId, now);
    return { id: run.id, course_id: courseId, host_user_id: hostId, title, status: run.status, max_participants: maxParticipants };
  });
}

/** The run locked, 404 when it is missing or on a course the caller cannot see. */
async function lockVisible(tx: Queryable, userId: string, runId: string): Promise<q.LockedRun> {
  const run = await q.lockRun(tx, runId);
  if (!run || !(await courseVisible(tx, userId, run.course_id))) throw notFoundRun();
  return run;
}

/** Joins a waiting run; joining again changes nothing. 409 LIVE_GROUP_RUN_FULL, 409 LIVE_GROUP_RUN_STARTED. */
export async function join(deps: Deps, userId: string, runId: string): Promise<{ joined: boolean }> {
  return deps.db.transaction(async (tx) => {
    const run = await lockVisible(tx, userId, runId);
    if (await q.isParticipant(tx, runId, userId)) return { joined: false };
    if (run.status !== 'waiting') throw conflict('LIVE_GROUP_RUN_STARTED', 'This live group run has already started');
    const count = await q.countParticipants(tx, runId);
    if (count >= run.max_participants) {
      throw conflict('LIVE_GROUP_RUN_FULL', `This live group run takes at most ${run.max_participants} participants`);
    }
    await q.insertParticipant(tx, runId, userId, new Date());
    return { joined: true };
  });
}

/** The host starts the waiting run: 403 NOT_HOST, 409 ALREADY_STARTED, 409 NOT_ENOUGH_PARTICIPANTS (fewer than 2). */
export async function start(deps: Deps, userId: string, runId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const run = await lockVisible(tx, userId, runId);
    if (run.host_user_id !== userId) {
      if (!(await q.isParticipant(tx, runId, userId))) throw notFoundRun();
      throw new AppError(403, 'NOT_HOST', 'Only the host starts the live group run');
    }
    if (run.status !== 'waiting') throw conflict('ALREADY_STARTED', 'This live group run has already started');
    if ((await q.countParticipants(tx, runId)) < 2) throw conflict('NOT_ENOUGH_PARTICIPANTS', 'A live group run needs at least 2 participants');
    await q.markStarted(tx, runId, new Date());
  });
}

export type PositionOutcome = 'recorded' | 'not_running' | 'too_many';

export interface PositionFix extends q.ParticipantKey {
  lat: number;
  lng: number;
  /** When the server received it. */
  at: Date;
}

/** A fix's step credited or not: MAX_SPEED_MS over the time since the previous position, plus GPS_SLACK_M. */
function positionWrite(p: q.LockedParticipant, fix: PositionFix): q.PositionWrite | PositionOutcome {
  // A run the sweep closed (expiry.ts) takes no more positions.
  if (p.status !== 'running' || p.run_status !== 'running' || !p.run_started_at) return 'not_running';
  if (p.position_count >= MAX_POSITIONS) return 'too_many';
  let distance = p.current_distance_m;
  if (p.last_lat !== null && p.last_lng !== null && p.last_position_at) {
    const step = haversineMeters(p.last_lat, p.last_lng, fix.lat, fix.lng);
    const seconds = Math.max(0, (fix.at.getTime() - p.last_position_at.getTime()) / 1000);
    if (step <= MAX_SPEED_MS * seconds + GPS_SLACK_M) distance += step;
  }
  const at = new Date(Math.max(fix.at.getTime(), p.last_position_at?.getTime() ?? 0));
  const duration = Math.max(0, Math.floor((at.getTime() - p.run_started_at.getTime()) / 1000));
  return { runId: fix.runId, userId: fix.userId, seq: p.position_count, lat: fix.lat, lng: fix.lng, at, distance, duration };
}

/**
 * Records positions of running participants, at most one per participant (the batcher sees to it), in one
 * transaction: their rows are locked, each step is credited only when plausible (positionWrite), the time is
 * the server's, since the start. Answers each fix's outcome, in order.
 */
export async function recordPositions(db: Deps['db'], fixes: PositionFix[]): Promise<PositionOutcome[]> {
  return db.transaction(async (tx) => {
    const locked = new Map((await q.lockParticipants(tx, fixes)).map((p) => [`${p.live_group_run_id}/${p.user_id}`, p]));
    const writes: q.PositionWrite[] = [];
    const outcomes = fixes.map((fix): PositionOutcome => {
      const p = locked.get(`${fix.runId}/${fix.userId}`);
      if (!p) return 'not_running';
      const write = positionWrite(p, fix);
      if (typeof write === 'string') return write;
      writes.push(write);
      return 'recorded';
    });
    if (writes.length > 0) await q.recordPositions(tx, writes);
    return outcomes;
  });
}

export async function recordPosition(deps: Deps, runId: string, userId: string, lat: number, lng: number, now = new Date()): Promise<PositionOutcome> {
  const [outcome] = await recordPositions(deps.db, [{ runId, userId, lat, lng, at: now }]);
  return outcome!;
}

export type FinishOutcome =
  | { kind: 'finished'; runRecordId: string; runCompleted: boolean }
  | { kind: 'already_finished' }
  | { kind: 'not_running' };

/**
 * The participant finished: their run (the positions the server kept, the server-computed distance, the time
 * since the start) goes through the normal run pipeline as one run session, in one transaction with marking them
 * completed. A second finish (a duplicate message, a reconnect, another process) finds them completed and
 * records nothing; the unique run_session_id and run_records.session_id back that up.
 */
export async function finish(deps: Deps, runId: string, userId: string, now = new Date()): Promise<FinishOutcome> {
  return deps.db.transaction(async (tx) => {
    const p = await q.lockParticipant(tx, runId, userId);
    if (!p) return { kind: 'not_running' };
    if (p.status === 'completed' || p.run_session_id) return { kind: 'already_finished' };
    if (p.status !== 'running' || !p.run_started_at) return { kind: 'not_running' };
    const startedAt = p.run_started_at;
    const finishedAt = new Date(Math.max(now.getTime(), startedAt.getTime(), p.last_position_at?.getTime() ?? 0));
    const duration = Math.max(0, Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000));
    const distance = Math.round(p.current_distance_m);
    const fixes = await q.positions(tx, runId, userId);
    const track: TrackPoint[] = fixes.map((f) => ({ lat: f.lat, lng: f.lng, t: f.received_at.getTime() }));
    const route: LngLat[] = fixes.map((f) => [f.lng, f.lat] as const);
    const session = await insertSession(tx, userId, p.course_id, startedAt, { source: 'live_group_run', live_group_run_id: runId });
    const finished = await finishRun(deps, tx, {
      userId,
      sessionId: session.session_id,
      chosenCourseId: p.course_id,
      source: 'app',
      values: {
        distance_meters: distance,
        duration_seconds: duration,
        total_elapsed_seconds: duration,
        avg_pace_seconds_per_km: distance > 0 && duration > 0 ? Math.round(duration / (distance / 1000)) : null,
        best_pace_seconds_per_km: null,
        avg_speed_ms: distance > 0 && duration > 0 ? Math.round((distance / duration) * 100) / 100 : null,
        max_speed_ms: null,
        calories: null,
        elevation_gain_meters: 0,
        elevation_loss_meters: 0,
        elevation_profile: null,
        splits: [],
        pause_intervals: [],
        filter_config: null,
        started_at: startedAt,
        finished_at: finishedAt,
      },
      route,
      track,
    });
    await closeSession(tx, session.session_id, 'completed', { run_id: finished.runRecordId, live_group_run_id: runId });
    await q.markCompleted(tx, runId, userId, { sessionId: session.session_id, duration, at: finishedAt });
    const runCompleted = await q.completeRunIfAllDone(tx, runId, finishedAt);
    return { kind: 'finished', runRecordId: finished.runRecordId, runCompleted };
  });
}

/** Whether the viewer may watch the run (the web's live view): the rule of `detail`, a run on a course they can see. */
export async function canWatch(db: Queryable, viewerId: string, runId: string): Promise<boolean> {
  return Boolean(await q.findRun(db, viewerId, runId));
}

/** Why a user may not open the run's socket: null when they may. */
export async function socketRefusal(db: Queryable, runId: string, userId: string): Promise<AppError | null> {
  const m = await q.membership(db, runId, userId);
  if (m.participant) return null;
  if (!m.visible) return notFoundRun();
  if (!m.participant) return forbidden('Only participants connect to a live group run (join it first)');
  return null;
}
