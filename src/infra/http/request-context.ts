// Request ids and the access log: a valid incoming X-Request-Id is kept (so a trace crosses the
// proxy), anything else is replaced; the id is echoed on the response and bound to every log line
// of the request as `request_id`. One access line is written per response.
import { randomUUID } from 'node:crypto';
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
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // While shutting down, a response to a request still in flight closes its keep-alive connection,
  // so the server is not left waiting for clients to hang up.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}
