// /live/<id>/watch: the live page's read-only socket. A browser cannot set headers on a WebSocket, so the socket
// is authenticated by the web session cookie, and a cookie is sent by the browser whichever site opens the socket:
// the Origin must be our own (PUBLIC_BASE_URL), or any site could watch with its visitors' sessions (cross-site
// WebSocket hijacking). Then the viewer must be allowed to watch (the API's `detail` rule). All of it is checked
// before the upgrade: a refusal is a plain HTTP 403, 401 or 404 and no socket opens.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { canWatch } from '../live-group-runs/service.js';
import { spectatorsOf } from '../live-group-runs/spectators.js';
import { viewerOf } from './session.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The viewer of a live page's socket, set by its upgrade check. */
    liveViewerId?: string;
  }
}

type WatchRequest = FastifyRequest<{ Params: { live_group_run_id: string } }>;

const refuse = (reply: FastifyReply, status: number, message: string) => reply.code(status).type('text/plain; charset=utf-8').send(message);

export function watchCheck(app: FastifyInstance) {
  const ownOrigin = new URL(app.deps.config.publicBaseUrl).origin;
  return async (request: WatchRequest, reply: FastifyReply) => {
    if (request.headers.origin !== ownOrigin) return refuse(reply, 403, 'Only our own pages open this socket');
    const viewer = await viewerOf(app, request);
    if (!viewer) return refuse(reply, 401, 'Log in to watch a live group run');
    if (!(await canWatch(app.deps.db, viewer.id, request.params.live_group_run_id.toLowerCase()))) return refuse(reply, 404, 'Live group run not found');
    request.liveViewerId = viewer.id;
  };
}

export function watch(app: FastifyInstance) {
  return (socket: WebSocket, request: WatchRequest) =>
    spectatorsOf(app.deps).watch(request.params.live_group_run_id.toLowerCase(), request.liveViewerId!, socket);
}
