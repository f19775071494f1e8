// GET /heatmap (API.md §15): public, no token needed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Heatmap, HeatmapQuery } from './schemas.js';
import { heatmap } from './service.js';

export const heatmapRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.deps;

  app.get(
    '/heatmap',
    {
      config: { public: true },
      schema: {
        tags: ['heatmap'],
        summary: 'Where people run: public runs counted per grid cell (ends of runs left out)',
        querystring: HeatmapQuery,
        response: { 200: Heatmap, 422: Type.Ref('ErrorBody') },
      },
    },
    (request) => heatmap(db, request.query),
  );
};
