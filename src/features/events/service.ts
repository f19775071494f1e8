// Group-run events (RULES.md §8, DECISIONS "Product scope"): anyone signed in lists, reads, joins and leaves them;
// users create events, and only an event's creator edits or cancels it. Cancelled events stay readable.
import type { AppDeps } from '../../infra/deps.js';
import type { Database, Queryable } from '../../infra/db/database.js';
import { AppError, conflict, notFound } from '../../infra/errors.js';
import { requireOwner, requireVisible } from '../auth/authorize.js';
import { enqueuePush } from '../notifications/push.js';
import * as q from './queries.js';
import { reminderPush } from './reminders.js';
import type {
  CreateEventBody, EventList, EventMarker, EventResponse, MarkersQuery, PageQuery, Participation, UpdateEventBody,
} from './schemas.js';

const unprocessable = (code: string, message: string) => new AppError(422, code, message);
const eventEnded = () => unprocessable('EVENT_ENDED', 'The event has ended');
const eventCancelled = () => unprocessable('EVENT_CANCELLED', 'The event was cancelled');

const round = (n: number | null | undefined) => (n === null || n === undefined ? n : Math.round(n));

function toEvent(row: q.EventRow): EventResponse {
  const joined = row.joined_at !== null;
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    event_type: row.event_type,
    course_id: row.course_id,
    starts_at: row.starts_at.toISOString(),
    ends_at: row.ends_at.toISOString(),
    target_distance_meters: row.target_distance_meters,
    target_runs: row.target_runs,
    badge_color: row.badge_color,
    badge_icon: row.badge_icon,
    participant_count: row.participant_count,
    is_participating: row.joined_at !== null,
    is_active: row.is_active,
    center_lat: row.center_lat,
    center_lng: row.center_lng,
    max_participants: row.max_participants,
    status: row.status,
    cancelled_at: row.cancelled_at?.toISOString() ?? null,
    creator: row.creator_id ? { id: row.creator_id, nickname: row.creator_nickname, avatar_url: row.creator_avatar_url } : null,
    my_progress: row.joined_at
      ? {
          progress_distance_meters: row.progress_distance_meters ?? 0,
          progress_runs: row.progress_runs ?? 0,
          completed: row.completed ?? false,
          joined_at: row.joined_at.toISOString(),
        }
      : null,
    creator_nickname: row.creator_nickname,
    my_progress_distance_meters: joined ? (row.progress_distance_meters ?? 0) : null,
    my_progress_runs: joined ? (row.progress_runs ?? 0) : null,
    recurring_schedule: null,
    meeting_point: null,
    created_at: row.created_at.toISOString(),
  };
}

export async function get(db: Queryable, viewerId: string, eventId: string): Promise<EventResponse> {
  const row = await q.findEvent(db, viewerId, eventId);
  if (!row) throw notFound('Event');
  return toEvent(row);
}

export async function list(db: Queryable, viewerId: string, page: PageQuery): Promise<EventList> {
  const result = await q.listActiveEvents(db, viewerId, page.per_page, page.page * page.per_page);
  return { data: result.rows.map(toEvent), total_count: result.total_count };
}

export async function markers(db: Queryable, box: MarkersQuery): Promise<EventMarker[]> {
  if (box.sw_lat > box.ne_lat) throw unprocessable('INVALID_BOUNDS', 'sw_lat must not be north of ne_lat');
  // A box whose west edge is east of its east edge crosses the antimeridian: two boxes, one on each side.
  const envelopes: q.Envelope[] =
    box.sw_lng <= box.ne_lng
      ? [[box.sw_lng, box.sw_lat, box.ne_lng, box.ne_lat]]
      : [
          [box.sw_lng, box.sw_lat, 180, box.ne_lat],
          [-180, box.sw_lat, box.ne_lng, box.ne_lat],
        ];
  const rows = await q.markersInBounds(db, envelopes, box.limit);
  return rows.map((r) => ({ ...r, ends_at: r.ends_at.toISOString() }));
}

/** An event's course must be one the creator may see, and public: every participant runs it. */
async function checkCourse(db: Queryable, userId: string, courseId: string) {
  const course = requireVisible(await q.findCourseForEvent(db, courseId), userId, 'Course');
  if (!course.is_public) throw unprocessable('COURSE_NOT_PUBLIC', 'An event can only use a public course');
  return course;
}

/** Checks what holds between fields: start before end, an end still to come, a whole meeting point. */
function checkFields(f: q.EventFields): void {
  if (f.starts_at >= f.ends_at) throw unprocessable('INVALID_EVENT_TIMES', 'starts_at must be before ends_at');
  if (f.ends_at <= new Date()) throw unprocessable('INVALID_EVENT_TIMES', 'ends_at must be in the future');
  if ((f.center_lat === null) !== (f.center_lng === null)) {
    throw unprocessable('INVALID_MEETING_POINT', 'center_lat and center_lng go together');
  }
}

/** A course deleted between the check and the write. */
function courseGone(err: unknown): never {
  if ((err as { code?: string; constraint?: string }).code === '23503') throw notFound('Course');
  throw err;
}

