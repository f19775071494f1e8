// Contacts routes (newer app, contactService.ts): the caller's own phone hash, and matching a phone book against
// the users who uploaded theirs. Every route needs a bearer token and acts on the caller only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { createHashBudget } from './budget.js';
import { keyedHasher } from './keyed-hash.js';
import { MAX_CONTACT_HASHES, MatchContacts, MatchContactsResponse, PhoneHashStatus, SetPhoneHash } from './schemas.js';
import * as service from './service.js';
import * as q from './queries.js';

const tags = ['contacts'];
const ErrorRef = Type.Ref('ErrorBody');

export const contactsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config, logger } = app.deps;
  const budget = createHashBudget({ redis: app.redis, limit: config.CONTACT_HASHES_PER_DAY, logger });
  const deps = { db, hash: keyedHasher(config, logger), budget };
  const budgetNote = `Costs one hash of the caller's budget of CONTACT_HASHES_PER_DAY (${config.CONTACT_HASHES_PER_DAY}) per 24 hours; over it, 429 RATE_LIMITED.`;

  app.put(
    '/phone-hash',
    {
      schema: {
        tags,
        summary: "Register the caller's own phone number (its SHA-256), which lets people who have it find them",
        description: `Stored only as HMAC-SHA-256 under the server's key. A number another account holds is 409 PHONE_HASH_TAKEN. ${budgetNote}`,
        body: SetPhoneHash,
        response: { 200: PhoneHashStatus, 409: ErrorRef, 422: ErrorRef },
      },
    },
    (request) => service.setPhoneHash(deps, request.userId, request.body.phone_hash),
  );

  app.delete(
    '/phone-hash',
    {
      schema: {
        tags,
        summary: "Remove the caller's phone number: nobody finds them by it any more (idempotent)",
        response: { 204: Type.Null({ description: 'Removed, or there was none' }) },
      },
    },
    async (request, reply) => {
      await q.deletePhoneHash(db, request.userId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/phone-hash-status',
    {
      schema: { tags, summary: 'Whether the caller has registered their phone number', response: { 200: PhoneHashStatus } },
    },
    async (request) => ({ has_phone_hash: await q.hasPhoneHash(db, request.userId) }),
  );

  app.post(
    '/match',
    {
      schema: {
        tags,
        summary: 'The users, among those who registered their number, whose number is in the submitted contacts',
        description:
          `At most ${MAX_CONTACT_HASHES} hashes (422 beyond). The caller and users they already follow are left out; ` +
          `the answer does not tell which hash matched whom. Each distinct hash costs one of the caller's budget of ` +
          `CONTACT_HASHES_PER_DAY (${config.CONTACT_HASHES_PER_DAY}) per 24 hours; a request that would go over is 429 RATE_LIMITED and costs nothing.`,
        body: MatchContacts,
        response: { 200: MatchContactsResponse, 422: ErrorRef },
      },
    },
    (request) => service.matchContacts(deps, request.userId, request.body.contact_hashes),
  );
};
