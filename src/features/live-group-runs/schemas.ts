// Schemas of live group runs: the REST routes (keys of the newer app's liveGroupRunService.ts) and the WebSocket
// messages (GroupRunLobbyScreen.tsx reads `participants`, `started` and `completed`).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, pageFields } from '../../infra/http/schemas.js';

const Uuid = Type.String({ format: 'uuid' });

export const DEFAULT_MAX_PARTICIPANTS = 10;
export const MAX_MAX_PARTICIPANTS = 50;

export const LiveGroupRunId = Type.Object({ live_group_run_id: Uuid });

export const CreateLiveGroupRunBody = Type.Object({
  course_id: Type.String({ format: 'uuid', description: 'A public course, or one of the caller’s own' }),
  title: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'Trimmed' }),
  max_participants: Type.Optional(
    Type.Integer({ minimum: 2, maximum: MAX_MAX_PARTICIPANTS, default: DEFAULT_MAX_PARTICIPANTS, description: 'The host included' }),
  ),
  scheduled_at: Type.Optional(Nullable(Type.String({ format: 'date-time', description: 'When the host means to start, in the future' }))),
});
export type CreateLiveGroupRunBody = Static<typeof CreateLiveGroupRunBody>;

export const ListQuery = Type.Object({
  course_id: Type.Optional(Type.String({ format: 'uuid', description: 'Only the live group runs on this course' })),
  ...pageFields(),
});
export type ListQuery = Static<typeof ListQuery>;

export const RunStatus = Type.Union([Type.Literal('waiting'), Type.Literal('running'), Type.Literal('completed')]);
export type RunStatus = Static<typeof RunStatus>;

export const Participant = Type.Object({
  user_id: Uuid,
  nickname: Type.String({ description: 'Empty before the user picks one (the app types it as a string)' }),
  avatar_url: Nullable(Type.String()),
  status: RunStatus,
  current_distance_m: Type.Number({ description: 'Computed by the server from the positions it received' }),
  current_duration_s: Type.Integer({ description: 'Seconds since the start; frozen at the participant’s finish' }),
  last_lat: Nullable(Type.Number()),
  last_lng: Nullable(Type.Number()),
});
export type Participant = Static<typeof Participant>;

export const LiveGroupRunListItem = Type.Object({
  id: Uuid,
  title: Type.String(),
  status: RunStatus,
  course_name: Type.String(),
  host_nickname: Type.String(),
  host_avatar_url: Nullable(Type.String()),
  participant_count: Type.Integer(),
  max_participants: Type.Integer(),
  scheduled_at: Nullable(DateTime),
  created_at: DateTime,
});
export type LiveGroupRunListItem = Static<typeof LiveGroupRunListItem>;

export const LiveGroupRunList = Type.Object({ items: Type.Array(LiveGroupRunListItem) });
export type LiveGroupRunList = Static<typeof LiveGroupRunList>;

export const LiveGroupRunDetail = Type.Object({
  id: Uuid,
  title: Type.String(),
  status: RunStatus,
  course_id: Uuid,
  course_name: Type.String(),
  host_user_id: Uuid,
  host_nickname: Type.String(),
  host_avatar_url: Nullable(Type.String()),
  max_participants: Type.Integer(),
  scheduled_at: Nullable(DateTime),
  participants: Type.Array(Participant, { description: 'Standings: the longest distance first, then in the order they joined' }),
});
export type LiveGroupRunDetail = Static<typeof LiveGroupRunDetail>;

export const LiveGroupRunCreated = Type.Object({
  id: Uuid,
  course_id: Uuid,
  host_user_id: Uuid,
  title: Type.String(),
  status: RunStatus,
  max_participants: Type.Integer(),
});
export type LiveGroupRunCreated = Static<typeof LiveGroupRunCreated>;

export const WsQuery = Type.Object({
  token: Type.String({ maxLength: 4096, description: 'The caller’s access token (browsers cannot set headers on a WebSocket)' }),
});

// --- WebSocket messages (JSON text frames) ---

/** Client → server: a GPS fix. Other keys (the old app sent distance_m, duration_s, pace) are ignored. */
export const LocationMessage = Type.Object({
  type: Type.Literal('location'),
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  lng: Type.Number({ minimum: -180, maximum: 180 }),
});
/** Client → server: the participant finished; their run is recorded once from the positions the server kept. */
export const FinishMessage = Type.Object({ type: Type.Union([Type.Literal('completed'), Type.Literal('finish')]) });
export const ClientMessage = Type.Union([LocationMessage, FinishMessage]);
export type ClientMessage = Static<typeof ClientMessage>;

/** Server → client: the standings (sent on connect, and after every change). */
export const ParticipantsMessage = Type.Object({
  type: Type.Literal('participants'),
  status: RunStatus,
  data: Type.Array(Participant),
});
/** Server → client: the host started the run (also sent on connect to a running run). */
export const StartedMessage = Type.Object({ type: Type.Literal('started') });
/** Server → client: a participant finished. */
export const CompletedMessage = Type.Object({ type: Type.Literal('completed'), user_id: Uuid });
/** Server → client: a message was refused (the socket stays open unless it keeps sending bad messages). */
export const ErrorMessage = Type.Object({ type: Type.Literal('error'), code: Type.String(), message: Type.String() });
export const ServerMessage = Type.Union([ParticipantsMessage, StartedMessage, CompletedMessage, ErrorMessage]);
export type ServerMessage = Static<typeof ServerMessage>;
