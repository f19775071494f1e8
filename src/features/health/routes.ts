// Liveness (the process answers) and readiness (it can reach its database).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../infra/errors.js';

const Health = Type.Object({ status: Type.Literal('ok'), app: Type.String(), env: Type.String() });
const Ready = Type.Object({ status: Type.Literal('ok'), database: Type.Literal('ok') });

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    { schema: { tags: ['health'], summary: 'Liveness', response: { 200: Health } } },
    async () => ({ status: 'ok' as const, app: app.deps.config.APP_NAME, env: app.deps.config.APP_ENV }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database answers',
        response: { 200: Ready, 503: Type.Ref('ErrorBody') },
      },
    },
    async (request) => {
      try {
        await app.deps.db.ping();
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed');
        throw new AppError(503, 'NOT_READY', 'Database unavailable', { 'retry-after': '5' });
      }
      return { status: 'ok' as const, database: 'ok' as const };
    },
  );
};
