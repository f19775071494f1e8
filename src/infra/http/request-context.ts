// Request ids and the access log: a valid incoming X-Request-Id is kept (so a trace crosses the
// proxy), anything else is replaced; the id is echoed on the response and bound to every log line
// of the request as `request_id`. One access line is written per response.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawRequestDefaultExpression } from 'fastify';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function generateRequestId(req: RawRequestDefaultExpression): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Replaces Fastify's two lines per request (incoming/completed) with one access line. */
export class AccessLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'request_id' });
  }

  override incomingRequest(): void {}

  override routeNotFound(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    if (status < 500 && !(request.log as Logger).isLevelEnabled('info')) return;
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      url: request.url.split('?')[0],
      status,
      duration_ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (status >= 500) request.log.error({ ...line, err: error ?? undefined }, 'request completed');
    else request.log.info(line, 'request completed');
  }
}

export function registerRequestContext(app: FastifyInstance): void {
  // A callback hook, not an async one: no promise per request on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
}
