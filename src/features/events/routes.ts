// Event routes (API.md §10, plus create/edit/cancel). Every route needs a bearer token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  CreateEventBody, EventId, EventList, EventMarker, EventResponse, MarkersQuery, PageQuery, Participation, UpdateEventBody,
} from './schemas.js';
import * as service from './service.js';

const tags = ['events'];
const ErrorRef = Type.Ref('ErrorBody');

export const eventsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;
  const { db } = deps;

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Active events that have not ended (upcoming included), soonest start first',
        querystring: PageQuery,
        response: { 200: EventList, 422: ErrorRef },
      },
    },
    (request) => service.list(db, request.userId, request.query),
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a group-run event',
        description:
          'starts_at must be before ends_at and ends_at in the future (422 INVALID_EVENT_TIMES). course_id must name a public ' +
          'course (404 when the caller cannot see it, 422 COURSE_NOT_PUBLIC for the caller’s own private course). ' +
          'The creator is not joined automatically.',
        body: CreateEventBody,
        response: { 201: EventResponse, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await service.create(db, request.userId, request.body)),
  );

  app.get(
    '/map-markers',
    {
      schema: {
        tags,
        summary: 'Active, not-ended events whose meeting point is inside the box (bounds inclusive), soonest end first',
        description: 'A box with sw_lng > ne_lng crosses the antimeridian. sw_lat > ne_lat is 422 INVALID_BOUNDS.',
        querystring: MarkersQuery,
        response: { 200: Type.Array(EventMarker), 422: ErrorRef },
      },
    },
    (request) => service.markers(db, request.query),
  );

  app.get(
    '/:event_id',
    {
      schema: {
        tags,
        summary: 'Any event, active, ended or cancelled',
        params: EventId,
        response: { 200: EventResponse, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.get(db, request.userId, request.params.event_id),
  );

  app.patch(
    '/:event_id',
    {
      schema: {
        tags,
        summary: 'Edit an event (its creator only)',
        description:
          'Absent keys stay, null clears a nullable field. 403 for anyone but the creator; 422 EVENT_CANCELLED / EVENT_ENDED ' +
          'once cancelled or over; 409 CAPACITY_BELOW_PARTICIPANTS when max_participants is below the current participants. ' +
          'Changing a target re-evaluates every participant’s completion; a new start time is reminded again.',
        params: EventId,
        body: UpdateEventBody,
        response: { 200: EventResponse, 403: ErrorRef, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.update(db, request.userId, request.params.event_id, request.body),
  );

  app.post(
    '/:event_id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel an event (its creator only)',
        description:
          'The event stays readable with status "cancelled" and is_active false, and can no longer be joined; every other ' +
          'participant gets an event_cancelled push. Cancelling a cancelled event changes nothing; an ended one is 422 EVENT_ENDED.',
        params: EventId,
        response: { 200: EventResponse, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.cancel(deps, request.userId, request.params.event_id),
  );

  app.post(
    '/:event_id/join',
    {
      schema: {
        tags,
        summary: 'Join an event',
        description:
          '422 EVENT_ENDED (ended or inactive) or EVENT_CANCELLED; 409 ALREADY_JOINED; 409 EVENT_FULL when max_participants ' +
          'are in (enforced under concurrent joins). Joining before the start is allowed.',
        params: EventId,
        response: { 201: Participation, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await service.join(deps, request.userId, request.params.event_id)),
  );

  app.delete(
    '/:event_id/join',
    {
      schema: {
        tags,
        summary: 'Leave an event (any time)',
        params: EventId,
        response: { 204: Type.Null({ description: 'Left' }), 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.leave(db, request.userId, request.params.event_id);
      return reply.status(204).send(null);
    },
  );
};
