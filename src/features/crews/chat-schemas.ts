// Crew chat schemas: the newer app's CrewMessageItem, CrewMessageListResponse and CrewAllUnreadResponse
// (src/types/api.ts), where `event_id` is the crew's id (the old server kept chats on events).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../infra/http/schemas.js';

const Uuid = Type.String({ format: 'uuid' });
export const MAX_MESSAGE_LENGTH = 2000;
/** Unread counts stop here (the app shows a badge), so a long-silent member costs one bounded index range. */
export const UNREAD_COUNT_CAP = 1000;

export const CrewMessageItem = Type.Object({
  id: Uuid,
  crew_id: Uuid,
  event_id: Type.String({ format: 'uuid', description: 'The crew’s id (the app’s name for it)' }),
  user_id: Nullable(Uuid),
  nickname: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
  content: Type.String(),
  message_type: Type.Union([Type.Literal('text'), Type.Literal('image')]),
  created_at: DateTime,
});
export type CrewMessageItem = Static<typeof CrewMessageItem>;

export const CrewMessageList = Type.Object({ data: Type.Array(CrewMessageItem), has_more: Type.Boolean() });
export type CrewMessageList = Static<typeof CrewMessageList>;

export const MessageListQuery = Type.Object({
  before_id: Type.Optional(Type.String({ format: 'uuid', description: 'Messages older than this message of the crew (stable cursor: the last page’s oldest id)' })),
  before: Type.Optional(Type.String({ format: 'date-time', description: 'Messages sent before this time (the old server’s cursor)' })),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
});
export type MessageListQuery = Static<typeof MessageListQuery>;

export const SendMessageBody = Type.Object({
  content: Type.String({ minLength: 1, maxLength: MAX_MESSAGE_LENGTH, description: 'Plain text; for an image, a URL returned by POST /uploads/image' }),
  message_type: Type.Union([Type.Literal('text'), Type.Literal('image')], { default: 'text', description: 'System messages are the server’s own' }),
  client_id: Type.Optional(Type.String({ format: 'uuid', description: 'The client’s id for this message: a retried send returns the first one' })),
});
export type SendMessageBody = Static<typeof SendMessageBody>;

export const ReadReceipt = Type.Object({ last_read_at: DateTime });

export const CrewUnreadItem = Type.Object({
  crew_id: Uuid,
  event_id: Type.String({ format: 'uuid', description: 'The crew’s id (the app’s name for it)' }),
  title: Type.String({ description: 'The crew’s name' }),
  unread_count: Type.Integer({ minimum: 0, description: `Messages of others since the last read, counted up to ${UNREAD_COUNT_CAP}` }),
});
export const CrewAllUnread = Type.Object({ crews: Type.Array(CrewUnreadItem) });
export type CrewAllUnread = Static<typeof CrewAllUnread>;
