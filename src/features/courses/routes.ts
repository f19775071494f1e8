// /courses routes (API.md §5) and GET /users/me/courses (§3). Listing, nearby, map, detail and stats answer
// without a token; when the app sends one anyway it is read, so owners see their private courses.
// The rankings, reviews and likes features register their own /courses/{id}/… paths.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../infra/errors.js';
import { authenticate } from '../auth/guard.js';
import {
  BoundsQuery,
  CorrectedRoute,
  CorrectRouteBody,
  CourseDetail,
  CourseId,
  CourseList,
  CourseMarker,
  CourseStats,
  CreateCourseBody,
  CreatedCourse,
  ListQuery,
  MyCourse,
  NearbyCourse,
  NearbyQuery,
  UpdateCourseBody,
  UpdatedCourse,
} from './schemas.js';
import * as service from './service.js';

const tags = ['courses'];
const ErrorRef = Type.Ref('ErrorBody');
const publicRoute = { public: true };

interface Caller {
  userId?: string;
  /** Why a token that was sent was refused. */
  tokenError?: unknown;
}

async function optionalCaller(app: FastifyInstance, request: FastifyRequest): Promise<Caller> {
  if (!request.headers.authorization) return {};
  try {
    return { userId: await authenticate(app, request) };
  } catch (tokenError) {
    return { tokenError };
  }
}

/**
 * Reads something private courses hide. When it is hidden (404) and the caller's token was refused, the 401 is
 * answered instead, so the app refreshes its token and retries (an owner's expired token must not hide their
 * own course). Missing and hidden courses get the same answer, so nothing leaks.
 */
async function asCaller<T>(app: FastifyInstance, request: FastifyRequest, read: (userId: string | undefined) => Promise<T>): Promise<T> {
  const caller = await optionalCaller(app, request);
  try {
    return await read(caller.userId);
  } catch (err) {
    if (caller.tokenError && err instanceof AppError && err.statusCode === 404) throw caller.tokenError;
    throw err;
  }
}

export const coursesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.deps;
  const { publicBaseUrl } = app.deps.config;
  const links = { pages: `${publicBaseUrl}${service.COURSE_PAGES_PREFIX}`, api: `${publicBaseUrl}${app.prefix}` };

  app.post(
    '/',
    {
      preValidation: async (request) => service.normaliseCourseBody(request.body),
      schema: {
        tags,
        summary: 'Create a course from one of the caller’s runs',
        body: CreateCourseBody,
        response: { 201: CreatedCourse, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await service.createCourse(db, app.deps.jobs, links, request.userId, request.body)),
  );

  app.get(
    '/',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'Public courses: search, filters, sorting, 0-based pages',
        querystring: ListQuery,
        response: { 200: CourseList, 422: ErrorRef },
      },
    },
    (request) => service.listCourses(db, request.query),
  );

  app.get(
    '/nearby',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'Public courses starting near a point, nearest first',
        querystring: NearbyQuery,
        response: { 200: Type.Array(NearbyCourse), 422: ErrorRef },
      },
    },
    (request) => service.nearbyCourses(db, request.query),
  );

  app.get(
    '/bounds',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'Map markers of public courses starting in a SW–NE box (may cross the antimeridian)',
        querystring: BoundsQuery,
        response: { 200: Type.Array(CourseMarker), 422: ErrorRef },
      },
    },
    async (request) => service.coursesInBounds(db, request.query, (await optionalCaller(app, request)).userId),
  );

  app.get(
    '/:course_id',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'A course with its route (private courses: owner only)',
        params: CourseId,
        response: { 200: CourseDetail, 401: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => asCaller(app, request, (userId) => service.getCourse(db, request.params.course_id, userId)),
  );

  app.get(
    '/:course_id/stats',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'A course’s statistics (private courses: owner only)',
        params: CourseId,
        response: { 200: CourseStats, 401: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => asCaller(app, request, (userId) => service.getCourseStats(db, request.params.course_id, userId)),
  );

  app.get(
    '/:course_id/thumbnail',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'The course picture, at the stable address POST /courses answers as thumbnail_url',
        description:
          'The stored picture once the thumbnail job has drawn it (a redirect for a picture kept elsewhere); ' +
          '404 THUMBNAIL_NOT_READY with Retry-After before. Private courses: owner only.',
        params: CourseId,
        response: {
          200: { description: 'The picture', content: { 'image/png': { schema: Type.String({ format: 'binary' }) }, 'image/jpeg': { schema: Type.String({ format: 'binary' }) } } },
          302: Type.Null({ description: 'To a picture kept elsewhere' }),
          401: ErrorRef,
          404: ErrorRef,
          422: ErrorRef,
        },
      },
    },
    async (request, reply) => {
      const picture = await asCaller(app, request, (userId) => service.coursePicture(db, app.deps.storage, request.params.course_id, userId));
      if ('elsewhere' in picture) return reply.redirect(picture.elsewhere, 302);
      // A redrawn picture gets a new file: the address may show it after a few minutes.
      return reply.type(picture.contentType).header('cache-control', 'private, max-age=300').send(picture.bytes);
    },
  );

  app.patch(
    '/:course_id',
    {
      preValidation: async (request) => service.normaliseCourseBody(request.body),
      schema: {
        tags,
        summary: 'Edit the caller’s course: absent or null keys stay, an empty description clears it',
        params: CourseId,
        body: UpdateCourseBody,
        response: { 200: UpdatedCourse, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.updateCourse(db, request.params.course_id, request.userId, request.body),
  );

  app.patch(
    '/:course_id/route',
    {
      schema: {
        tags,
        summary: 'Correct the caller’s course route by a few metres (GPS error)',
        params: CourseId,
        body: CorrectRouteBody,
        response: { 200: CorrectedRoute, 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.correctRoute(db, app.deps.jobs, request.params.course_id, request.userId, request.body),
  );

  app.delete(
    '/:course_id',
    {
      schema: {
        tags,
        summary: 'Delete the caller’s course (runs on it keep existing without it)',
        params: CourseId,
        response: { 204: Type.Null({ description: 'Deleted' }), 403: ErrorRef, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.deleteCourse(db, request.params.course_id, request.userId);
      return reply.status(204).send(null);
    },
  );
};

/** GET /users/me/courses; registered with the prefix /users. */
export const myCoursesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/me/courses',
    {
      schema: {
        tags,
        summary: 'The caller’s courses, public and private, newest first',
        response: { 200: Type.Array(MyCourse) },
      },
    },
    (request) => service.myCourses(app.deps.db, request.userId),
  );
};
