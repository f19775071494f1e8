// Gear routes (the newer app's gearService.ts): /gear for the caller's own gear, /users/{id}/gear for anyone's.
// Every route needs a bearer token; another user's gear is missing (404) to every mutation.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { GEAR_BRANDS, GearBrands, GearCreateBody, GearItem, GearList, GearParams, GearUpdateBody, UserId } from './schemas.js';
import * as service from './service.js';

const tags = ['gear'];
const ErrorRef = Type.Ref('ErrorBody');
const normalise = async (request: { body: unknown }) => service.normaliseGearBody(request.body);

/** Registered without a prefix: its paths are /gear… and /users/{user_id}/gear. */
export const gearRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;
  const { db } = deps;

  app.get(
    '/gear/brands',
    { schema: { tags, summary: 'The brands the app offers', response: { 200: GearBrands } } },
    async () => ({ brands: [...GEAR_BRANDS] }),
  );

  app.get(
    '/gear',
    { schema: { tags, summary: 'The caller’s gear: the primary first, retired last', response: { 200: GearList } } },
    (request) => service.listMine(db, request.userId),
  );

  app.post(
    '/gear',
    {
      preValidation: normalise,
      schema: {
        tags,
        summary: 'Add gear',
        description:
          'brand is one of GET /gear/brands or the runner’s own (1–50 characters). is_primary makes it the default ' +
          'gear, which runs are counted on when they name none. 409 GEAR_LIMIT_REACHED beyond 50 items, 409 GEAR_RETIRED ' +
          'for retired primary gear; image_url must come from POST /uploads/image (422 INVALID_IMAGE_URL).',
        body: GearCreateBody,
        response: { 201: GearItem, 409: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await service.create(deps, request.userId, request.body)),
  );

  app.patch(
    '/gear/:gear_id',
    {
      preValidation: normalise,
      schema: {
        tags,
        summary: 'Edit, make primary or retire gear of the caller',
        description: 'Absent keys stay, null clears. Retiring the primary gear leaves the caller without one.',
        params: GearParams,
        body: GearUpdateBody,
        response: { 200: GearItem, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.update(deps, request.userId, request.params.gear_id, request.body),
  );

  app.delete(
    '/gear/:gear_id',
    {
      schema: {
        tags,
        summary: 'Delete gear of the caller; its runs stay, on no gear',
        params: GearParams,
        response: { 204: Type.Null({ description: 'Deleted' }), 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      await service.remove(db, request.userId, request.params.gear_id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/users/:user_id/gear',
    {
      schema: {
        tags,
        summary: 'A user’s gear, as their profile shows it',
        description: 'For anyone but the user, runs imported from Strava add no distance (only its owner may see Strava data).',
        params: UserId,
        response: { 200: GearList, 404: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.listOfUser(db, request.userId, request.params.user_id),
  );
};
