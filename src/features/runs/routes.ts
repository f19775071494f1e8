// /runs routes (API.md §6, DECISIONS M7/M8) and GET /users/me/runs (§3). Every route needs a bearer token and
// acts only on the caller's own sessions and runs: anyone else's are reported as missing (404).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  ChunkBatchBody,
  ChunkBatchResult,
  ChunkBody,
  ChunkStored,
  CompleteBody,
  CreateSessionBody,
  MyRunsQuery,
  RecoverBody,
  RunCompleted,
  RunDetail,
  RunHistoryPage,
  RunParams,
  RunRecovered,
  SessionCreated,
  SessionParams,
} from './schemas.js';
import * as service from './service.js';

const tags = ['runs'];
const error = Type.Ref('ErrorBody');
const NoContent = Type.Null({ description: 'Done' });
/** A whole run's route (up to MAX_ROUTE_POINTS positions) or a batch of chunks is larger than other requests. */
const RUN_BODY_LIMIT = 4 * 1024 * 1024;

/** Registered with the prefix /runs. */
export const runsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;
  const { db } = deps;
  const bodyLimit = Math.max(RUN_BODY_LIMIT, deps.config.BODY_LIMIT_KB * 1024);

  app.post(
    '/sessions',
    {
      schema: {
        tags,
        summary: 'Start a run session',
        description: 'course_id, if given, must be a course the caller can see. started_at may not lie in the future.',
        body: CreateSessionBody,
        response: { 201: SessionCreated, 404: error, 422: error },
      },
    },
    async (request, reply) => reply.status(201).send(await service.createSession(db, request.userId, request.body)),
  );

  app.post(
    '/sessions/:session_id/chunks',
    {
      schema: {
        tags,
        summary: 'Upload one chunk of an active session',
        description:
          'Idempotent per sequence: sending a stored chunk again answers 201 with the stored chunk; other content ' +
          'under a stored sequence is 409 DUPLICATE_CHUNK.',
        params: SessionParams,
        body: ChunkBody,
        response: { 201: ChunkStored, 404: error, 409: error, 422: error },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await service.uploadChunk(db, request.userId, request.params.session_id, request.body)),
  );

  app.post(
    '/sessions/:session_id/chunks/batch',
    {
      bodyLimit,
      schema: {
        tags,
        summary: 'Upload several chunks',
        description: 'Stored sequences count as received; a chunk that cannot be stored is listed as failed.',
        params: SessionParams,
        body: ChunkBatchBody,
        response: { 200: ChunkBatchResult, 404: error, 409: error, 422: error },
      },
    },
    (request) => service.uploadChunkBatch(db, request.userId, request.params.session_id, request.body),
  );

  app.post(
    '/sessions/:session_id/complete',
    {
      bodyLimit,
      schema: {
        tags,
        summary: 'Finish a session into a run',
        description:
          'The server matches the run against nearby courses (M8), checks it is plausible, ranks it and returns ' +
          'the ranking. Idempotent: a repeated completion returns the first answer.',
        params: SessionParams,
        body: CompleteBody,
        response: { 201: RunCompleted, 404: error, 409: error, 422: error },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await service.completeRun(deps, request.userId, request.params.session_id, request.body)),
  );

  app.post(
    '/sessions/:session_id/recover',
    {
      schema: {
        tags,
        summary: 'Rebuild a run from the chunks of an unfinished session',
        params: SessionParams,
        body: RecoverBody,
        response: { 200: RunRecovered, 400: error, 404: error, 409: error, 422: error },
      },
    },
    (request) => service.recoverRun(deps, request.userId, request.params.session_id, request.body),
  );

  app.delete(
    '/sessions/:session_id',
    {
      schema: {
        tags,
        summary: 'Discard an unfinished session (M7)',
        params: SessionParams,
        response: { 204: NoContent, 404: error, 409: error, 422: error },
      },
    },
    async (request, reply) => {
      await service.discardSession(db, request.userId, request.params.session_id);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/:run_id',
    {
      schema: {
        tags,
        summary: 'Delete a run',
        description: 'Also undoes its effect on the totals, the leaderboard and the course statistics.',
        params: RunParams,
        response: { 204: NoContent, 404: error, 422: error },
      },
    },
    async (request, reply) => {
      await service.deleteRun(deps, request.userId, request.params.run_id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/:run_id',
    {
      schema: { tags, summary: 'A run of the caller', params: RunParams, response: { 200: RunDetail, 404: error, 422: error } },
    },
    (request) => service.getRun(db, request.userId, request.params.run_id),
  );
};

/** Registered with the prefix /users. */
export const myRunsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/me/runs',
    {
      schema: {
        tags: ['users'],
        summary: "The caller's runs",
        description: '`limit`, when given, replaces `per_page`.',
        querystring: MyRunsQuery,
        response: { 200: RunHistoryPage, 422: error },
      },
    },
    (request) => service.listMyRuns(app.deps.db, request.userId, request.query),
  );
};
