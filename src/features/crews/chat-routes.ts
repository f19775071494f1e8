// Crew chat routes, under /crews (the old server's crew_chat.py on our crews; the newer app's CrewMessageItem
// types). Members only: 404 for a crew hidden from the caller, 403 for outsiders of a public crew.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import * as chat from './chat.js';
import { CrewAllUnread, CrewMessageItem, CrewMessageList, MessageListQuery, ReadReceipt, SendMessageBody } from './chat-schemas.js';
import { CrewId } from './schemas.js';

const tags = ['crews'];
const ErrorRef = Type.Ref('ErrorBody');
const MEMBERS = 'Members of the crew only: 403 for others when the crew is public, 404 when it is not.';

export const crewChatRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;
  const { db } = deps;

  app.get(
    '/my-unread',
    { schema: { tags, summary: 'Unread chat messages in each of the caller’s crews', response: { 200: CrewAllUnread } } },
    (request) => chat.unread(db, request.userId),
  );

  app.get(
    '/:crew_id/chat/messages',
    {
      schema: {
        tags,
        summary: 'The crew’s chat, newest first',
        description: `${MEMBERS} Page back with before_id (the oldest id shown); has_more says whether older messages exist.`,
        params: CrewId,
        querystring: MessageListQuery,
        response: { 200: CrewMessageList, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => chat.messages(db, request.userId, request.params.crew_id, request.query),
  );

  app.post(
    '/:crew_id/chat/messages',
    {
      schema: {
        tags,
        summary: 'Send a message to the crew’s chat',
        description:
          `${MEMBERS} Text up to 2,000 characters, stored as sent (trimmed), never rendered as HTML; an image message is a ` +
          'URL returned by POST /uploads/image (422 INVALID_IMAGE_URL otherwise). A retry with the same client_id ' +
          'answers the first message (201 again, nothing doubled).',
        params: CrewId,
        body: SendMessageBody,
        response: { 201: CrewMessageItem, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await chat.send(deps, request.userId, request.params.crew_id, request.body)),
  );

  app.post(
    '/:crew_id/chat/read',
    {
      schema: {
        tags,
        summary: 'Mark the crew’s chat read up to now',
        description: MEMBERS,
        params: CrewId,
        response: { 200: ReadReceipt, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => chat.markRead(db, request.userId, request.params.crew_id),
  );
};
