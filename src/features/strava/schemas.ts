import { Type, type Static } from '@sinclair/typebox';

export const AuthUrl = Type.Object({
  auth_url: Type.String({ description: "Strava's authorize page for this user" }),
  state: Type.String({ description: 'Bound to the caller and valid for 10 minutes; POST it back with the code' }),
});

export const CallbackBody = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 512, description: 'The authorization code Strava redirected with' }),
  state: Type.String({ minLength: 1, maxLength: 1024, description: 'The state GET /strava/auth-url gave' }),
});
export type CallbackBody = Static<typeof CallbackBody>;

export const ConnectionStatus = Type.Object({
  connected: Type.Boolean(),
  athlete_name: Type.Union([Type.String(), Type.Null()]),
  athlete_profile_url: Type.Union([Type.String(), Type.Null()]),
  last_sync_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  auto_sync: Type.Boolean({ description: 'New runs arrive by themselves (Strava webhook)' }),
});
export type ConnectionStatus = Static<typeof ConnectionStatus>;

export const ActivitiesQuery = Type.Object({
  per_page: Type.Integer({ minimum: 1, maximum: 100, default: 30 }),
  after_ts: Type.Optional(Type.Integer({ minimum: 0, description: 'Only activities started after this Unix time' })),
});
export type ActivitiesQuery = Static<typeof ActivitiesQuery>;

export const ActivityItem = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  sport_type: Type.String(),
  start_date: Type.String({ format: 'date-time' }),
  distance: Type.Number({ description: 'metres' }),
  moving_time: Type.Integer({ description: 'seconds' }),
  total_elevation_gain: Type.Number({ description: 'metres' }),
});
export type ActivityItem = Static<typeof ActivityItem>;

export const SyncBody = Type.Object({
  strava_activity_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});

export const SyncAllQuery = Type.Object({
  max_activities: Type.Integer({ minimum: 1, maximum: 200, default: 30, description: 'How many of the most recent runs' }),
});

export const SyncAccepted = Type.Object({
  import_id: Type.String({ description: 'The import (POST /strava/sync); empty for a bulk sync' }),
  status: Type.String({ description: 'pending (one activity) | accepted (bulk)' }),
  message: Type.String(),
});

export const HandshakeQuery = Type.Object({
  'hub.mode': Type.String(),
  'hub.verify_token': Type.String(),
  'hub.challenge': Type.String({ maxLength: 1024 }),
});

export const HandshakeAnswer = Type.Object({ 'hub.challenge': Type.String() });

/** A Strava webhook event (https://developers.strava.com/docs/webhooks/). */
export const WebhookEvent = Type.Object({
  object_type: Type.String({ description: 'activity | athlete' }),
  object_id: Type.Integer(),
  aspect_type: Type.String({ description: 'create | update | delete' }),
  owner_id: Type.Integer({ description: "The athlete's Strava id" }),
  subscription_id: Type.Integer(),
  event_time: Type.Optional(Type.Integer()),
  updates: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type WebhookEvent = Static<typeof WebhookEvent>;

export const WebhookAck = Type.Object({ status: Type.Literal('ok') });
