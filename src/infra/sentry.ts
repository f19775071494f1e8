// Error reporting and tracing with Sentry; off without SENTRY_DSN. In ESM the HTTP and `pg`
// instrumentation only works when Sentry is set up before those modules load, so production starts
// with `node --import ./dist/instrument.js` (src/instrument.ts). Only 5xx are reported (see errors.ts),
// and nothing secret leaves the process: secret headers, fields and query parameters are scrubbed.
import * as Sentry from '@sentry/node';
import type { FastifyRequest } from 'fastify';
import type { Config } from './config.js';

type SampleConfig = Pick<Config, 'APP_ENV' | 'SENTRY_TRACES_SAMPLE_RATE'>;
type StreamedSpan = Parameters<NonNullable<Sentry.NodeOptions['beforeSendSpan']>>[0];

/** SENTRY_TRACES_SAMPLE_RATE if set, else 10% of traces in production and all of them elsewhere. */
export function tracesSampleRate(config: SampleConfig): number {
  return config.SENTRY_TRACES_SAMPLE_RATE ?? (config.APP_ENV === 'production' ? 0.1 : 1.0);
}

const FILTERED = '[Filtered]';
const SECRET_KEY = /auth|cookie|token|secret|passw|api[-_]?key|appid|nonce|credential|signature/i;
const SECRET_QUERY_PARAM = new RegExp(`((?:^|[?&])[^=&#\\s]*(?:${SECRET_KEY.source})[^=&#\\s]*=)[^&#\\s]*`, 'gi');
const BEARER = /\b(Bearer|Basic)\s+[\w.~+/=-]+/gi;

function scrubString(value: string): string {
  return value.replace(BEARER, `$1 ${FILTERED}`).replace(SECRET_QUERY_PARAM, `$1${FILTERED}`);
}

/** A copy of `value` with secret-looking keys' values and bearer tokens or secret query parameters in strings filtered. */
function scrub<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return scrubString(value) as T;
  if (value === null || typeof value !== 'object' || depth > 10) return value;
  if (Array.isArray(value)) return value.map((v: unknown) => scrub(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = SECRET_KEY.test(key) ? FILTERED : scrub(v, depth + 1);
  return out as T;
}

/** beforeSend: scrubs the parts of an error event that can carry request data. */
export function scrubEvent<E extends Sentry.Event>(event: E): E {
  if (event.request) event.request = scrub(event.request);
  if (event.extra) event.extra = scrub(event.extra);
  if (event.contexts) event.contexts = scrub(event.contexts);
  if (event.breadcrumbs) event.breadcrumbs = scrub(event.breadcrumbs);
  if (event.message) event.message = scrubString(event.message);
  for (const exception of event.exception?.values ?? []) {
    if (exception.value) exception.value = scrubString(exception.value);
  }
  return event;
}

function scrubSpan(span: StreamedSpan): StreamedSpan {
  return { ...span, name: scrubString(span.name), attributes: scrub(span.attributes) };
}

/** Starts Sentry once when SENTRY_DSN is set; returns whether this call started it. */
export function initSentry(config: Config): boolean {
  if (!config.SENTRY_DSN || Sentry.isInitialized()) return false;
  Sentry.init({
    dsn: config.SENTRY_DSN,
    environment: config.APP_ENV,
    tracesSampleRate: tracesSampleRate(config),
    // SDK 11's replacement for sendDefaultPii: false. No client IP, cookies, bodies, query
    // parameters bound to SQL or local variables (any of them may hold tokens or personal data).
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpBodies: [],
      databaseQueryData: false,
      stackFrameVariables: false,
      httpHeaders: { request: { deny: ['authorization', 'cookie'] }, response: { deny: ['set-cookie'] } },
    },
    // Health probes come every few seconds and say nothing worth tracing (the HTTP server span is
    // skipped by path, Fastify's spans by name).
    ignoreSpans: [/^(GET )?\/health/],
    integrations: [
      Sentry.httpIntegration({ ignoreIncomingRequests: (path) => path.startsWith('/health') }),
      // errors.ts reports 5xx itself, with the final status and request id, so the integration only traces.
      Sentry.fastifyIntegration({ shouldHandleError: () => false }),
      Sentry.postgresIntegration(),
    ],
    beforeSend: scrubEvent,
    beforeSendSpan: scrubSpan,
  });
  return true;
}

function headerRecord(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || SECRET_KEY.test(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Reports an error that became a 5xx response, with the request's method, route, URL and id. */
export function reportServerError(error: unknown, request: FastifyRequest): void {
  if (!Sentry.isInitialized()) return;
  const route = request.routeOptions.url ?? '(no route)';
  const [path = '', query = ''] = request.url.split('?', 2);
  Sentry.withScope((scope) => {
    scope.setTag('request_id', request.id);
    scope.setTag('route', route);
    scope.setTransactionName(`${request.method} ${route}`);
    scope.setSDKProcessingMetadata({
      normalizedRequest: {
        method: request.method,
        url: `${request.protocol}://${request.host}${path}`,
        query_string: query,
        headers: headerRecord(request),
      },
    });
    Sentry.captureException(error, { mechanism: { type: 'auto.http.fastify', handled: false } });
  });
}

/** Reports a background job that failed only once its retries are spent (earlier failures are logged). */
export function reportJobError(error: unknown, job: { id: string; name: string; retryCount: number }): void {
  if (!Sentry.isInitialized()) return;
  Sentry.withScope((scope) => {
    scope.setTag('job', job.name);
    scope.setTag('job_id', job.id);
    scope.setTransactionName(`job ${job.name}`);
    Sentry.captureException(error, { mechanism: { type: 'auto.job', handled: false } });
  });
}

/** Sends what is queued, waiting at most `timeoutMs`; called on shutdown. */
export async function flushSentry(timeoutMs = 2000): Promise<void> {
  if (Sentry.isInitialized()) await Sentry.flush(timeoutMs);
}
