// Export routes: GET /runs/{run_id}/export.gpx, and the personal-data archive under /users/me/export.
// All need a bearer token and serve only the caller's own data (404 for anything else).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ExportParams, ExportStatus, FileBody, RunParams } from './schemas.js';
import * as service from './service.js';

const tags = ['exports'];
const ErrorRef = Type.Ref('ErrorBody');

const attachment = (fileName: string) => `attachment; filename="${fileName}"`;

export const exportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.deps;
  const exportsUrl = `${app.deps.config.publicBaseUrl}${app.prefix}/users/me/export`;

  app.get(
    '/runs/:run_id/export.gpx',
    {
      schema: {
        tags,
        summary: 'One of the caller’s runs as a GPX 1.1 file',
        description: 'Track points with time and elevation when the app recorded them, otherwise the route’s positions.',
        params: RunParams,
        response: { 200: FileBody('application/gpx+xml', 'GPX 1.1 document'), 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      const { fileName, gpx } = await service.runGpxExport(db, request.userId, request.params.run_id);
      return reply.type('application/gpx+xml; charset=utf-8').header('content-disposition', attachment(fileName)).send(gpx);
    },
  );

  app.post(
    '/users/me/export',
    {
      schema: {
        tags,
        summary: 'Ask for an archive of all the caller’s data (GDPR)',
        description:
          'Builds a ZIP in the background (profile, runs with GeoJSON routes, courses, reviews, follows, rankings, and a ' +
          'GPX file per run). While one is pending or processing, that one is returned instead of starting another.',
        response: { 202: ExportStatus },
      },
    },
    async (request, reply) => reply.status(202).send(await service.requestUserExport(app.deps, exportsUrl, request.userId)),
  );

  app.get(
    '/users/me/export',
    {
      schema: {
        tags,
        summary: 'Status of the caller’s latest data archive, with its download URL once ready',
        response: { 200: ExportStatus, 404: ErrorRef },
      },
    },
    (request) => service.userExportStatus(db, exportsUrl, request.userId),
  );

  app.get(
    '/users/me/export/:export_id/download',
    {
      schema: {
        tags,
        summary: 'Download the caller’s data archive (ZIP)',
        params: ExportParams,
        response: { 200: FileBody('application/zip', 'ZIP archive'), 404: ErrorRef, 422: ErrorRef },
      },
    },
    async (request, reply) => {
      const file = await service.openUserExport(app.deps, request.userId, request.params.export_id);
      reply.type('application/zip').header('content-disposition', attachment(file.fileName)).header('cache-control', 'private, no-store');
      if (file.size !== null) reply.header('content-length', file.size);
      return reply.send(file.stream);
    },
  );
};
