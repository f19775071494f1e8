// The OpenAPI document of the whole application: valid OpenAPI 3, and every route declares its
// parameters and a success response schema (so validation and the document cannot drift apart).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createTestApp, type TestApp } from './helpers/app.js';

type Operation = { parameters?: { in: string; name: string }[]; responses?: Record<string, unknown>; security?: unknown[] };

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };
  before(async () => {
    t = await createTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(res.statusCode, 200);
    doc = res.json();
  });
  after(() => t.close());

  it('is a valid OpenAPI 3 document', async () => {
    assert.match(doc.openapi, /^3\.0\./);
    await SwaggerParser.validate(structuredClone(doc) as never);
  });

  it('declares path parameters and a 2xx response for every operation', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    assert.ok(operations.length > 0);
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      for (const name of path.match(/\{(\w+)\}/g) ?? []) {
        const declared = op.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === name);
        assert.ok(declared, `${where} declares ${name}`);
      }
      const success = Object.keys(op.responses ?? {}).filter((code) => /^2\d\d$/.test(code));
      assert.ok(success.length > 0, `${where} declares a success response`);
    }
  });

  it('answers 401 without a token on every operation that declares bearerAuth', async () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (op.security === undefined) continue;
        const url = path.replace(/\{\w+\}/g, '00000000-0000-4000-8000-000000000000');
        const res = await t.app.inject({ method: method.toUpperCase() as 'GET', url });
        assert.equal(res.statusCode, 401, `${method.toUpperCase()} ${path} without a token`);
        assert.ok(op.responses && '401' in op.responses, `${method.toUpperCase()} ${path} declares its 401`);
      }
    }
  });
});
