// The error statuses every API route can answer whatever its own schema says, added to each route's documented
// responses so the OpenAPI document tells the whole truth: 429 (rate limit) and 503 (overload, database outage)
// on every route, and on methods that carry a body the body parser's 400 (bad JSON), 413 (too large) and 415
// (unsupported content type). A route's own declaration of a status wins.
import type { FastifyInstance } from 'fastify';

const error = { $ref: 'ErrorBody' };
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Call inside the API scope, before its routes are registered. */
export function declareCommonErrors(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const hasBody = [route.method].flat().some((m) => BODY_METHODS.has(m));
    route.schema = {
      ...route.schema,
      response: {
        ...(hasBody ? { 400: error, 413: error, 415: error } : {}),
        429: error,
        503: error,
        ...(route.schema?.response as object | undefined),
      },
    };
  });
}
