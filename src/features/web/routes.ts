// The web client: server-rendered pages at the root (outside /api/v1) and the built script and style under
// /assets/. A page that is not there, or not visible to the viewer, is an HTML 404; other failures go to the
// application's error handler.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import cookie from '@fastify/cookie';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../infra/errors.js';
import { assetNames, assetRoutes } from './assets.js';
import { coursePage } from './course-page.js';
import { explorePage, ExploreQuery } from './explore-page.js';
import { crewPage } from './crew-page.js';
import { eventPage } from './event-page.js';
import { groupRunPage } from './group-run-page.js';
import { html } from './html.js';
import { profilePage } from './profile-page.js';
import { frameOf, renderPage, sendPage } from './layout.js';
import { liveLoginPage, livePage } from './live-page.js';
import { watch, watchCheck } from './live-watch.js';
import { loginRoutes } from './login.js';

const Uuid = Type.String({ format: 'uuid' });
/** Pages are not API operations: left out of the OpenAPI document. */
const hide = { hide: true } as Record<string, unknown>;

async function sendError(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, status: number, message: string) {
  const frame = await frameOf(app, request).catch(() => ({ config: app.deps.config, assets: assetNames(), viewer: null }));
  const content = html`<h1>${message}</h1><p><a href="/">코스 탐색으로 돌아가기</a></p>`;
  return sendPage(reply, renderPage(frame, { title: message, description: message, path: '/' }, content), status);
}

export const webRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(cookie);
  await app.register(assetRoutes);
  // Pages read the database like the API does: they count against the API's per-IP budget (rate-limit.ts).
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), rateLimited: true };
  });
  await app.register(loginRoutes);

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const missing = (error instanceof AppError && (error.statusCode === 404 || error.statusCode === 403)) || error.validation;
    if (missing) return sendError(app, request, reply, 404, '찾을 수 없는 페이지입니다');
    throw error;
  });

  app.get('/', { schema: { ...hide, querystring: ExploreQuery } }, async (request, reply) =>
    sendPage(reply, await explorePage(app, await frameOf(app, request), request.query)),
  );

  app.get('/courses/:course_id', { schema: { ...hide, params: Type.Object({ course_id: Uuid }) } }, async (request, reply) =>
    sendPage(reply, await coursePage(app, await frameOf(app, request), request.params.course_id)),
  );

  app.get('/users/:user_id', { schema: { ...hide, params: Type.Object({ user_id: Uuid }) } }, async (request, reply) =>
    sendPage(reply, await profilePage(app, await frameOf(app, request), request.params.user_id)),
  );
  app.get('/crews/:crew_id', { schema: { ...hide, params: Type.Object({ crew_id: Uuid }) } }, async (request, reply) =>
    sendPage(reply, await crewPage(app, await frameOf(app, request), request.params.crew_id)),
  );
  app.get('/events/:event_id', { schema: { ...hide, params: Type.Object({ event_id: Uuid }) } }, async (request, reply) =>
    sendPage(reply, await eventPage(app, await frameOf(app, request), request.params.event_id)),
  );
  app.get('/group-runs/:group_run_id', { schema: { ...hide, params: Type.Object({ group_run_id: Uuid }) } }, async (request, reply) =>
    sendPage(reply, await groupRunPage(app, await frameOf(app, request), request.params.group_run_id)),
  );
  const LiveRunId = Type.Object({ live_group_run_id: Uuid });
  app.get('/live/:live_group_run_id', { schema: { ...hide, params: LiveRunId } }, async (request, reply) => {
    const frame = await frameOf(app, request);
    const runId = request.params.live_group_run_id;
    if (!frame.viewer) return sendPage(reply, liveLoginPage(frame, runId), 401);
    return sendPage(reply, await livePage(app, frame, frame.viewer.id, runId));
  });
  app.get('/live/:live_group_run_id/watch', { websocket: true, schema: { ...hide, params: LiveRunId }, preHandler: watchCheck(app) }, watch(app));
};
