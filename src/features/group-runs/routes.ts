// Group-run routes (APP_V2.md; paths, keys and status codes of the newer app's groupRunService.ts). Every route
// needs a bearer token; a group run is 404 to anyone who takes no part in it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CreateGroupRunBody, GroupRunId, GroupRunItem, GroupRunList, InviteBody, MAX_PARTICIPANTS, MyGroupRunsQuery } from './schemas.js';
import { REMINDER_MINUTES } from './reminders.js';
import * as service from './service.js';

const tags = ['group-runs'];
const ErrorRef = Type.Ref('ErrorBody');
const NoContent = (description: string) => Type.Null({ description });

export const groupRunsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;
  const { db } = deps;

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Plan a group run on a course and invite people to it; the caller hosts it',
        description:
          `At most ${MAX_PARTICIPANTS} participants, the host included. The course must be public or the caller’s (404). ` +
          '404 USER_NOT_FOUND for an id that is no account; 422 CANNOT_INVITE_SELF. Each invitee gets a group_run_invite ' +
          `push; with scheduled_at, participants who accepted get a group_run_reminder ${REMINDER_MINUTES} minutes before it.`,
        body: CreateGroupRunBody,
        response: { 201: GroupRunItem, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await service.create(deps, request.userId, request.body)),
  );

  app.get(
    '/my',
    {
      schema: {
        tags,
        summary: 'Group runs the caller hosts, is invited to or accepted, newest first',
        querystring: MyGroupRunsQuery,
        response: { 200: GroupRunList, 422: ErrorRef },
      },
    },
    (request) => service.mine(db, request.userId, request.query),
  );

  app.get(
    '/:group_run_id',
    {
      schema: {
        tags,
        summary: 'A group run with its participants and the caller’s status',
        params: GroupRunId,
        response: { 200: GroupRunItem, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.get(db, request.userId, request.params.group_run_id),
  );

  app.delete(
    '/:group_run_id',
    {
      schema: {
        tags,
        summary: 'Disband a group run (host only)',
        description: 'It and its invitations go; a pending reminder is not sent.',
        params: GroupRunId,
        response: { 204: NoContent('Disbanded'), 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.disband(deps, request.userId, request.params.group_run_id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/:group_run_id/accept',
    {
      schema: {
        tags,
        summary: 'Accept the caller’s invitation',
        description: 'Accepting again answers the same. 409 GROUP_RUN_NOT_ACTIVE once the group run is over.',
        params: GroupRunId,
        response: { 200: GroupRunItem, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.accept(deps, request.userId, request.params.group_run_id),
  );

  app.post(
    '/:group_run_id/decline',
    {
      schema: {
        tags,
        summary: 'Decline the caller’s invitation',
        description: 'The invitation is deleted (the host may invite again). 409 ALREADY_ACCEPTED: leave instead.',
        params: GroupRunId,
        response: { 204: NoContent('Declined'), 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.decline(deps, request.userId, request.params.group_run_id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/:group_run_id/invite',
    {
      schema: {
        tags,
        summary: 'Invite more people (host only)',
        description:
          `People already in it are left as they are. 409 GROUP_RUN_FULL beyond ${MAX_PARTICIPANTS} participants ` +
          '(invitations count); 409 GROUP_RUN_NOT_ACTIVE; 404 USER_NOT_FOUND; 422 CANNOT_INVITE_SELF.',
        params: GroupRunId,
        body: InviteBody,
        response: { 200: GroupRunItem, 403: ErrorRef, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.inviteMore(deps, request.userId, request.params.group_run_id, request.body.user_ids),
  );

  app.post(
    '/:group_run_id/leave',
    {
      schema: {
        tags,
        summary: 'Leave a group run',
        description: 'The host disbands it instead (409 HOST_CANNOT_LEAVE).',
        params: GroupRunId,
        response: { 204: NoContent('Left'), 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.leave(deps, request.userId, request.params.group_run_id);
      return reply.status(204).send(null);
    },
  );
};
