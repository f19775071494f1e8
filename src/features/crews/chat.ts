// Crew chat: members read and send messages, mark the chat read and see unread counts across their crews.
// Membership is checked on every read and write: a hidden crew is 404 to outsiders, a public one 403.
import type { Queryable } from '../../infra/db/database.js';
import type { AppDeps } from '../../infra/deps.js';
import { AppError, notFound } from '../../infra/errors.js';
import type { CrewAllUnread, CrewMessageItem, CrewMessageList, MessageListQuery, SendMessageBody } from './chat-schemas.js';
import { UNREAD_COUNT_CAP } from './chat-schemas.js';
import { requireCan } from './permissions.js';
import * as q from './queries.js';
import { standingOf } from './service.js';
import { requireStoredImage } from '../uploads/stored-images.js';

interface MessageRow {
  [key: string]: unknown;
  id: string;
  crew_id: string;
  user_id: string | null;
  nickname: string | null;
  avatar_url: string | null;
  content: string;
  message_type: 'text' | 'image';
  created_at: Date;
}

const toItem = (r: MessageRow): CrewMessageItem => ({ ...r, event_id: r.crew_id, created_at: r.created_at.toISOString() });

const MESSAGE_COLUMNS = `m.id, m.crew_id, m.user_id, u.nickname, u.avatar_url, m.content, m.message_type, m.created_at`;

async function requireChat(db: Queryable, userId: string, crewId: string): Promise<void> {
  const access = await q.crewAccess(db, crewId, userId);
  if (!access) throw notFound('Crew');
  requireCan(standingOf(access.my_grade), access.is_public, 'chat');
}

/** Newest first; `before_id` (a message of this crew) or `before` (a time) pages back, `has_more` says if older ones exist. */
export async function messages(db: Queryable, userId: string, crewId: string, query: MessageListQuery): Promise<CrewMessageList> {
  await requireChat(db, userId, crewId);
  const { rows } = await db.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS}
       FROM crew_messages m LEFT JOIN users u ON u.id = m.user_id
      WHERE m.crew_id = $1
        AND ($2::uuid IS NULL OR (m.created_at, m.id) < (SELECT c.created_at, c.id FROM crew_messages c WHERE c.id = $2 AND c.crew_id = $1))
        AND ($3::timestamptz IS NULL OR m.created_at < $3)
      ORDER BY m.created_at DESC, m.id DESC
      LIMIT $4`,
    [crewId, query.before_id ?? null, query.before ?? null, query.limit + 1],
  );
  return { data: rows.slice(0, query.limit).map(toItem), has_more: rows.length > query.limit };
}

/** Sends a message; with a `client_id` already used by the caller in this crew, answers the first message again. */
export async function send(deps: Pick<AppDeps, 'db' | 'storage'>, userId: string, crewId: string, body: SendMessageBody): Promise<CrewMessageItem> {
  const content = body.message_type === 'text' ? body.content.trim() : body.content;
  if (!content) throw new AppError(422, 'EMPTY_MESSAGE', 'A message needs some text');
  if (body.message_type === 'image') requireStoredImage(deps.storage, content, 'content');
  await requireChat(deps.db, userId, crewId);
  const params = [crewId, userId, content, body.message_type, body.client_id ?? null];
  const { rows } = await deps.db.query<MessageRow>(
    `WITH inserted AS (
       INSERT INTO crew_messages (crew_id, user_id, content, message_type, client_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (crew_id, user_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
       RETURNING *),
     message AS (
       SELECT * FROM inserted
       UNION ALL
       SELECT * FROM crew_messages WHERE crew_id = $1 AND user_id = $2 AND client_id = $5 AND NOT EXISTS (SELECT 1 FROM inserted))
     SELECT ${MESSAGE_COLUMNS} FROM message m JOIN users u ON u.id = m.user_id`,
    params,
  );
  if (rows[0]) return toItem(rows[0]);
  // The same retry committed by another request after this statement's snapshot: read it in a new one.
  const again = await deps.db.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM crew_messages m JOIN users u ON u.id = m.user_id WHERE m.crew_id = $1 AND m.user_id = $2 AND m.client_id = $3`,
    [crewId, userId, body.client_id],
  );
  return toItem(again.rows[0]!);
}

/** Marks everything sent so far as read; a later read never moves the mark back. */
export async function markRead(db: Queryable, userId: string, crewId: string): Promise<{ last_read_at: string }> {
  await requireChat(db, userId, crewId);
  const { rows } = await db.query<{ last_read_at: Date }>(
    `INSERT INTO crew_message_reads (crew_id, user_id, last_read_at) VALUES ($1, $2, clock_timestamp())
     ON CONFLICT (crew_id, user_id) DO UPDATE SET last_read_at = GREATEST(crew_message_reads.last_read_at, EXCLUDED.last_read_at)
     RETURNING last_read_at`,
    [crewId, userId],
  );
  return { last_read_at: rows[0]!.last_read_at.toISOString() };
}

/** Unread messages of others in each of the caller's crews, since they last marked the chat read (or joined). */
export async function unread(db: Queryable, userId: string): Promise<CrewAllUnread> {
  const { rows } = await db.query<{ crew_id: string; title: string; unread_count: number }>(
    `SELECT c.id AS crew_id, c.name AS title,
            (SELECT count(*)::int FROM (
               SELECT 1 FROM crew_messages m
                WHERE m.crew_id = c.id AND m.user_id <> $1
                  AND m.created_at > GREATEST(mb.joined_at, coalesce(r.last_read_at, mb.joined_at))
                LIMIT $2) unseen) AS unread_count
       FROM crew_members mb
       JOIN crews c ON c.id = mb.crew_id
       LEFT JOIN crew_message_reads r ON r.crew_id = mb.crew_id AND r.user_id = mb.user_id
      WHERE mb.user_id = $1
      ORDER BY mb.joined_at DESC, c.id`,
    [userId, UNREAD_COUNT_CAP],
  );
  return { crews: rows.map((r) => ({ ...r, event_id: r.crew_id })) };
}
