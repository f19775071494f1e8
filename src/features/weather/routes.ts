// GET /weather/current (API.md §14): public, no token needed; never an error except 422.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { OpenWeather } from './openweather.js';
import { Weather, WeatherQuery } from './schemas.js';

export const weatherRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const weather = new OpenWeather(app.deps.config, app.deps.logger);

  app.get(
    '/weather/current',
    {
      config: { public: true },
      schema: {
        tags: ['weather'],
        summary: 'Current weather and air quality near a point (fixed fallback when unavailable)',
        querystring: WeatherQuery,
        response: { 200: Weather, 422: Type.Ref('ErrorBody') },
      },
    },
    (request) => weather.current(request.query.lat, request.query.lng),
  );
};
