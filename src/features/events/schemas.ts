// Request and response schemas of the events routes (API.md §10, plus create/edit/cancel).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, pageFields } from '../../infra/http/schemas.js';

const Uuid = Type.String({ format: 'uuid' });
const Lat = Type.Number({ minimum: -90, maximum: 90 });
const Lng = Type.Number({ minimum: -180, maximum: 180 });

export const EventId = Type.Object({ event_id: Uuid });

export const PageQuery = Type.Object({
  ...pageFields(),
});
export type PageQuery = Static<typeof PageQuery>;

export const MarkersQuery = Type.Object({
  sw_lat: Lat,
  sw_lng: Lng,
  ne_lat: Lat,
  ne_lng: Lng,
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 200, description: 'Most markers returned' }),
});
export type MarkersQuery = Static<typeof MarkersQuery>;

// Integer fields accept any JSON number and are rounded before storing (M1).
const editable = {
  title: Type.String({ minLength: 1, maxLength: 100 }),
  description: Nullable(Type.String({ maxLength: 2000 })),
  event_type: Type.Union([Type.Literal('group_run'), Type.Literal('challenge')], { description: "Default 'group_run'" }),
  course_id: Nullable(Type.String({ format: 'uuid', description: 'A public course' })),
  starts_at: DateTime,
  ends_at: Type.String({ format: 'date-time', description: 'After starts_at and in the future' }),
  target_distance_meters: Nullable(Type.Number({ minimum: 1, maximum: 100_000_000 })),
  target_runs: Nullable(Type.Number({ minimum: 1, maximum: 100_000 })),
  max_participants: Nullable(Type.Number({ minimum: 1, maximum: 1_000_000, description: 'Capacity; null for none' })),
  badge_color: Type.String({ pattern: '^#[0-9A-Fa-f]{6}$', description: "Default '#FF5252'" }),
  badge_icon: Type.String({ pattern: '^[a-z0-9_-]{1,30}$', description: "Default 'trophy'" }),
  center_lat: Nullable(Lat),
  center_lng: Nullable(Lng),
};

export const CreateEventBody = Type.Object(
  {
    title: editable.title,
    description: Type.Optional(editable.description),
    event_type: Type.Optional(editable.event_type),
    course_id: Type.Optional(editable.course_id),
    starts_at: editable.starts_at,
    ends_at: editable.ends_at,
    target_distance_meters: Type.Optional(editable.target_distance_meters),
    target_runs: Type.Optional(editable.target_runs),
    max_participants: Type.Optional(editable.max_participants),
    badge_color: Type.Optional(editable.badge_color),
    badge_icon: Type.Optional(editable.badge_icon),
    center_lat: Type.Optional(editable.center_lat),
    center_lng: Type.Optional(editable.center_lng),
  },
  {
    description:
      'The meeting point is center_lat/center_lng (both or neither); without one, an event on a course meets at the course start.',
  },
);
export type CreateEventBody = Static<typeof CreateEventBody>;

/** Every key optional; an explicit null clears a nullable field. */
export const UpdateEventBody = Type.Partial(Type.Object(editable), { minProperties: 1 });
export type UpdateEventBody = Static<typeof UpdateEventBody>;

const EventStatus = Type.Union([Type.Literal('upcoming'), Type.Literal('ongoing'), Type.Literal('ended'), Type.Literal('cancelled')], {
  description: 'cancelled: by its creator (or switched off); otherwise from starts_at/ends_at and the current time',
});

const MyProgress = Type.Object(
  {
    progress_distance_meters: Type.Integer(),
    progress_runs: Type.Integer(),
    completed: Type.Boolean(),
    joined_at: DateTime,
  },
  { description: "The caller's own participation (null when not participating); only ever shown to the caller" },
);

export const EventResponse = Type.Object({
  id: Uuid,
  title: Type.String(),
  description: Nullable(Type.String()),
  event_type: Type.String(),
  course_id: Nullable(Type.String({ format: 'uuid', description: 'Null when there is none or the caller may not see it' })),
  starts_at: DateTime,
  ends_at: DateTime,
  target_distance_meters: Nullable(Type.Integer()),
  target_runs: Nullable(Type.Integer()),
  badge_color: Type.String(),
  badge_icon: Type.String(),
  participant_count: Type.Integer(),
  is_participating: Type.Boolean(),
  is_active: Type.Boolean(),
  center_lat: Nullable(Type.Number()),
  center_lng: Nullable(Type.Number()),
  max_participants: Nullable(Type.Integer()),
  status: EventStatus,
  cancelled_at: Nullable(DateTime),
  creator: Nullable(
    Type.Object({ id: Uuid, nickname: Nullable(Type.String()), avatar_url: Nullable(Type.String()) }, { description: 'Null for events made in the database' }),
  ),
  my_progress: Nullable(MyProgress),
  // The newer app's EventItem reads these flat fields.
  creator_nickname: Nullable(Type.String()),
  my_progress_distance_meters: Nullable(Type.Integer({ description: 'Null when the caller has not joined' })),
  my_progress_runs: Nullable(Type.Integer({ description: 'Null when the caller has not joined' })),
  recurring_schedule: Type.Null({ description: 'The newer app declares it for crew meetings; events have none' }),
  meeting_point: Type.Null({ description: 'The newer app declares it for crew meetings; events have none' }),
  created_at: DateTime,
});
export type EventResponse = Static<typeof EventResponse>;

export const EventList = Type.Object({ data: Type.Array(EventResponse), total_count: Type.Integer() });
export type EventList = Static<typeof EventList>;

export const EventMarker = Type.Object({
  id: Uuid,
  title: Type.String(),
  event_type: Type.String(),
  badge_color: Type.String(),
  badge_icon: Type.String(),
  center_lat: Type.Number(),
  center_lng: Type.Number(),
  participant_count: Type.Integer(),
  ends_at: DateTime,
});
export type EventMarker = Static<typeof EventMarker>;

export const Participation = Type.Object({
  event_id: Uuid,
  user_id: Uuid,
  progress_distance_meters: Type.Integer(),
  progress_runs: Type.Integer(),
  completed: Type.Boolean(),
  joined_at: DateTime,
});
export type Participation = Static<typeof Participation>;
