// The shipped app sends `Content-Type: application/json` on every request, bodiless POSTs and DELETEs included
// (favourite, like, follow, delete...). Every operation of the OpenAPI document that takes no body is sent that way
// and must answer exactly as it does to the same request without a content type: an empty JSON body is no body.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser } from './helpers/users.js';
import { fuzzConfig } from '../scripts/soak/fuzz.js';
import { createWorld } from '../scripts/soak/fuzz/world.js';
import { toRequest, type Case, type Operation } from '../scripts/soak/fuzz/requests.js';
import { Ref, idKind, valid, type Schema } from '../scripts/soak/fuzz/values.js';

type Parameter = { in: string; name: string; required?: boolean; schema: Schema };

/** The fixture a path names (world.ts): the first of its kind, but a user the caller does not follow yet to follow. */
const pick = (op: Operation) => (op.method === 'post' && op.path.endsWith('/follow') ? 1 : 0);

/** The request with real ids in its path and a valid value for each required query parameter. */
function caseOf(op: Operation, body: Case['body']): Case {
  const parameters = (op.spec.parameters ?? []) as Parameter[];
  const params = Object.fromEntries(parameters.filter((p) => p.in === 'path').map((p) => [p.name, new Ref(idKind(p.name) ?? 'none', pick(op))]));
  const query = parameters
    .filter((p) => p.in === 'query' && p.required)
    .map((p): [string, unknown] => [p.name, fc.sample(valid(p.schema, p.name), { seed: 1, numRuns: 1 })[0]]);
  return { auth: 'valid', params, query, rawQuery: '', body };
}

describe('an empty body declared as JSON', () => {
  let t: TestApp;
  let operations: Operation[];
  before(async () => {
    t = await createTestApp(await fuzzConfig());
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, Operation['spec']>> };
    operations = Object.entries(doc.paths)
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, spec]) => ({ method, path, spec })))
      .filter((op) => !op.spec.requestBody);
  });
  after(() => t.close());

  it('is taken as no body by every operation that takes none', async () => {
    assert.ok(operations.some((op) => op.method === 'post') && operations.some((op) => op.method === 'delete'));
    const epoch = Date.now();
    const answers: string[] = [];
    for (const op of operations) {
      const where = `${op.method.toUpperCase()} ${op.path}`;
      // Each request gets fixtures of its own: the first may toggle, delete or finish what the second acts on.
      const send = async (body: Case['body']) => {
        const req = toRequest(op, caseOf(op, body), await createWorld(t, epoch));
        return t.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: req.payload });
      };
      const bare = await send({ kind: 'none' });
      const declared = await send({ kind: 'raw', payload: '', contentType: 'application/json' });
      const code = String(declared.headers['content-type']).startsWith('application/json') ? (declared.json() as { code?: string } | null)?.code : undefined;
      assert.ok(![400, 415].includes(declared.statusCode) && code !== 'INVALID_JSON', `${where}: ${declared.statusCode} ${declared.body}`);
      assert.equal(declared.statusCode, bare.statusCode, `${where}: ${declared.body} without a content type: ${bare.body}`);
      answers.push(`${where} ${declared.statusCode}`);
    }
    // The app's bodiless calls reach their handlers and succeed.
    for (const call of [
      'POST /api/v1/favorites/courses/{course_id} 200',
      'POST /api/v1/courses/{course_id}/like 200',
      'POST /api/v1/users/{user_id}/follow 201',
      'DELETE /api/v1/users/{user_id}/follow 204',
      'DELETE /api/v1/courses/{course_id} 204',
      'DELETE /api/v1/courses/reviews/{review_id} 204',
      'DELETE /api/v1/imports/{import_id} 204',
      'DELETE /api/v1/runs/sessions/{session_id} 204',
      'DELETE /api/v1/strava/disconnect 204',
    ]) {
      assert.ok(answers.includes(call), `${call} among ${answers.join(', ')}`);
    }
  });

  it('still refuses a missing body where one is required, with 422', async () => {
    const me = await createUser(t.db, t.config);
    for (const [method, url] of [['POST', '/api/v1/courses'], ['PATCH', '/api/v1/users/me/profile'], ['POST', '/api/v1/runs/sessions']] as const) {
      const res = await t.app.inject({ method, url, headers: { ...me.auth, 'content-type': 'application/json' }, payload: '' });
      assert.equal(res.statusCode, 422, `${method} ${url}: ${res.body}`);
      assert.equal(res.json().code, 'VALIDATION_ERROR');
    }
  });

  it('keeps refusing bad JSON and prototype poisoning with 400 INVALID_JSON', async () => {
    const me = await createUser(t.db, t.config);
    for (const payload of [' ', '{', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}']) {
      const res = await t.app.inject({ method: 'PATCH', url: '/api/v1/users/me/profile', headers: { ...me.auth, 'content-type': 'application/json' }, payload });
      assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
      assert.equal(res.json().code, 'INVALID_JSON');
    }
  });
});
