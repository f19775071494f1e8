import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { createTestApp, type TestApp } from './helpers/app.js';

describe('HTTP core', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({}, (app) => {
      // A typed route to exercise validation: it is not part of the product.
      app.post(
        '/test/items/:id',
        {
          schema: {
            params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
            querystring: Type.Object({ page: Type.Integer({ minimum: 0, default: 0 }) }),
            body: Type.Object({ distance_meters: Type.Number(), title: Type.String({ maxLength: 5 }) }),
          },
        },
        async (request) => ({ ok: true, page: (request.query as { page: number }).page }),
      );
      app.get('/test/boom', async () => {
        throw new Error('secret internal detail');
      });
    });
  });
  after(() => t.close());

  it('answers liveness and readiness', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: 'ok', app: 'RunCrew', env: 'test' });
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ok', database: 'ok' });
  });

  it('gives unknown routes the error body', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/does-not-exist' });
    assert.equal(res.statusCode, 404);
    const body = res.json();
    assert.equal(body.code, 'NOT_FOUND');
    assert.equal(typeof body.message, 'string');
    assert.equal(body.detail, body.message);
  });

  const id = '6f1c7d36-7a55-4c4f-9a2c-3f9b8f3c2a10';

  it('refuses bad JSON with 400 INVALID_JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/test/items/${id}`,
      headers: { 'content-type': 'application/json' },
      payload: '{"distance_meters": 12,',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'INVALID_JSON');
  });

  it('refuses wrong types with 422 and a located detail list', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/test/items/${id}`, payload: { distance_meters: '12', title: 'ok' } });
    assert.equal(res.statusCode, 422);
    const body = res.json();
    assert.equal(body.code, 'VALIDATION_ERROR');
    assert.ok(Array.isArray(body.detail));
    assert.deepEqual(body.detail[0].loc, ['body', 'distance_meters']);
    assert.equal(typeof body.detail[0].msg, 'string');
    assert.equal(typeof body.detail[0].type, 'string');
  });

  it('refuses a missing field with its location', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/test/items/${id}`, payload: { distance_meters: 1 } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json().detail[0].loc, ['body', 'title']);
  });

  it('refuses malformed ids and query values with 422', async () => {
    const badId = await t.app.inject({ method: 'POST', url: '/test/items/not-a-uuid', payload: { distance_meters: 1, title: 'a' } });
    assert.equal(badId.statusCode, 422);
    assert.deepEqual(badId.json().detail[0].loc, ['params', 'id']);
    const badPage = await t.app.inject({ method: 'POST', url: `/test/items/${id}?page=-1`, payload: { distance_meters: 1, title: 'a' } });
    assert.equal(badPage.statusCode, 422);
    assert.deepEqual(badPage.json().detail[0].loc, ['query', 'page']);
  });

  it('coerces query strings but accepts valid input', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/test/items/${id}?page=3`, payload: { distance_meters: 1.5, title: 'abc' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { ok: true, page: 3 });
  });

  it('refuses oversized bodies with 413', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/test/items/${id}`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ distance_meters: 1, title: 'x'.repeat(t.config.BODY_LIMIT_KB * 1024 + 10) }),
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'PAYLOAD_TOO_LARGE');
  });

  it('hides internals of unexpected errors behind a 500 body', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/test/boom' });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { code: 'INTERNAL_ERROR', message: 'Internal server error', detail: 'Internal server error' });
    assert.ok(!res.body.includes('secret internal detail'));
  });

  it('keeps a safe incoming request id and replaces an unsafe one', async () => {
    const kept = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(kept.headers['x-request-id'], 'abc-123');
    const replaced = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'bad id\nwith newline' } });
    assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  it('sets security headers and answers CORS only for configured origins', async () => {
    const allowed = await t.app.inject({ method: 'GET', url: '/health', headers: { origin: 'http://localhost:8081' } });
    assert.equal(allowed.headers['access-control-allow-origin'], 'http://localhost:8081');
    assert.equal(allowed.headers['x-content-type-options'], 'nosniff');
    assert.equal(allowed.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
    assert.equal(allowed.headers['x-frame-options'], 'DENY');
    assert.match(String(allowed.headers['strict-transport-security']), /max-age=31536000/);
    const other = await t.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  it('serves a valid OpenAPI 3 document listing the routes', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.match(doc.openapi, /^3\./);
    assert.ok(doc.paths['/health']);
    assert.ok(doc.paths['/health/ready']);
    const ui = await t.app.inject({ method: 'GET', url: '/docs' });
    assert.ok(ui.statusCode === 200 || ui.statusCode === 302);
  });
});

describe('docs in production', () => {
  it('are off unless enabled', async () => {
    const secret = 'x'.repeat(40);
    const off = await createTestApp({ APP_ENV: 'production', JWT_SECRET_KEY: secret, CONTACT_HASH_KEY: secret });
    try {
      assert.equal((await off.app.inject({ method: 'GET', url: '/docs/json' })).statusCode, 404);
    } finally {
      await off.close();
    }
    const on = await createTestApp({ APP_ENV: 'production', JWT_SECRET_KEY: secret, CONTACT_HASH_KEY: secret, ENABLE_DOCS: 'true' });
    try {
      assert.equal((await on.app.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200);
    } finally {
      await on.close();
    }
  });
});
