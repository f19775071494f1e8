// Push device registration (API.md §16; a device token belongs to exactly one user, several per user), the
// user's choice of which kinds of push notification to receive, and the newer app's in-app inbox.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DeviceTokenBody, NotificationSettings, NotificationSettingsPatch, StatusOk } from './schemas.js';
import { deleteOwnDeviceToken, getSettings, updateSettings, upsertDeviceToken } from './queries.js';
import { InboxList, InboxQuery, listInbox, markAllRead, markRead, unreadCount } from './inbox.js';
import { notFound } from '../../infra/errors.js';

const errors = { 422: Type.Ref('ErrorBody') };

export const notificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['notifications'];
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'The caller’s inbox, newest first',
        description: 'Follows, friend requests, comments and likes on their posts, join requests to crews they manage.',
        querystring: InboxQuery,
        response: { 200: InboxList, ...errors },
      },
    },
    (request) => listInbox(app.deps.db, request.userId, request.query),
  );

  app.get(
    '/unread-count',
    { schema: { tags, summary: 'How many inbox items the caller has not read', response: { 200: Type.Object({ count: Type.Integer() }) } } },
    (request) => unreadCount(app.deps.db, request.userId),
  );

  app.post(
    '/read-all',
    { schema: { tags, summary: 'Mark every inbox item read', response: { 204: Type.Null({ description: 'Done' }) } } },
    async (request, reply) => {
      await markAllRead(app.deps.db, request.userId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/:notification_id/read',
    {
      schema: {
        tags,
        summary: 'Mark one inbox item read',
        description: 'Only the caller’s own items (404 otherwise); marking again changes nothing.',
        params: Type.Object({ notification_id: Type.String({ format: 'uuid' }) }),
        response: { 204: Type.Null({ description: 'Done' }), 404: Type.Ref('ErrorBody'), ...errors },
      },
    },
    async (request, reply) => {
      if (!(await markRead(app.deps.db, request.userId, request.params.notification_id))) throw notFound('Notification');
      return reply.status(204).send(null);
    },
  );

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

  app.get(
    '/settings',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Which push notifications the caller receives',
        description: 'Every kind is on until the user turns it off.',
        response: { 200: NotificationSettings },
      },
    },
    (request) => getSettings(app.deps.db, request.userId),
  );

  app.patch(
    '/settings',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Turn kinds of push notification on or off',
        description: 'Only the kinds given change. Turning a kind off also stops its notifications not sent yet.',
        body: NotificationSettingsPatch,
        response: { 200: NotificationSettings, ...errors },
      },
    },
    (request) => updateSettings(app.deps.db, request.userId, request.body),
  );
};
