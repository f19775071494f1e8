// Live group run routes (APP_V2.md; paths and keys of the newer app's liveGroupRunService.ts) and their WebSocket,
// `GET /api/v1/live-group-runs/{id}/ws?token=<access token>` (the app builds it from API_BASE_URL, which ends in
// /api/v1). The socket's messages are the JSON schemas ClientMessage / ServerMessage in schemas.ts and the
// README's "Live group runs" section.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { Queryable } from '../../infra/db/database.js';
import { verifyAccessToken } from '../auth/access-token.js';
import { unauthorized } from '../auth/guard.js';
import { LiveHub } from './hub.js';
import {
  ClientMessage, CreateLiveGroupRunBody, ListQuery, LiveGroupRunCreated, LiveGroupRunDetail, LiveGroupRunId, LiveGroupRunList,
  MAX_MAX_PARTICIPANTS, WsQuery,
} from './schemas.js';
import { PositionBatcher } from './position-batcher.js';
import { SnapshotScheduler } from './snapshots.js';
import { provideSpectators } from './spectators.js';
import * as service from './service.js';

const tags = ['live-group-runs'];
const ErrorRef = Type.Ref('ErrorBody');

/** Largest message a client may send; a bigger frame closes the socket with 1009. */
export const MAX_MESSAGE_BYTES = 1024;
/** Bad messages (not JSON, unknown type, out-of-range values) a socket may send before it is closed with 1008. */
export const MAX_BAD_MESSAGES = 10;
/**
 * Messages of one socket waiting to be handled. A position arriving while this many wait is dropped (the next one
 * is measured from the last recorded, so little distance is lost): a server slower than its runners' phones keeps
 * a bounded backlog per socket instead of one that grows for the whole run.
 */
export const MAX_QUEUED_MESSAGES = 4;
const checkMessage = TypeCompiler.Compile(ClientMessage);

declare module 'fastify' {
  interface FastifyRequest {
    /** The user of a live group run socket, set by its upgrade check. */
    liveUserId?: string;
  }
}

/** The room's state as a client needs it on (re)connect and after every change. */
async function snapshot(db: Queryable, runId: string) {
  const state = (await service.standingsOfRuns(db, [runId])).get(runId);
  return state ? { type: 'participants' as const, status: state.status, data: state.data } : null;
}

/**
 * A socket joins the room (it listens already, so no message is missed), then hears the snapshot: the standings,
 * and `started` when the run is under way (the app's status).
 */
async function enter(hub: LiveHub, db: Queryable, logger: Logger, runId: string, userId: string, socket: WebSocket) {
  try {
    await hub.join(runId, userId, socket);
    const message = await snapshot(db, runId);
    if (message) {
      hub.send(socket, message);
      if (message.status === 'running') hub.send(socket, { type: 'started' });
    }
  } catch (err) {
    logger.warn({ err, live_group_run_id: runId }, 'live group run snapshot failed');
    socket.close(1011, 'snapshot failed');
  }
}

