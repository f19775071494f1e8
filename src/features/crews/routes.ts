// Crew routes (APP_V2.md; paths, keys and envelopes of the newer app's crewService.ts). Every route needs a bearer
// token; who may do what in a crew is permissions.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import * as activity from './activity.js';
import * as membership from './membership.js';
import * as requests from './requests.js';
import {
  Count, CreateCrewBody, CrewId, CrewItem, CrewList, CrewListQuery, CrewMember, CrewMemberList, CrewMemberParams, GradeBody,
  InviteBody, JoinRequestBody, JoinRequestItem, JoinRequestList, JoinRequestParams, MyJoinRequest, PageQuery, PrimaryCrew,
  PrimaryCrewBody, RoleBody, UpdateCrewBody, WeeklyRanking, ActiveCourse, ManagementStats,
} from './schemas.js';
import * as service from './service.js';

const tags = ['crews'];
const ErrorRef = Type.Ref('ErrorBody');
const NoContent = (description: string) => Type.Null({ description });
const normalise = async (request: { body: unknown }) => service.normaliseCrewBody(request.body);

export const crewsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;
  const { db } = deps;

  app.post(
    '/',
    {
      preValidation: normalise,
      schema: {
        tags,
        summary: 'Create a crew; the caller becomes its owner',
        description:
          '409 CREW_NAME_TAKEN when the name is taken in any case; 409 CREW_LIMIT_REACHED beyond 5 owned crews. logo_url ' +
          'must come from POST /uploads/image (422 INVALID_IMAGE_URL); a cover image needs level 3 (403 LEVEL_REQUIRED). ' +
          'It becomes the caller’s primary crew if they have none.',
        body: CreateCrewBody,
        response: { 201: CrewItem, 403: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await service.create(deps, request.userId, request.body)),
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Public crews, most members first',
        querystring: CrewListQuery,
        response: { 200: CrewList, 422: ErrorRef },
      },
    },
    (request) => service.list(db, request.userId, request.query),
  );

  app.get(
    '/my',
    { schema: { tags, summary: 'The caller’s crews, latest joined first', response: { 200: Type.Array(CrewItem) } } },
    (request) => service.mine(db, request.userId),
  );

  app.put(
    '/my/primary',
    {
      schema: {
        tags,
        summary: 'Choose the crew shown on the caller’s profile (crew_name)',
        description: 'One of the caller’s crews (404 otherwise); null shows none. Leaving the crew clears it.',
        body: PrimaryCrewBody,
        response: { 200: PrimaryCrew, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.setPrimary(db, request.userId, request.body.crew_id?.toLowerCase() ?? null),
  );

  app.get(
    '/:crew_id',
    {
      schema: {
        tags,
        summary: 'A crew, with its member count and the caller’s membership',
        description: 'A crew that is not public is 404 to anyone but its members.',
        params: CrewId,
        response: { 200: CrewItem, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.get(db, request.userId, request.params.crew_id),
  );

  app.patch(
    '/:crew_id',
    {
      preValidation: normalise,
      schema: {
        tags,
        summary: 'Edit a crew (owner or admin)',
        description:
          'Absent keys stay; null clears a nullable field. A new badge colour or cover needs level 3, custom grade names ' +
          'level 4 (403 LEVEL_REQUIRED); max_members below the current members is 409 CAPACITY_BELOW_MEMBERS.',
        params: CrewId,
        body: UpdateCrewBody,
        response: { 200: CrewItem, 403: ErrorRef, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.update(deps, request.log, request.userId, request.params.crew_id, request.body),
  );

  app.delete(
    '/:crew_id',
    {
      schema: {
        tags,
        summary: 'Delete a crew (owner only)',
        description: 'Its memberships, join requests, challenges and held courses go with it; nothing else any user owns.',
        params: CrewId,
        response: { 204: NoContent('Deleted'), 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.remove(deps, request.log, request.userId, request.params.crew_id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/:crew_id/join',
    {
      schema: {
        tags,
        summary: 'Join an open crew',
        description:
          '409 ALREADY_MEMBER; 409 APPROVAL_REQUIRED for an approval-only crew (send a join request); 409 CREW_FULL at its ' +
          'member limit (enforced under concurrent joins).',
        params: CrewId,
        response: { 200: CrewItem, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => membership.join(deps, request.userId, request.params.crew_id),
  );

  app.post(
    '/:crew_id/leave',
    {
      schema: {
        tags,
        summary: 'Leave a crew',
        description:
          'The owner hands the crew over first (409 OWNER_MUST_HAND_OVER), unless they are its last member: then the crew ' +
          'is deleted. 404 when the caller is not a member.',
        params: CrewId,
        response: { 204: NoContent('Left'), 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      const images = await membership.leave(deps, request.userId, request.params.crew_id);
      await service.releaseImages(deps, request.log, images);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/:crew_id/invite',
    {
      schema: {
        tags,
        summary: 'Add a user by their code (owner or admin)',
        description: 'The user gets a crew_join_approved push. 404 for an unknown code; 409 ALREADY_MEMBER or CREW_FULL.',
        params: CrewId,
        body: InviteBody,
        response: { 201: CrewMember, 403: ErrorRef, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await membership.invite(deps, request.userId, request.params.crew_id, request.body.user_code)),
  );

  app.get(
    '/:crew_id/members',
    {
      schema: {
        tags,
        summary: 'Members, highest grade first, then who joined first',
        params: CrewId,
        querystring: PageQuery(50),
        response: { 200: CrewMemberList, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => membership.members(db, request.userId, request.params.crew_id, request.query),
  );

  app.delete(
    '/:crew_id/members/:user_id',
    {
      schema: {
        tags,
        summary: 'Remove a member (owner or admin; only members below the caller)',
        params: CrewMemberParams,
        response: { 204: NoContent('Removed'), 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await membership.removeMember(deps, request.userId, request.params.crew_id, request.params.user_id.toLowerCase());
      return reply.status(204).send(null);
    },
  );

  app.patch(
    '/:crew_id/members/:user_id/role',
    {
      schema: {
        tags,
        summary: 'Make a member an admin or a member, or hand the crew over (owner only)',
        params: CrewMemberParams,
        body: RoleBody,
        response: { 200: CrewMember, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => membership.changeRole(deps, request.userId, request.params.crew_id, request.params.user_id.toLowerCase(), request.body.role),
  );

  app.patch(
    '/:crew_id/members/:user_id/grade',
    {
      schema: {
        tags,
        summary: 'Change the grade of a member below the caller to a grade below the caller’s (owner or admin)',
        params: CrewMemberParams,
        body: GradeBody,
        response: { 200: CrewMember, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) =>
      membership.changeGrade(deps, request.userId, request.params.crew_id, request.params.user_id.toLowerCase(), request.body.grade_level),
  );

  // ---- join requests

  app.post(
    '/:crew_id/join-requests',
    {
      // The message is optional, and so is a body holding only it.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags,
        summary: 'Ask to join an approval-only crew',
        description:
          'Its owner and admins get a crew_join_request push. 409 NO_APPROVAL_NEEDED for an open crew, ALREADY_MEMBER, ' +
          'ALREADY_REQUESTED (one pending request at a time) or CREW_FULL.',
        params: CrewId,
        body: JoinRequestBody,
        response: { 201: JoinRequestItem, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await requests.create(deps, request.userId, request.params.crew_id, request.body.message ?? null)),
  );

  app.get(
    '/:crew_id/join-requests',
    {
      schema: {
        tags,
        summary: 'Pending join requests, oldest first (owner or admin)',
        params: CrewId,
        querystring: PageQuery(20),
        response: { 200: JoinRequestList, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => requests.list(db, request.userId, request.params.crew_id, request.query),
  );

  app.get(
    '/:crew_id/join-requests/my',
    {
      schema: {
        tags,
        summary: 'The caller’s pending request to the crew',
        params: CrewId,
        response: { 200: MyJoinRequest, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => requests.mine(db, request.userId, request.params.crew_id),
  );

  app.get(
    '/:crew_id/join-requests/count',
    {
      schema: {
        tags,
        summary: 'How many join requests are pending (owner or admin)',
        params: CrewId,
        response: { 200: Count, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => requests.count(db, request.userId, request.params.crew_id),
  );

  app.patch(
    '/:crew_id/join-requests/:request_id/approve',
    {
      schema: {
        tags,
        summary: 'Approve a pending request (owner or admin): the user becomes a member',
        description: 'The user gets a crew_join_approved push. 409 REQUEST_NOT_PENDING once settled; 409 CREW_FULL.',
        params: JoinRequestParams,
        response: { 200: JoinRequestItem, 403: ErrorRef, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => requests.approve(deps, request.userId, request.params.crew_id, request.params.request_id),
  );

  app.patch(
    '/:crew_id/join-requests/:request_id/reject',
    {
      schema: {
        tags,
        summary: 'Reject a pending request (owner or admin)',
        params: JoinRequestParams,
        response: { 204: NoContent('Rejected'), 403: ErrorRef, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await requests.reject(deps, request.userId, request.params.crew_id, request.params.request_id);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/:crew_id/join-requests/:request_id',
    {
      schema: {
        tags,
        summary: 'Withdraw the caller’s own pending request',
        params: JoinRequestParams,
        response: { 204: NoContent('Withdrawn'), 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await requests.cancel(db, request.userId, request.params.crew_id, request.params.request_id);
      return reply.status(204).send(null);
    },
  );

  // ---- activity

  app.get(
    '/:crew_id/weekly-ranking',
    {
      schema: {
        tags,
        summary: 'Members by distance this week (the caller’s calendar week, in their time zone)',
        description: 'The crew’s best 100; Strava and implausible runs do not count (others see this).',
        params: CrewId,
        response: { 200: WeeklyRanking, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => activity.weeklyRanking(db, request.userId, request.params.crew_id, deps.config.DEFAULT_TIME_ZONE),
  );

  app.get(
    '/:crew_id/active-courses',
    {
      schema: {
        tags,
        summary: 'Courses the members ran in the last 30 days, most runs first (up to 20)',
        params: CrewId,
        response: { 200: Type.Array(ActiveCourse), 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => activity.activeCourses(db, request.userId, request.params.crew_id),
  );

  app.get(
    '/:crew_id/management/stats',
    {
      schema: {
        tags,
        summary: 'Members by grade, pending requests, joins and departures of the last 7 days (owner or admin)',
        params: CrewId,
        response: { 200: ManagementStats, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => activity.managementStats(db, request.userId, request.params.crew_id),
  );
};
