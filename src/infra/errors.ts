// One error body everywhere: {code, message, detail}. Application errors repeat the message in
// `detail`; validation errors are 422 with `detail` as a list of {loc, msg, type}.
// 5xx bodies never carry internals.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import pg from 'pg';
import { isDatabaseUnavailable } from './db/unavailable.js';
import { reportServerError } from './sentry.js';

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (what = 'Resource') => new AppError(404, 'NOT_FOUND', `${what} not found`);
export const forbidden = (message = 'Not allowed') => new AppError(403, 'FORBIDDEN', message);
export const conflict = (code: string, message: string) => new AppError(409, code, message);
export const badRequest = (code: string, message: string) => new AppError(400, code, message);

export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export const ErrorBody = Type.Object(
  {
    code: Type.String({ examples: ['NOT_FOUND'] }),
    message: Type.String(),
    detail: Type.Union([
      Type.String(),
      Type.Array(
        Type.Object({
          loc: Type.Array(Type.Union([Type.String(), Type.Number()])),
          msg: Type.String(),
          type: Type.String(),
        }),
      ),
    ]),
  },
  { $id: 'ErrorBody', description: 'Every error response' },
);

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Ajv errors -> FastAPI-style `loc` paths, e.g. ["body", "distance_meters"]. */
function toIssues(context: string | undefined, issues: AjvIssue[]): ValidationIssue[] {
  const where = context === 'querystring' ? 'query' : (context ?? 'body');
  return issues.map((issue) => {
    const loc: (string | number)[] = [where];
    for (const part of issue.instancePath.split('/').slice(1)) loc.push(/^\d+$/.test(part) ? Number(part) : part);
    if (issue.keyword === 'required') loc.push(String(issue.params.missingProperty));
    if (issue.keyword === 'additionalProperties') loc.push(String(issue.params.additionalProperty));
    return { loc, msg: issue.message ?? 'invalid value', type: issue.keyword };
  });
}

function send(reply: FastifyReply, status: number, code: string, message: string, detail: unknown = message) {
  return reply.status(status).send({ code, message, detail });
}

// Fastify's own client-error codes and what the client is told.
const FASTIFY_CLIENT_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'INVALID_JSON', 'Request body is not valid JSON'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE', 'Request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BAD_REQUEST', 'Content-Length does not match the body'],
};

/**
 * Fastify's router errors, raised before a route runs: a path segment that is not valid percent-encoding or is
 * longer than the router's limit. Both are malformed path parameters: 422 like any other, in the one error body.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const msg = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'path parameter is too long' : 'path is not valid percent-encoding';
  return send(reply, 422, 'VALIDATION_ERROR', 'Request validation failed', [{ loc: ['path'], msg, type: 'format' }]);
}

/**
 * PostgreSQL data exceptions (SQLSTATE class 22: a value out of range, a NUL byte, an invalid date...) are caused by
 * a value the client sent that validation let through. Route schemas should refuse such values; this turns any that
 * still reach the database into a 422 instead of a 500, and logs it (at warn, with this message) so it gets fixed.
 */
export const DATA_EXCEPTION_LOG = 'a request value was refused by the database';
const isDataException = (error: unknown) => error instanceof pg.DatabaseError && error.code?.startsWith('22') === true;

export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    send(reply, 404, 'NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`),
  );

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) {
      // 503s (overload, an outage) are expected under stress: logged, not reported one by one.
      if (error.statusCode === 503) request.log.warn({ code: error.code }, error.message);
      else if (error.statusCode >= 500) {
        request.log.error({ err: error }, error.message);
        reportServerError(error, request);
      }
      reply.headers(error.headers);
      return send(reply, error.statusCode, error.code, error.message);
    }
    if (error.validation) {
      const detail = toIssues(error.validationContext, error.validation as AjvIssue[]);
      return send(reply, 422, 'VALIDATION_ERROR', 'Request validation failed', detail);
    }
    const known = error.code ? FASTIFY_CLIENT_ERRORS[error.code] : undefined;
    if (known) return send(reply, known[0], known[1], known[2]);
    if (error.statusCode === 429) {
      return send(reply, 429, 'RATE_LIMITED', error.message || 'Too many requests');
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return send(reply, error.statusCode, 'BAD_REQUEST', error.message);
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      reply.header('retry-after', '5');
      return send(reply, 503, 'DATABASE_UNAVAILABLE', 'The database is unavailable; retry shortly');
    }
    if (isDataException(error)) {
      request.log.warn({ err: error }, DATA_EXCEPTION_LOG);
      return send(reply, 422, 'INVALID_VALUE', 'A value in the request is out of range or malformed');
    }
    request.log.error({ err: error }, 'unhandled error');
    reportServerError(error, request);
    return send(reply, 500, 'INTERNAL_ERROR', 'Internal server error');
  });
}