export const liveGroupRunsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;
  const { db, config, logger } = deps;
  const hub = await LiveHub.create({
    redisUrl: config.REDIS_URL,
    logger,
    heartbeatMs: config.LIVE_WS_HEARTBEAT_SECONDS * 1000,
    idleMs: config.LIVE_WS_IDLE_SECONDS * 1000,
  });

  const broadcastSnapshot = async (runId: string) => {
    const message = await snapshot(db, runId);
    if (message) await hub.broadcast(runId, message);
  };
  /** A fan-out failure must not fail the request or the message that changed the state (it is in the database). */
  const fanOut = (runId: string, work: () => Promise<void>) =>
    work().catch((err: unknown) => logger.warn({ err, live_group_run_id: runId }, 'live group run fan-out failed'));
  // The web's live view listens in these rooms (spectators.ts): read-only, so any message closes its socket.
  provideSpectators(deps, {
    watch: async (runId, viewerId, socket) => {
      socket.on('message', () => socket.close(1008, 'spectators only listen'));
      await enter(hub, db, logger, runId, viewerId, socket);
    },
  });
  const snapshots = new SnapshotScheduler(db, hub, logger);
  const positions = new PositionBatcher(db, logger, (runIds) => runIds.forEach((id) => snapshots.request(id)));
  // At close, in this order: the last positions written, the sockets closed.
  app.addHook('preClose', async () => {
    await positions.drain();
    snapshots.close();
    await hub.close();
  });

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Open a live group run on a course; the caller hosts it and takes part',
        description: `max_participants (host included) is 2 to ${MAX_MAX_PARTICIPANTS}, 10 by default. The course must be public or the caller’s (404).`,
        body: CreateLiveGroupRunBody,
        response: { 201: LiveGroupRunCreated, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await service.create(deps, request.userId, request.body)),
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Waiting and running live group runs on courses the caller can see, newest first',
        querystring: ListQuery,
        response: { 200: LiveGroupRunList, 422: ErrorRef },
      },
    },
    (request) => service.list(db, request.userId, request.query),
  );

  app.get(
    '/:live_group_run_id',
    {
      schema: {
        tags,
        summary: 'A live group run with its standings',
        description: 'Anyone signed in reads it (to join it); 404 when its course is private and not the caller’s.',
        params: LiveGroupRunId,
        response: { 200: LiveGroupRunDetail, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.detail(db, request.userId, request.params.live_group_run_id),
  );

  app.post(
    '/:live_group_run_id/join',
    {
      schema: {
        tags,
        summary: 'Join a waiting live group run',
        description: 'Joining again answers the same. 409 LIVE_GROUP_RUN_FULL at max_participants; 409 LIVE_GROUP_RUN_STARTED once it started.',
        params: LiveGroupRunId,
        response: { 200: LiveGroupRunDetail, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request) => {
      const runId = request.params.live_group_run_id.toLowerCase();
      const { joined } = await service.join(deps, request.userId, runId);
      if (joined) await fanOut(runId, () => broadcastSnapshot(runId));
      return service.detail(db, request.userId, runId);
    },
  );

  app.post(
    '/:live_group_run_id/start',
    {
      schema: {
        tags,
        summary: 'Start the live group run (host only, once)',
        description:
          'Every participant is running from now; sockets hear `started`. 403 NOT_HOST for another participant (404 for anyone else); ' +
          '409 ALREADY_STARTED; 409 NOT_ENOUGH_PARTICIPANTS below 2.',
        params: LiveGroupRunId,
        response: { 200: LiveGroupRunDetail, 403: ErrorRef, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request) => {
      const runId = request.params.live_group_run_id.toLowerCase();
      await service.start(deps, request.userId, runId);
      await fanOut(runId, async () => {
        await hub.broadcast(runId, { type: 'started' });
        await broadcastSnapshot(runId);
      });
      return service.detail(db, request.userId, runId);
    },
  );

  // The socket. Browsers and React Native cannot set headers on a WebSocket, hence the token in the query; it is
  // checked before the upgrade, so a refused caller gets a plain HTTP answer (401, 403, 404) and no socket.
  // @fastify/websocket leaves it out of the OpenAPI document (OpenAPI 3.0 cannot describe a socket): the README's
  // "Live group runs" section and the schemas ClientMessage / ServerMessage describe it.
  app.get(
    '/:live_group_run_id/ws',
    {
      websocket: true,
      config: { public: true },
      schema: { params: LiveGroupRunId, querystring: Type.Partial(WsQuery) },
      preValidation: async (request) => {
        // The query's token (what the app sends), else a bearer header (clients that can set one).
        const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
        const token = (request.query as { token?: string }).token || bearer;
        const userId = token ? await verifyAccessToken(config, token) : null;
        if (!userId) throw unauthorized('Token invalid or expired');
        const { rowCount } = await db.query('SELECT 1 FROM users WHERE id = $1', [userId]);
        if (!rowCount) throw unauthorized('User not found');
        request.liveUserId = userId;
      },
      // After validation (a malformed id is 422), still before the upgrade.
      preHandler: async (request) => {
        const refusal = await service.socketRefusal(db, request.params.live_group_run_id.toLowerCase(), request.liveUserId!);
        if (refusal) throw refusal;
      },
    },
    async (socket: WebSocket, request) => {
      // Lower case: the room (and its Redis channel) is named by the id as the REST routes name it.
      const runId = request.params.live_group_run_id.toLowerCase();
      const userId = request.liveUserId!;

      // Per-socket token bucket: bursts of 4 s worth, then LIVE_WS_MESSAGES_PER_SECOND; deep in debt is a flood.
      const rate = config.LIVE_WS_MESSAGES_PER_SECOND;
      const burst = Math.max(1, Math.ceil(rate * 4));
      let tokens = burst;
      let refilled = Date.now();
      let floodWarned = false;
      let bad = 0;
      let queue: Promise<void> = Promise.resolve();
      let queued = 0;
      let busyWarned = false;

      const refuse = (code: string, message: string) => {
        hub.send(socket, { type: 'error', code, message });
        if (++bad >= MAX_BAD_MESSAGES) socket.close(1008, 'too many invalid messages');
      };

      const handle = async (msg: ClientMessage) => {
        if (msg.type === 'location') {
          const outcome = await positions.record({ runId, userId, lat: msg.lat, lng: msg.lng, at: new Date() });
          if (outcome === 'recorded') return;
          if (outcome === 'too_many') hub.send(socket, { type: 'error', code: 'TOO_MANY_POSITIONS', message: 'No more positions are kept for this run' });
          else hub.send(socket, { type: 'error', code: 'NOT_RUNNING', message: 'Positions are taken only while you are running' });
          return;
        }
        const outcome = await service.finish(deps, runId, userId);
        if (outcome.kind === 'finished') {
          await fanOut(runId, async () => {
            await hub.broadcast(runId, { type: 'completed', user_id: userId });
            await broadcastSnapshot(runId);
          });
          // A snapshot read before this finish (another socket's) may be published after it: a trailing one fixes it.
          snapshots.request(runId);
        } else if (outcome.kind === 'not_running') {
          hub.send(socket, { type: 'error', code: 'NOT_RUNNING', message: 'Only a running participant finishes' });
        } else {
          // Recorded once already (a duplicate, a reconnect, another process): only the sender hears the state.
          const message = await snapshot(db, runId);
          if (message) hub.send(socket, message);
        }
      };

      socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        hub.seen(socket);
        const now = Date.now();
        tokens = Math.min(burst, tokens + ((now - refilled) / 1000) * rate);
        refilled = now;
        tokens -= 1;
        if (tokens < 0) {
          if (tokens < -burst) {
            socket.close(1008, 'rate limited');
            return;
          }
          if (!floodWarned) hub.send(socket, { type: 'error', code: 'RATE_LIMITED', message: `At most ${rate} messages per second` });
          floodWarned = true;
          return;
        }
        floodWarned = false;
        if (isBinary) return refuse('INVALID_MESSAGE', 'Messages are JSON text');
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
        } catch {
          return refuse('INVALID_MESSAGE', 'Messages are JSON');
        }
        if (!checkMessage.Check(parsed)) {
          const first = checkMessage.Errors(parsed).First();
          return refuse('INVALID_MESSAGE', first ? `${first.path || '/'} ${first.message}` : 'Unknown message');
        }
        const msg = parsed as ClientMessage;
        // One message at a time per socket, in order, at most MAX_QUEUED_MESSAGES waiting (a finish always waits).
        if (msg.type === 'location' && queued >= MAX_QUEUED_MESSAGES) {
          if (!busyWarned) hub.send(socket, { type: 'error', code: 'BUSY', message: 'Positions are arriving faster than they are recorded; some are skipped' });
          busyWarned = true;
          return;
        }
        queued++;
        queue = queue
          .then(() => handle(msg))
          .catch((err: unknown) => {
            logger.error({ err, live_group_run_id: runId }, 'live group run message failed');
            hub.send(socket, { type: 'error', code: 'INTERNAL_ERROR', message: 'The message could not be handled' });
          })
          .finally(() => {
            queued--;
            if (queued === 0) busyWarned = false;
          });
      });

      // Listening first (above), then in the room with the snapshot on (re)connect.
      await enter(hub, db, logger, runId, userId, socket);
    },
  );
};
