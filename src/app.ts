// Builds the HTTP application from its dependencies. Start-up and shutdown live in server.ts;
// tests build the same app around a shared database.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from './infra/deps.js';
import { ErrorBody, frameworkErrors, registerErrorHandling } from './infra/errors.js';
import { validatorCompiler } from './infra/http/validation.js';
import { registerJsonBodyParser } from './infra/http/json-body.js';
import { declareCommonErrors } from './infra/http/error-responses.js';
import { AccessLog, generateRequestId, registerRequestContext } from './infra/http/request-context.js';
import { requestLoggerFactory } from './infra/http/request-logger.js';
import { registerGracefulClose } from './infra/http/closing.js';
import { registerSecurityHeaders } from './infra/http/security-headers.js';
import { registerRateLimit } from './infra/http/rate-limit.js';
import { registerRedis } from './infra/redis.js';
import { registerLoadShedding } from './infra/http/load-shedding.js';
import { healthRoutes } from './features/health/routes.js';
import { localFileRoutes } from './infra/storage/routes.js';
import { registerAuthGuard } from './features/auth/guard.js';
import { authRoutes } from './features/auth/routes.js';
import { notificationRoutes } from './features/notifications/routes.js';
import { uploadRoutes } from './features/uploads/routes.js';
import { usersRoutes } from './features/users/routes.js';
import { followsRoutes } from './features/follows/routes.js';
import { friendsRoutes } from './features/friends/routes.js';
import { exportRoutes } from './features/exports/routes.js';
import { rankingsRoutes } from './features/rankings/routes.js';
import { statsRoutes } from './features/stats/routes.js';
import { coursesRoutes, myCoursesRoutes } from './features/courses/routes.js';
import { myRunsRoutes, runsRoutes } from './features/runs/routes.js';
import { reviewsRoutes } from './features/reviews/routes.js';
import { courseCommentRoutes } from './features/course-comments/routes.js';
import { likesRoutes } from './features/likes/routes.js';
import { favoritesRoutes } from './features/favorites/routes.js';
import { heatmapRoutes } from './features/heatmap/routes.js';
import { weatherRoutes } from './features/weather/routes.js';
import { eventsRoutes } from './features/events/routes.js';
import { feedRoutes } from './features/feed/routes.js';
import { stravaRoutes } from './features/strava/routes.js';
import { importsRoutes } from './features/imports/routes.js';
import { crewsRoutes } from './features/crews/routes.js';
import { crewChatRoutes } from './features/crews/chat-routes.js';
import { courseCrewRankingRoutes, crewChallengeRoutes } from './features/crews/challenge-routes.js';
import { groupRunsRoutes } from './features/group-runs/routes.js';
import { challengesRoutes } from './features/challenges/routes.js';
import { liveGroupRunsRoutes, MAX_MESSAGE_BYTES } from './features/live-group-runs/routes.js';
import { gearRoutes } from './features/gear/routes.js';
import { communityModerationRoutes, communityRoutes } from './features/community/routes.js';
import { adminAnnouncementsRoutes, announcementsRoutes } from './features/announcements/routes.js';
import { pointsRoutes } from './features/points/routes.js';
import { analyticsRoutes } from './features/analytics/routes.js';
import { leaderboardRoutes } from './features/leaderboard/routes.js';
import { contactsRoutes } from './features/contacts/routes.js';
import { webRoutes } from './features/web/routes.js';

export const API_PREFIX = '/api/v1';

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new AccessLog(),
    childLoggerFactory: requestLoggerFactory,
    genReqId: generateRequestId,
    bodyLimit: config.BODY_LIMIT_KB * 1024,
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('deps', deps);
  app.setValidatorCompiler(validatorCompiler);
  registerJsonBodyParser(app);
  app.addSchema(ErrorBody);
  registerErrorHandling(app);
  registerRequestContext(app);
  registerGracefulClose(app);

  registerSecurityHeaders(app);
  await app.register(cors, { origin: config.corsOrigins, credentials: true });
  await registerLoadShedding(app, config.MAX_EVENT_LOOP_DELAY_MS);
  await registerRedis(app);
  await registerRateLimit(app, API_PREFIX);

  if (config.docsEnabled) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: { title: `${config.APP_NAME} API`, version: '1.0.0', description: 'RunCrew backend API' },
        servers: [{ url: config.publicBaseUrl }],
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
      },
      refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  }

  // WebSocket upgrades (live group runs): registered before the routes; a bigger frame closes the socket (1009).
  await app.register(websocket, {
    options: { maxPayload: MAX_MESSAGE_BYTES },
    // A client's broken frame or unclean disconnect is the client's doing: a warning, and the socket goes.
    errorHandler: (err, socket, request) => {
      request.log.warn({ err }, 'websocket error');
      socket.terminate();
    },
  });

  await app.register(healthRoutes);
  await app.register(localFileRoutes);
  await app.register(webRoutes);
  await app.register(
    async (api) => {
      registerAuthGuard(api);
      declareCommonErrors(api);
      await api.register(authRoutes);
      await api.register(notificationRoutes, { prefix: '/notifications' });
      await api.register(uploadRoutes, { prefix: '/uploads' });
      await api.register(usersRoutes);
      await api.register(followsRoutes);
      await api.register(friendsRoutes);
      await api.register(exportRoutes);
      await api.register(rankingsRoutes, { prefix: '/courses' });
      await api.register(statsRoutes, { prefix: '/users' });
      await api.register(coursesRoutes, { prefix: '/courses' });
      await api.register(myCoursesRoutes, { prefix: '/users' });
      await api.register(runsRoutes, { prefix: '/runs' });
      await api.register(myRunsRoutes, { prefix: '/users' });
      await api.register(reviewsRoutes, { prefix: '/courses' });
      await api.register(courseCommentRoutes, { prefix: '/courses' });
      await api.register(likesRoutes, { prefix: '/courses' });
      await api.register(favoritesRoutes, { prefix: '/favorites' });
      await api.register(heatmapRoutes);
      await api.register(weatherRoutes);
      await api.register(eventsRoutes, { prefix: '/events' });
      await api.register(feedRoutes, { prefix: '/follows' });
      await api.register(importsRoutes, { prefix: '/imports' });
      await api.register(stravaRoutes, { prefix: '/strava' });
      await api.register(crewsRoutes, { prefix: '/crews' });
      await api.register(crewChallengeRoutes, { prefix: '/crews' });
      await api.register(crewChatRoutes, { prefix: '/crews' });
      await api.register(courseCrewRankingRoutes, { prefix: '/courses' });
      await api.register(groupRunsRoutes, { prefix: '/group-runs' });
      await api.register(challengesRoutes, { prefix: '/challenges' });
      await api.register(liveGroupRunsRoutes, { prefix: '/live-group-runs' });
      await api.register(gearRoutes);
      await api.register(communityRoutes, { prefix: '/community' });
      await api.register(communityModerationRoutes, { prefix: '/admin/community' });
      await api.register(announcementsRoutes, { prefix: '/announcements' });
      await api.register(adminAnnouncementsRoutes, { prefix: '/admin/announcements' });
      await api.register(pointsRoutes);
      await api.register(analyticsRoutes, { prefix: '/users/me' });
      await api.register(leaderboardRoutes, { prefix: '/leaderboard' });
      await api.register(contactsRoutes, { prefix: '/contacts' });
      // Feature routes are registered here.
    },
    { prefix: API_PREFIX },
  );

  return app;
}
