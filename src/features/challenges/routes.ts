// Challenge routes (APP_V2.md; paths and keys of the newer app's challengeService.ts). Every route needs a bearer
// token; challenges are the same for everyone, and each caller sees their own joined state and progress only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ChallengeDetail, ChallengeId, ChallengeList, ChallengeListQuery } from './schemas.js';
import * as service from './service.js';

const tags = ['challenges'];
const ErrorRef = Type.Ref('ErrorBody');

export const challengesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Open challenges: active, last day not over in the caller’s time zone (upcoming included), soonest start first',
        querystring: ChallengeListQuery,
        response: { 200: ChallengeList, 422: ErrorRef },
      },
    },
    (request) => service.list(deps, request.userId, request.query),
  );

  app.get(
    '/:challenge_id',
    {
      schema: {
        tags,
        summary: 'A challenge with the caller’s progress (null until they join)',
        description:
          'Any challenge by id, ended or withdrawn ones included. Progress is read from the caller’s own plausible runs ' +
          '(Strava imports included) finished between the first and the last day of the period in the caller’s time zone.',
        params: ChallengeId,
        response: { 200: ChallengeDetail, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.get(deps, request.userId, request.params.challenge_id),
  );

  app.post(
    '/:challenge_id/join',
    {
      schema: {
        tags,
        summary: 'Join a challenge',
        description:
          '201 when joined now, 200 when the caller had already joined (nothing changes). 422 CHALLENGE_ENDED once its last ' +
          'day is over in the caller’s time zone, 422 CHALLENGE_WITHDRAWN when withdrawn. Runs already finished in the ' +
          'period count. Reaching the goal later pushes challenge_completed once (a goal already met at joining is not pushed).',
        params: ChallengeId,
        response: { 200: ChallengeDetail, 201: ChallengeDetail, 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      const { created, challenge } = await service.join(deps, request.userId, request.params.challenge_id);
      return reply.status(created ? 201 : 200).send(challenge);
    },
  );
};
