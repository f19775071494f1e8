// JSON bodies as Fastify parses them (secure-json-parse: a __proto__ or constructor.prototype key is refused as
// bad JSON), except that an empty body is no body: the shipped app declares `Content-Type: application/json` on
// every request, bodiless POSTs and DELETEs included. A route that needs a body then refuses the missing one in
// validation (422), as when no content type is sent.
import type { FastifyInstance } from 'fastify';

/** Call on the root instance, before any route or plugin is registered. */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body: string, done) => {
    if (body.length === 0) return done(null, undefined);
    return parse(request, body, done);
  });
}
