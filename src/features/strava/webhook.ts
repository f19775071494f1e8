// Strava's webhook (beyond the old server, DECISIONS): the subscription handshake, and events answered at once
// (Strava wants a 200 within 2 seconds) while jobs do the work. Events are not signed, so they only ever make us
// ask Strava: the jobs act on what Strava's API says (see sync.ts), never on the event's own claims.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../../infra/deps.js';
import { forbidden } from '../../infra/errors.js';
import { enqueueActivity, enqueueDeauthorization } from './jobs.js';
import * as q from './queries.js';
import type { ActivityAspect } from './sync.js';
import { HandshakeAnswer, HandshakeQuery, WebhookAck, WebhookEvent } from './schemas.js';

const ASPECTS: readonly ActivityAspect[] = ['create', 'update', 'delete'];

/** Strava posts every event of every athlete from a few addresses: a budget of its own, above the per-IP one. */
const WEBHOOK_RATE_LIMIT = { max: 1000, timeWindow: 60_000 };

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return expected !== '' && a.length === b.length && timingSafeEqual(a, b);
}

/** Queues what the event asks for, per user linked to the athlete; other events are ignored. */
export async function acceptEvent(deps: Pick<AppDeps, 'db' | 'jobs' | 'config' | 'logger'>, event: WebhookEvent): Promise<void> {
  const expected = deps.config.STRAVA_WEBHOOK_SUBSCRIPTION_ID;
  if (expected && String(event.subscription_id) !== expected) {
    deps.logger.warn({ subscriptionId: event.subscription_id }, 'Strava event of another subscription ignored');
    return;
  }
  const deauthorized = event.object_type === 'athlete' && String(event.updates?.authorized) === 'false';
  const aspect = event.object_type === 'activity' ? ASPECTS.find((a) => a === event.aspect_type) : undefined;
  if (!deauthorized && !aspect) return;
  const users = await q.usersOfAthlete(deps.db, String(event.owner_id));
  if (users.length === 0) return;
  await deps.db.transaction(async (tx) => {
    for (const user of users) {
      if (deauthorized) await enqueueDeauthorization(deps.jobs, tx, user.user_id);
      else if (aspect && (aspect !== 'create' || user.auto_sync)) {
        await enqueueActivity(deps.jobs, tx, { userId: user.user_id, activityId: event.object_id, aspect });
      }
    }
  });
}

/** Registered inside the /strava routes; both routes are public (Strava calls them without our tokens). */
export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;
  const tags = ['strava'];

  app.get(
    '/webhook',
    {
      config: { public: true, rateLimit: WEBHOOK_RATE_LIMIT },
      schema: {
        tags,
        summary: "Strava's webhook subscription handshake",
        description: 'Echoes hub.challenge when hub.verify_token is STRAVA_WEBHOOK_VERIFY_TOKEN; 403 otherwise.',
        querystring: HandshakeQuery,
        response: { 200: HandshakeAnswer, 403: Type.Ref('ErrorBody'), 422: Type.Ref('ErrorBody') },
      },
    },
    async (request) => {
      const query = request.query;
      if (query['hub.mode'] !== 'subscribe' || !sameSecret(query['hub.verify_token'], deps.config.STRAVA_WEBHOOK_VERIFY_TOKEN)) {
        throw forbidden('Webhook verification failed');
      }
      return { 'hub.challenge': query['hub.challenge'] };
    },
  );

  app.post(
    '/webhook',
    {
      config: { public: true, rateLimit: WEBHOOK_RATE_LIMIT },
      schema: {
        tags,
        summary: 'Strava webhook events (new, edited and deleted activities; deauthorisation)',
        body: WebhookEvent,
        response: { 200: WebhookAck, 422: Type.Ref('ErrorBody') },
      },
    },
    async (request) => {
      await acceptEvent(deps, request.body);
      return { status: 'ok' as const };
    },
  );
};
