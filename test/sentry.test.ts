// Sentry error reporting, tested against a local HTTP server that receives the SDK's real envelopes.
// The SDK is started before the app's modules (fastify, pg) are imported, as `--import` does in
// production: hence the dynamic imports below.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import * as Sentry from '@sentry/node';
import { loadConfig } from '../src/infra/config.js';
import { initSentry, scrubEvent, tracesSampleRate } from '../src/infra/sentry.js';
import type { TestApp } from './helpers/app.js';

interface EnvelopeItem {
  header: { type?: string };
  payload: Record<string, unknown>;
}
interface Envelope {
  raw: string;
  items: EnvelopeItem[];
}

/** A stand-in for Sentry's ingest: keeps every envelope POSTed to /api/<project>/envelope/. */
async function startCollector(): Promise<{ server: Server; port: number; envelopes: Envelope[] }> {
  const envelopes: Envelope[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && /^\/api\/\d+\/envelope\//.test(req.url ?? '')) {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const raw = body.toString('utf8');
        // Newline-delimited: the envelope header, then an item header and its payload per item.
        const lines = raw.split('\n').filter(Boolean);
        const items: EnvelopeItem[] = [];
        for (let i = 1; i + 1 < lines.length; i += 2) {
          items.push({ header: JSON.parse(lines[i]!) as EnvelopeItem['header'], payload: JSON.parse(lines[i + 1]!) as Record<string, unknown> });
        }
        envelopes.push({ raw, items });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, envelopes };
}

interface StreamedSpan {
  name: string;
  span_id: string;
  attributes: Record<string, { value: unknown }>;
}

