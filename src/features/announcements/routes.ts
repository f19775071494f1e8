// Announcement routes: the newer app's GET /announcements (announcementService.ts, called by the home screen, which
// only signed-in users reach, so it needs a bearer token like every route), and the administrators' routes under
// /admin/announcements, refused with 403 to anyone whose users.is_admin is not set (checked on every request).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { assertAdmin } from '../admin/guard.js';
import {
  AdminAnnouncement, AdminAnnouncementList, AdminListQuery, AnnouncementId, AnnouncementList, AnnouncementListQuery,
  CreateAnnouncementBody, UpdateAnnouncementBody,
} from './schemas.js';
import * as service from './service.js';

const ErrorRef = Type.Ref('ErrorBody');
const normalise = async (request: { body: unknown }) => service.normaliseBody(request.body);

export const announcementsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.deps;

  app.get(
    '/',
    {
      schema: {
        tags: ['announcements'],
        summary: 'The announcements shown now: published and within their window, pinned (higher priority) first, then the newest',
        description: 'Newest by when each went up: starts_at, or created_at when it has none.',
        querystring: AnnouncementListQuery,
        response: { 200: AnnouncementList, 422: ErrorRef },
      },
    },
    (request) => service.listLive(db, request.query.limit),
  );
};

const ADMIN_ONLY = '403 FORBIDDEN unless the caller is an administrator (`npm run admin -- grant`), whatever else the request holds.';
const WRITE_RULES =
  'image_url must come from POST /uploads/image (422 INVALID_IMAGE_URL). link_type url takes an http(s) URL, crew the ' +
  'id of a public crew, event the id of a listed event, none no link_value (422 INVALID_LINK); ends_at must be after ' +
  'starts_at (422 INVALID_WINDOW).';

export const adminAnnouncementsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;
  const { db } = deps;
  const tags = ['admin'];
  // After the token check of the /api/v1 scope and before validation: a non-administrator learns nothing more.
  app.addHook('onRequest', async (request) => assertAdmin(db, request.userId));

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Every announcement, unpublished, scheduled and ended ones included, latest written first',
        description: ADMIN_ONLY,
        querystring: AdminListQuery,
        response: { 200: AdminAnnouncementList, 403: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.listAll(db, request.query),
  );

  app.post(
    '/',
    {
      preValidation: normalise,
      schema: {
        tags,
        summary: 'Write an announcement (published unless is_published is false)',
        description: `${ADMIN_ONLY} ${WRITE_RULES}`,
        body: CreateAnnouncementBody,
        response: { 201: AdminAnnouncement, 403: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await service.create(deps, request.userId, request.body)),
  );

  app.get(
    '/:announcement_id',
    {
      schema: {
        tags,
        summary: 'One announcement',
        description: ADMIN_ONLY,
        params: AnnouncementId,
        response: { 200: AdminAnnouncement, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.get(db, request.params.announcement_id),
  );

  app.patch(
    '/:announcement_id',
    {
      preValidation: normalise,
      schema: {
        tags,
        summary: 'Edit, unpublish (is_published false) or republish an announcement',
        description: `${ADMIN_ONLY} Absent keys stay; null clears a nullable field. ${WRITE_RULES}`,
        params: AnnouncementId,
        body: UpdateAnnouncementBody,
        response: { 200: AdminAnnouncement, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.update(deps, request.params.announcement_id, request.body),
  );

  app.delete(
    '/:announcement_id',
    {
      schema: {
        tags,
        summary: 'Delete an announcement',
        description: ADMIN_ONLY,
        params: AnnouncementId,
        response: { 204: Type.Null({ description: 'Deleted' }), 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.remove(db, request.params.announcement_id);
      return reply.status(204).send(null);
    },
  );
};
