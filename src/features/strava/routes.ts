// /strava routes (API.md §17): connect, status, the athlete's runs on Strava, single and bulk import, disconnect,
// and Strava's webhook. Errors have the one error body; the app shows its `detail`.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  ActivitiesQuery,
  ActivityItem,
  AuthUrl,
  CallbackBody,
  ConnectionStatus,
  SyncAccepted,
  SyncAllQuery,
  SyncBody,
} from './schemas.js';
import * as service from './service.js';
import { webhookRoutes } from './webhook.js';

const tags = ['strava'];
const error = Type.Ref('ErrorBody');
const NoContent = Type.Null({ description: 'Disconnected' });

/** Registered with the prefix /strava. */
export const stravaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;

  app.get(
    '/auth-url',
    {
      schema: {
        tags,
        summary: "Strava's authorize URL, with a state bound to the caller",
        response: { 200: AuthUrl, 503: error },
      },
    },
    (request) => service.authUrl(deps.config, request.userId),
  );

  app.post(
    '/callback',
    {
      schema: {
        tags,
        summary: 'Connect Strava with the authorization code',
        description:
          'The state must be one GET /strava/auth-url gave the caller in the last 10 minutes (400 invalid or ' +
          'expired, 403 issued to another user). The runs of the last 30 days (at most 50) are imported in the background.',
        body: CallbackBody,
        response: { 200: ConnectionStatus, 400: error, 403: error, 422: error, 502: error, 503: error },
      },
    },
    (request) => service.connect(deps, request.userId, request.body),
  );

  app.get(
    '/status',
    { schema: { tags, summary: "The caller's Strava connection", response: { 200: ConnectionStatus } } },
    (request) => service.status(deps.db, request.userId),
  );

  app.get(
    '/activities',
    {
      schema: {
        tags,
        summary: "The caller's recent runs on Strava",
        description: 'One page of Strava activities, runs only (Run, TrailRun, VirtualRun).',
        querystring: ActivitiesQuery,
        response: { 200: Type.Array(ActivityItem), 400: error, 422: error, 502: error, 503: error },
      },
    },
    (request) => service.listActivities(deps, request.userId, request.query),
  );

  app.post(
    '/sync',
    {
      schema: {
        tags,
        summary: 'Import one Strava run',
        description: 'Only runs; an activity imported before (whatever the outcome) is 409 ALREADY_IMPORTED.',
        body: SyncBody,
        response: { 201: SyncAccepted, 400: error, 404: error, 409: error, 422: error, 502: error, 503: error },
      },
    },
    async (request, reply) => reply.status(201).send(await service.syncOne(deps, request.userId, request.body.strava_activity_id)),
  );

  app.post(
    '/sync-all',
    {
      schema: {
        tags,
        summary: 'Import the most recent Strava runs (up to 200) in the background',
        description: 'Runs imported before are skipped. A Strava rate limit postpones the rest to its next window.',
        querystring: SyncAllQuery,
        response: { 202: SyncAccepted, 400: error, 422: error },
      },
    },
    async (request, reply) => reply.status(202).send(await service.syncAll(deps, request.userId, request.query.max_activities)),
  );

  app.delete(
    '/disconnect',
    {
      schema: {
        tags,
        summary: 'Disconnect Strava',
        description:
          'Revokes our access at Strava, deletes the stored tokens, and removes every run imported from Strava ' +
          '(in the background). Disconnecting when not connected is not an error.',
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await service.disconnect(deps, request.userId);
      return reply.status(204).send(null);
    },
  );

  await app.register(webhookRoutes);
};
