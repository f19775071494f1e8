// Crew challenge routes, under /crews, and the crews' ranking on a course, under /courses (the newer app's
// crewChallengeService.ts). Every route needs a bearer token; who may do what is permissions.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Nullable } from '../../infra/http/schemas.js';
import * as challenges from './challenges.js';
import { ChallengeHistory, ChallengeItem, ChallengeParams, CourseParams, CreateChallengeBody, CrewCourseRankingList } from './challenge-schemas.js';
import { courseCrewRankings } from './course-rankings.js';
import { CrewId, PageQuery } from './schemas.js';

const tags = ['crews'];
const ErrorRef = Type.Ref('ErrorBody');
const READERS = 'Members of the crew, or anyone signed in for a public crew (404 otherwise).';

export const crewChallengeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;
  const { db } = deps;

  app.post(
    '/:crew_id/challenges',
    {
      schema: {
        tags,
        summary: 'Start a challenge on a course (owner or admin)',
        description:
          'One active challenge per crew: 409 CHALLENGE_LIMIT while one runs (also under concurrent starts). The course ' +
          'must be public or the caller’s own (404 otherwise); a challenge on a private course is shown only to whoever ' +
          'may see the course.',
        params: CrewId,
        body: CreateChallengeBody,
        response: { 201: ChallengeItem, 403: ErrorRef, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await challenges.create(deps, request.userId, request.params.crew_id, request.body.course_id.toLowerCase())),
  );

  app.get(
    '/:crew_id/challenges/active',
    {
      schema: {
        tags,
        summary: 'The crew’s active challenge with its progress, or null',
        description:
          `${READERS} Progress counts the members’ runs on the course since the challenge started (and since they joined); ` +
          'Strava and implausible runs never count.',
        params: CrewId,
        response: { 200: Nullable(ChallengeItem), 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => challenges.active(db, request.userId, request.params.crew_id),
  );

  app.post(
    '/:crew_id/challenges/:challenge_id/end',
    {
      schema: {
        tags,
        summary: 'End the crew’s challenge (owner or admin)',
        description: '409 CHALLENGE_NOT_ACTIVE once ended; 404 for a challenge of another crew.',
        params: ChallengeParams,
        response: { 200: ChallengeItem, 403: ErrorRef, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => challenges.end(deps, request.userId, request.params.crew_id, request.params.challenge_id.toLowerCase()),
  );

  app.get(
    '/:crew_id/challenges/history',
    {
      schema: {
        tags,
        summary: 'Ended challenges, the latest ended first',
        description: READERS,
        params: CrewId,
        querystring: PageQuery(10),
        response: { 200: ChallengeHistory, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => challenges.history(db, request.userId, request.params.crew_id, request.query),
  );
};

export const courseCrewRankingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.deps;

  app.get(
    '/:course_id/crew-rankings',
    {
      schema: {
        tags,
        summary: 'Crews by the average best time of their three fastest members on the course',
        description:
          'The standings of course occupation: rank 1 holds the course. Public crews with at least three members ranked ' +
          'on the course take part; my_crews holds the caller’s ranked crews not on this page. A private course is 404 ' +
          'to all but its creator.',
        params: CourseParams,
        querystring: PageQuery(20),
        response: { 200: CrewCourseRankingList, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => courseCrewRankings(db, request.userId, request.params.course_id.toLowerCase(), request.query),
  );
};