describe('Sentry error reporting', () => {
  const secret = `Bearer sentry-test-${Date.now()}-do-not-leak`;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let t: TestApp;
  let base: string;

  before(async () => {
    collector = await startCollector();
    const dsn = `http://public@127.0.0.1:${collector.port}/1`;
    assert.equal(initSentry(loadConfig({ APP_ENV: 'test', SENTRY_DSN: dsn }, '/nonexistent/.env')), true);

    const { createTestApp } = await import('./helpers/app.js');
    const { AppError } = await import('../src/infra/errors.js');
    t = await createTestApp({ SENTRY_DSN: dsn }, (app) => {
      app.get('/test/sentry/boom', async () => {
        throw new Error('database exploded');
      });
      app.get('/test/sentry/conflict', async () => {
        throw new AppError(409, 'CONFLICT', 'Already there');
      });
      app.get('/test/sentry/query', async () => {
        await app.deps.db.query('SELECT 1 AS sentry_probe');
        return { ok: true };
      });
    });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await t?.close();
    await Sentry.close(2000);
    collector?.server.close();
    collector?.server.closeAllConnections();
  });

  const get = (path: string) =>
    fetch(`${base}${path}?access_token=${encodeURIComponent(secret)}`, {
      headers: { authorization: secret, cookie: `session=${encodeURIComponent(secret)}` },
    });

  const errorEvents = () =>
    collector.envelopes.flatMap((e) => e.items).filter((i) => i.header.type === 'event').map((i) => i.payload);

  it('reports a 500 with its request context, not a 4xx, and sends no secret', async () => {
    const boom = await get('/test/sentry/boom');
    assert.equal(boom.status, 500);
    const requestId = boom.headers.get('x-request-id');
    assert.ok(requestId);
    assert.equal((await get('/test/sentry/conflict')).status, 409);
    assert.equal(await Sentry.flush(5000), true);

    const events = errorEvents();
    assert.equal(events.length, 1, 'exactly one error event');
    const event = events[0] as {
      environment: string;
      transaction: string;
      tags: Record<string, string>;
      request: { method: string; url: string; headers: Record<string, string> };
      exception: { values: { value: string }[] };
    };
    assert.equal(event.exception.values[0]?.value, 'database exploded');
    assert.equal(event.environment, 'test');
    assert.equal(event.transaction, 'GET /test/sentry/boom');
    assert.equal(event.tags.route, '/test/sentry/boom');
    assert.equal(event.tags.request_id, requestId);
    assert.equal(event.request.method, 'GET');
    assert.match(event.request.url, /\/test\/sentry\/boom$/);
    assert.equal(event.request.headers.authorization, undefined);
    assert.equal(event.request.headers.cookie, undefined);

    const token = secret.replace('Bearer ', '');
    for (const envelope of collector.envelopes) {
      assert.ok(!envelope.raw.includes(token), 'the Authorization value is in an envelope');
      assert.ok(!envelope.raw.includes(encodeURIComponent(token)), 'the token is in an envelope, URL-encoded');
    }
  });

  it('traces requests, with a span for each pg query', async () => {
    assert.equal((await get('/test/sentry/query')).status, 200);
    const spans = () =>
      collector.envelopes
        .flatMap((e) => e.items)
        .filter((i) => i.header.type === 'span')
        .flatMap((i) => (i.payload as { items: StreamedSpan[] }).items);
    const findQuery = () => spans().find((s) => String(s.attributes['db.query.text']?.value ?? s.name).includes('sentry_probe'));
    // The request's server span ends on the response's 'close', which may come after the client has
    // its answer: flush until the finished trace has been sent (a bounded number of times).
    for (let i = 0; i < 50 && !findQuery(); i++) {
      await Sentry.flush(5000);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    const query = findQuery();
    assert.ok(query, `no span for the query among: ${spans().map((s) => s.name).join(', ')}`);
    assert.equal(query.attributes['db.system.name']?.value, 'postgresql');
    // The query belongs to the server span of the request that ran it.
    const segment = spans().find((s) => s.span_id === query.attributes['sentry.segment.id']?.value);
    assert.ok(segment, 'the query span belongs to a traced request');
    assert.equal(segment.name, 'GET /test/sentry/query');
    assert.equal(segment.attributes['sentry.op']?.value, 'http.server');
  });

  it('samples 10% of traces in production and all elsewhere, unless overridden', () => {
    assert.equal(tracesSampleRate({ APP_ENV: 'production', SENTRY_TRACES_SAMPLE_RATE: undefined }), 0.1);
    assert.equal(tracesSampleRate({ APP_ENV: 'staging', SENTRY_TRACES_SAMPLE_RATE: undefined }), 1.0);
    assert.equal(tracesSampleRate({ APP_ENV: 'development', SENTRY_TRACES_SAMPLE_RATE: undefined }), 1.0);
    assert.equal(tracesSampleRate({ APP_ENV: 'production', SENTRY_TRACES_SAMPLE_RATE: 0 }), 0);
    const env = { APP_ENV: 'production', JWT_SECRET_KEY: 'x'.repeat(40), CONTACT_HASH_KEY: 'c'.repeat(40), SENTRY_TRACES_SAMPLE_RATE: '0.25' };
    assert.equal(tracesSampleRate(loadConfig(env, '/nonexistent/.env')), 0.25);
    assert.equal(Sentry.getClient()?.getOptions().tracesSampleRate, 1.0);
  });

  it('scrubs secret fields, headers and query parameters from events', () => {
    const event = scrubEvent({
      request: {
        url: 'https://api.example/x?refresh_token=abc&page=2',
        query_string: 'id_token=def&page=2',
        headers: { Authorization: 'Bearer ghi', 'user-agent': 'app' },
        data: { email: 'a@b.c', password: 'jkl', nested: { client_secret: 'mno' } },
      },
      extra: { note: 'sent Bearer pqr' },
    });
    const text = JSON.stringify(event);
    for (const leaked of ['abc', 'def', 'ghi', 'jkl', 'mno', 'pqr']) assert.ok(!text.includes(leaked), leaked);
    assert.equal(event.request?.headers?.['user-agent'], 'app');
    assert.match(String(event.request?.url), /page=2$/);
  });
});
