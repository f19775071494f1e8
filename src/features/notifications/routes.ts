// Push device registration (API.md §16). A device token belongs to exactly one user; several per user.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DeviceTokenBody, StatusOk } from './schemas.js';
import { deleteOwnDeviceToken, upsertDeviceToken } from './queries.js';

const errors = { 422: Type.Ref('ErrorBody') };

export const notificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/token',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Register this device for push notifications (moves the token from any other user)',
        body: DeviceTokenBody,
        response: { 201: StatusOk, ...errors },
      },
    },
    async (request, reply) => {
      await upsertDeviceToken(app.deps.db, request.userId, request.body.device_token, request.body.platform);
      return reply.status(201).send({ status: 'ok' as const });
    },
  );

  app.delete(
    '/token',
    {
      schema: {
        tags: ['notifications'],
        summary: "Unregister one of the caller's devices",
        description: "Another user's token is left alone; the answer is the same either way, so it reveals nothing.",
        body: DeviceTokenBody,
        response: { 200: StatusOk, ...errors },
      },
    },
    async (request) => {
      await deleteOwnDeviceToken(app.deps.db, request.userId, request.body.device_token);
      return { status: 'ok' as const };
    },
  );
};
