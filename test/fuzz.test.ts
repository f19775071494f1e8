// Contract fuzzing in short form (scripts/soak/fuzz.ts; `npm run soak fuzz` runs thousands of cases per operation):
// every operation of the OpenAPI document gets valid, boundary and hostile requests, and every response must be
// a declared status with a body that matches its declared schema, never a 5xx.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../scripts/soak/fuzz.js';
import { Contract } from '../scripts/soak/fuzz/contract.js';
import { ErrorBody } from '../src/infra/errors.js';

const error = { content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } };
const op = (path: string) => ({
  method: 'get',
  path,
  spec: {
    responses: {
      200: { content: { 'application/json': { schema: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } } } },
      204: { description: 'Deleted' },
      404: error,
    },
  },
});
const reply = (statusCode: number, body: unknown, contentType = 'application/json; charset=utf-8') => ({
  statusCode,
  headers: { 'content-type': contentType },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('contract fuzzing', () => {
  it('tells a response that keeps the contract from one that breaks it', () => {
    const { $id: _id, ...errorSchema } = ErrorBody;
    const contract = new Contract({ components: { schemas: { ErrorBody: errorSchema } } });
    const get = op('/api/v1/things/{id}');
    const id = '6f1c7d36-7a55-4c4f-9a2c-3f9b8f3c2a10';
    assert.equal(contract.check(get, reply(200, { id })), undefined);
    assert.equal(contract.check(get, reply(404, { code: 'NOT_FOUND', message: 'gone', detail: 'gone' })), undefined);
    assert.equal(contract.check(get, reply(204, '', '')), undefined);
    assert.match(contract.check(get, reply(200, { id: 'not-a-uuid' })) ?? '', /does not match its schema/);
    assert.match(contract.check(get, reply(409, { code: 'X', message: 'x', detail: 'x' })) ?? '', /409 is not declared/);
    assert.match(contract.check(get, reply(404, { code: 'NOT_FOUND', message: 'gone', detail: 'gone', stack: 'x' })) ?? '', /not \{code, message, detail\}/);
    assert.match(contract.check(get, reply(200, '<xml/>', 'application/xml')) ?? '', /content type 'application\/xml' is not declared/);
    assert.match(contract.check(get, reply(500, { code: 'INTERNAL_ERROR', message: 'x', detail: 'x' })) ?? '', /server error 500/);
    // A provider outage is allowed only on routes that call a provider.
    assert.match(contract.check(get, reply(502, { code: 'UPSTREAM', message: 'x', detail: 'x' })) ?? '', /server error 502/);
    assert.ok(Contract.providerOutage(op('/api/v1/strava/activities'), 502));
  });

  it('answers every generated request with a declared status and a body matching its schema', async () => {
    const report = await run('short');
    assert.equal(report.failures, 0, report.notes.join('\n'));
    assert.ok(report.requests >= 80 * 20, `${report.requests} requests`);
  });
});