export async function create(db: Queryable, userId: string, body: CreateEventBody): Promise<EventResponse> {
  const fields: q.EventFields = {
    title: body.title,
    description: body.description ?? null,
    event_type: body.event_type ?? 'group_run',
    course_id: body.course_id?.toLowerCase() ?? null,
    starts_at: new Date(body.starts_at),
    ends_at: new Date(body.ends_at),
    target_distance_meters: round(body.target_distance_meters) ?? null,
    target_runs: round(body.target_runs) ?? null,
    max_participants: round(body.max_participants) ?? null,
    badge_color: body.badge_color ?? '#FF5252',
    badge_icon: body.badge_icon ?? 'trophy',
    center_lat: body.center_lat ?? null,
    center_lng: body.center_lng ?? null,
  };
  checkFields(fields);
  if (fields.course_id) {
    const course = await checkCourse(db, userId, fields.course_id);
    if (fields.center_lat === null) {
      fields.center_lat = course.start_lat;
      fields.center_lng = course.start_lng;
    }
  }
  const id = await q.insertEvent(db, userId, fields).catch(courseGone);
  return get(db, userId, id);
}

export async function update(db: Database, userId: string, eventId: string, body: UpdateEventBody): Promise<EventResponse> {
  await db.transaction(async (tx) => {
    const event = await lockedForCreator(tx, userId, eventId);
    if (!event.is_active) throw eventCancelled();
    if (event.ended) throw eventEnded();

    const changes: Partial<q.EventFields> = {
      ...body,
      course_id: body.course_id === undefined ? undefined : (body.course_id?.toLowerCase() ?? null),
      starts_at: body.starts_at === undefined ? undefined : new Date(body.starts_at),
      ends_at: body.ends_at === undefined ? undefined : new Date(body.ends_at),
      target_distance_meters: round(body.target_distance_meters),
      target_runs: round(body.target_runs),
      max_participants: round(body.max_participants),
    };
    const merged = { ...event, ...definedOnly(changes) };
    checkFields(merged);
    if (changes.course_id && changes.course_id !== event.course_id) await checkCourse(tx, userId, changes.course_id);
    if (merged.max_participants !== null && merged.max_participants < event.participant_count) {
      throw conflict('CAPACITY_BELOW_PARTICIPANTS', `The event already has ${event.participant_count} participants`);
    }

    const remindAgain = merged.starts_at.getTime() !== event.starts_at.getTime();
    await q.updateEvent(tx, eventId, changes, remindAgain).catch(courseGone);
    if (changes.target_distance_meters !== undefined || changes.target_runs !== undefined) {
      await q.recomputeCompletion(tx, eventId);
    }
  });
  return get(db, userId, eventId);
}

/** Cancels the event and tells every other participant; cancelling a cancelled event changes nothing. */
export async function cancel(deps: AppDeps, userId: string, eventId: string): Promise<EventResponse> {
  await deps.db.transaction(async (tx) => {
    const event = await lockedForCreator(tx, userId, eventId);
    if (!event.is_active) return;
    if (event.ended) throw eventEnded();
    await q.cancelEvent(tx, eventId);
    for (const participant of await q.participantIds(tx, eventId)) {
      if (participant === userId) continue;
      await enqueuePush(deps, tx, {
        userId: participant,
        kind: 'event_cancelled',
        causeKey: eventId,
        title: '이벤트 취소',
        body: `'${event.title}' 이벤트가 취소되었어요`,
        data: { event_id: eventId },
      });
    }
  });
  return get(deps.db, userId, eventId);
}

/**
 * Joins the event. The event row is locked first, so joins to one event queue up and each counts the
 * participants committed before it: a full event never takes one more.
 */
export async function join(deps: AppDeps, userId: string, eventId: string): Promise<Participation> {
  const row = await deps.db.transaction(async (tx) => {
    const event = await q.lockEvent(tx, eventId);
    if (!event) throw notFound('Event');
    // An event switched off in the database without a cancellation counts as ended, as it always did.
    if (event.cancelled_at) throw eventCancelled();
    if (!event.is_active || event.ended) throw eventEnded();
    if (await q.isParticipant(tx, eventId, userId)) throw conflict('ALREADY_JOINED', 'You already joined this event');
    if (event.max_participants !== null && event.participant_count >= event.max_participants) {
      throw conflict('EVENT_FULL', 'The event is full');
    }
    const inserted = await q.insertParticipant(tx, eventId, userId);
    if (!inserted) throw conflict('ALREADY_JOINED', 'You already joined this event');
    // Joined after the reminder went out but before the start: remind this participant too.
    if (event.reminder_sent_at && event.starts_at > new Date()) {
      await enqueuePush(deps, tx, { userId, ...reminderPush(eventId, event.title, event.starts_at) });
    }
    return inserted;
  });
  return { ...row, joined_at: row.joined_at.toISOString() };
}

export async function leave(db: Queryable, userId: string, eventId: string): Promise<void> {
  if (!(await q.deleteParticipant(db, eventId, userId))) throw notFound('Participation');
}

async function lockedForCreator(tx: Queryable, userId: string, eventId: string) {
  const event = await q.lockEvent(tx, eventId);
  // Events are public; an event without a creator (made in the database) belongs to nobody.
  return requireOwner(event && { ...event, owner_id: event.creator_id ?? '' }, userId, 'Event');
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
