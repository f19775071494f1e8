// What the contract fuzzer (test/fuzz.test.ts) found, each pinned down: malformed ids, NUL characters, lone
// surrogates, over-long or badly encoded path segments, broken multipart bodies and values the database refuses
// answer 4xx in the one error body, and the OpenAPI document declares the statuses the body parser gives.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';

const multipart = (body: string, boundary = 'b0undary') => ({
  'content-type': `multipart/form-data; boundary=${boundary}`,
  payload: body,
});
const filePart = (data: string, boundary = 'b0undary') =>
  `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="run.gpx"\r\nContent-Type: application/gpx+xml\r\n\r\n${data}`;

describe('hostile input', () => {
  let t: TestApp;
  let user: TestUser;
  before(async () => {
    t = await createTestApp({}, (app) => {
      // A route whose query the database refuses (22P02), standing for any value validation lets through.
      app.get('/test/db-refuses', async () => (await app.deps.db.query("SELECT 'not a number'::int AS n")).rows);
    });
    user = await createUser(t.db, t.config);
  });
  after(() => t.close());

  const send = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, extra: { payload?: string | object; headers?: Record<string, string> } = {}) =>
    t.app.inject({ method, url, headers: { ...user.auth, ...extra.headers }, ...(extra.payload === undefined ? {} : { payload: extra.payload }) });

  function assertError(res: { statusCode: number; json(): unknown }, status: number, code: string) {
    assert.equal(res.statusCode, status);
    const body = res.json() as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['code', 'detail', 'message']);
    assert.equal(body.code, code);
  }

  it('refuses a "urn:uuid:" id with 422 (the uuid format no longer lets it reach PostgreSQL)', async () => {
    const res = await send('GET', '/api/v1/courses/urn:uuid:6f1c7d36-7a55-4c4f-9a2c-3f9b8f3c2a10');
    assertError(res, 422, 'VALIDATION_ERROR');
    assert.deepEqual((res.json() as { detail: { loc: unknown[] }[] }).detail[0]!.loc, ['params', 'course_id']);
  });

  it('refuses NUL characters in body and query strings with 422 and their location', async () => {
    const body = await send('PATCH', '/api/v1/users/me/profile', { payload: { bio: 'a\u0000b' } });
    assertError(body, 422, 'VALIDATION_ERROR');
    assert.deepEqual((body.json() as { detail: { loc: unknown[] }[] }).detail[0]!.loc, ['body', 'bio']);
    const token = await send('DELETE', '/api/v1/notifications/token', { payload: { device_token: '\u0000'.repeat(50) } });
    assertError(token, 422, 'VALIDATION_ERROR');
    const query = await send('GET', '/api/v1/courses?search=%00');
    assertError(query, 422, 'VALIDATION_ERROR');
    assert.deepEqual((query.json() as { detail: { loc: unknown[] }[] }).detail[0]!.loc, ['query', 'search']);
  });

  it('stores a lone surrogate as U+FFFD, in jsonb as in text, instead of failing', async () => {
    const payload = `{"started_at":"${new Date().toISOString()}","device_info":{"platform":"ios","os_version":"17","device_model":"x\\udfffy","app_version":"\\ud83d"}}`;
    const res = await send('POST', '/api/v1/runs/sessions', { payload, headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 201, res.body);
    const { rows } = await t.db.query<{ device_info: Record<string, string> }>('SELECT device_info FROM run_sessions WHERE id = $1', [
      (res.json() as { session_id: string }).session_id,
    ]);
    assert.equal(rows[0]!.device_info.device_model, 'x\ufffdy');
    assert.equal(rows[0]!.device_info.app_version, '\ufffd');
  });

  it('answers an over-long or badly encoded path parameter with 422 in the error body', async () => {
    assertError(await send('GET', `/api/v1/courses/${'x'.repeat(5000)}/my-best`), 422, 'VALIDATION_ERROR');
    assertError(await send('GET', '/api/v1/courses/%zz/my-best'), 422, 'VALIDATION_ERROR');
    assertError(await send('GET', '/api/v1/runs/%E0%A4%A'), 422, 'VALIDATION_ERROR');
  });

  it('answers a malformed or truncated multipart body with 400 INVALID_MULTIPART', async () => {
    for (const url of ['/api/v1/uploads/avatar', '/api/v1/imports/upload']) {
      const garbage = multipart('garbage');
      assertError(await send('POST', url, { payload: garbage.payload, headers: { 'content-type': garbage['content-type'] } }), 400, 'INVALID_MULTIPART');
      const noBoundary = await send('POST', url, { payload: '--b\r\n\r\n', headers: { 'content-type': 'multipart/form-data' } });
      assertError(noBoundary, 400, 'INVALID_MULTIPART');
    }
    // The part's headers arrive, its data never ends: the import service is reading the file when the parser fails.
    const cut = multipart(filePart('<?xml version="1.0"?><gpx'));
    assertError(await send('POST', '/api/v1/imports/upload', { payload: cut.payload, headers: { 'content-type': cut['content-type'] } }), 400, 'INVALID_MULTIPART');
  });

  it('turns a value the database refuses into 422 INVALID_VALUE and logs it as a warning', async () => {
    const before = t.logs.lines.length;
    const res = await t.app.inject({ method: 'GET', url: '/test/db-refuses' });
    assertError(res, 422, 'INVALID_VALUE');
    const logged = t.logs.records.slice(before);
    assert.ok(logged.some((r) => r.level === 'warn' && String(r.message).includes('refused by the database')), JSON.stringify(logged));
    assert.ok(!logged.some((r) => r.level === 'error' && r.message === 'unhandled error'));
  });

  it('declares the body parser statuses on methods with a body, and 429/503 everywhere in the API', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const like = doc.paths['/api/v1/courses/{course_id}/like']!.post!.responses;
    for (const status of ['400', '413', '415', '429', '503']) assert.ok(status in like, `POST like declares ${status}`);
    const list = doc.paths['/api/v1/courses']!.get!.responses;
    assert.ok('429' in list && '503' in list && !('415' in list));
    // Bad JSON on a route that takes no body: the declared 400 (an empty body is no body: test/empty-json-body.test.ts).
    const bad = await send('POST', '/api/v1/users/me/export', { payload: '{', headers: { 'content-type': 'application/json' } });
    assertError(bad, 400, 'INVALID_JSON');
  });
});
