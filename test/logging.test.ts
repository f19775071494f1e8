import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../src/infra/logging.js';
import { createTestApp, LogCapture, type TestApp } from './helpers/app.js';

const SECRETS = ['Bearer sk-access-token-123', 'session=cookie-secret-456', 'rt-refresh-secret-789', 'id-token-secret-000'];

describe('JSON logs', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ JSON_LOGS: 'true', LOG_LEVEL: 'info' }, (app) => {
      // Logs everything a careless handler might: headers and body.
      app.post('/test/echo', async (request) => {
        request.log.info({ headers: request.headers, body: request.body }, 'handler saw the request');
        return { ok: true };
      });
    });
  });
  after(() => t.close());

  it('writes one JSON object per line with the access fields', async () => {
    await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'req-json-1' } });
    const line = t.logs.records.find((r) => r.request_id === 'req-json-1' && r.message === 'request completed');
    assert.ok(line, 'access line for the request');
    assert.equal(line.level, 'info');
    assert.equal(typeof line.time, 'string');
    assert.ok(!Number.isNaN(Date.parse(line.time as string)));
    assert.equal(line.method, 'GET');
    assert.equal(line.route, '/health');
    assert.equal(line.status, 200);
    assert.equal(typeof line.duration_ms, 'number');
  });

  it('binds the request id to every line of the request and never logs secrets', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { authorization: SECRETS[0]!, cookie: SECRETS[1]!, 'x-request-id': 'req-json-2' },
      payload: { refresh_token: SECRETS[2], token: SECRETS[3], nested: { refresh_token: SECRETS[2] } },
    });
    const lines = t.logs.records.filter((r) => r.request_id === 'req-json-2');
    assert.equal(lines.length, 2, 'the handler line and the access line');
    const dump = lines.find((r) => r.message === 'handler saw the request') as { headers: Record<string, string> };
    assert.equal(dump.headers.authorization, '[REDACTED]');
    const all = t.logs.lines.join('\n');
    for (const secret of SECRETS) assert.ok(!all.includes(secret), `${secret} is not in the logs`);
  });

  it('records the status of a refused request', async () => {
    await t.app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json', 'x-request-id': 'req-json-3' }, payload: '{' });
    const line = t.logs.records.find((r) => r.request_id === 'req-json-3' && r.message === 'request completed');
    assert.equal(line?.status, 400);
  });
});

describe('text logs', () => {
  it('are human-readable lines and still redact secrets', () => {
    const out = new LogCapture();
    const logger = createLogger({ JSON_LOGS: false, LOG_LEVEL: 'info' }, out);
    logger.info({ authorization: SECRETS[0], body: { refresh_token: SECRETS[2] } }, 'hello people');
    const text = out.lines.join('\n');
    assert.match(text, /INFO.*hello people/);
    assert.throws(() => JSON.parse(out.lines[0]!));
    for (const secret of SECRETS) assert.ok(!text.includes(secret));
  });
});
