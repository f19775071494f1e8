import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { freePort } from '../scripts/free-port.js';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { Redis } from 'ioredis';
import { registerAuthGuard } from '../src/features/auth/guard.js';
import { authRateLimit, REDIS_KEY_PREFIX } from '../src/infra/http/rate-limit.js';
import { assetNames } from '../src/features/web/assets.js';
import { createTestApp, type TestApp } from './helpers/app.js';

// Test-only routes under /api/v1, so the API limits apply to them; they are not part of the product.
async function testRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/v1/test/ip', async (request) => ({ ip: request.ip }));
  app.post('/api/v1/test/login', { config: { rateLimit: authRateLimit(app.deps.config) } }, async () => ({ ok: true }));
  // Behind the real authentication guard, as the feature routes are.
  await app.register(
    async (api) => {
      registerAuthGuard(api);
      api.get('/test/private', async () => ({ ok: true }));
    },
    { prefix: '/api/v1' },
  );
}

// A fresh documentation-range address per call, so tests (and parallel runs sharing Redis) never share a counter.
const freshIp = () => `198.18.${randomInt(256)}.${randomInt(1, 255)}`;

async function send(app: FastifyInstance, ip: string, options: InjectOptions = {}) {
  return app.inject({ method: 'GET', url: '/api/v1/test/ip', remoteAddress: ip, ...options });
}

/** Sends `count` requests and returns their status codes. */
async function burst(app: FastifyInstance, count: number, ip: string, options: InjectOptions = {}) {
  const codes: number[] = [];
  for (let i = 0; i < count; i++) codes.push((await send(app, ip, options)).statusCode);
  return codes;
}

function assertRateLimited(res: Awaited<ReturnType<typeof send>>, limit: number): void {
  assert.equal(res.statusCode, 429);
  const body = res.json();
  assert.equal(body.code, 'RATE_LIMITED');
  assert.match(body.message, new RegExp(`${limit} per minute`));
  assert.equal(body.detail, body.message);
  assert.deepEqual(Object.keys(body).sort(), ['code', 'detail', 'message']);
  const retryAfter = Number(res.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  assert.equal(res.headers['x-ratelimit-limit'], String(limit));
  assert.equal(res.headers['x-ratelimit-remaining'], '0');
  assert.ok(Number(res.headers['x-ratelimit-reset']) >= 1);
}

describe('rate limits in memory (default limits)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.10', RATE_LIMIT_PER_MINUTE: '100', AUTH_RATE_LIMIT_PER_MINUTE: '10' }, testRoutes);
  });
  after(() => t.close());

  it('allows RATE_LIMIT_PER_MINUTE requests per IP, then answers 429 with the error body and headers', async () => {
    assert.equal(t.config.RATE_LIMIT_PER_MINUTE, 100);
    const ip = freshIp();
    const first = await send(t.app, ip);
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['x-ratelimit-limit'], '100');
    assert.equal(first.headers['x-ratelimit-remaining'], '99');
    assert.deepEqual(new Set(await burst(t.app, 99, ip)), new Set([200]));
    assertRateLimited(await send(t.app, ip), 100);
    // Another client is not affected.
    assert.equal((await send(t.app, freshIp())).statusCode, 200);
  });

  it('counts unauthenticated requests and unknown API paths', async () => {
    const ip = freshIp();
    const codes = [
      ...(await burst(t.app, 50, ip, { url: '/api/v1/test/private', headers: { authorization: 'Bearer forged' } })),
      ...(await burst(t.app, 50, ip, { url: '/api/v1/no-such-route' })),
    ];
    assert.deepEqual(new Set(codes), new Set([401, 404]));
    assertRateLimited(await send(t.app, ip, { url: '/api/v1/test/private' }), 100);
  });

  it('counts a route whatever the spelling of its path', async () => {
    const ip = freshIp();
    assert.deepEqual(new Set(await burst(t.app, 100, ip, { url: '/%61pi/v1/test/ip' })), new Set([200]));
    assertRateLimited(await send(t.app, ip), 100);
  });

  it('gives login a lower budget of its own', async () => {
    assert.equal(t.config.AUTH_RATE_LIMIT_PER_MINUTE, 10);
    const ip = freshIp();
    const login = { method: 'POST', url: '/api/v1/test/login' } as const;
    assert.deepEqual(new Set(await burst(t.app, 10, ip, login)), new Set([200]));
    assertRateLimited(await send(t.app, ip, login), 10);
    // The rest of the API still answers that client.
    const other = await send(t.app, ip);
    assert.equal(other.statusCode, 200);
    assert.equal(other.headers['x-ratelimit-limit'], '100');
  });

  it('never limits health probes or the docs', async () => {
    const ip = freshIp();
    await burst(t.app, 100, ip);
    assert.equal((await send(t.app, ip)).statusCode, 429);
    for (const url of ['/health', '/health/ready', '/docs/json']) {
      const res = await send(t.app, ip, { url });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['x-ratelimit-limit'], undefined, url);
    }
  });

  it('counts the web pages against the same budget, never their built script', async () => {
    const ip = freshIp();
    await burst(t.app, 99, ip);
    assert.equal((await send(t.app, ip, { url: `/courses/${randomUUID()}` })).statusCode, 404, 'the 100th request, a page');
    assertRateLimited(await send(t.app, ip, { url: `/courses/${randomUUID()}` }), 100);
    const script = assetNames().script;
    assert.ok(script, 'npm test builds the web client');
    assert.equal((await send(t.app, ip, { url: script })).statusCode, 200);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const peer = freshIp();
    const spoof = () => ({ headers: { 'x-forwarded-for': freshIp() } });
    assert.deepEqual((await send(t.app, peer, spoof())).json(), { ip: peer });
    // A new forged address on every request buys no new budget.
    for (let i = 1; i < 100; i++) assert.equal((await send(t.app, peer, spoof())).statusCode, 200);
    assert.equal((await send(t.app, peer, spoof())).statusCode, 429);
  });

  it('keys on the client named by a trusted proxy (CIDR or single address)', async () => {
    const client = freshIp();
    const via = (proxy: string, xff: string) => send(t.app, proxy, { headers: { 'x-forwarded-for': xff } });
    assert.deepEqual((await via('10.1.2.3', client)).json(), { ip: client });
    assert.deepEqual((await via('192.0.2.10', client)).json(), { ip: client });
    for (let i = 2; i < 100; i++) assert.equal((await via('10.1.2.3', client)).statusCode, 200);
    assertRateLimited(await via('10.200.0.1', client), 100);
    // A forged entry to the left of the proxy's own is not believed either.
    assert.equal((await via('10.1.2.3', `${freshIp()}, ${client}`)).statusCode, 429);
    // The proxies themselves and the other clients behind them keep their budgets.
    assert.equal((await via('10.1.2.3', freshIp())).statusCode, 200);
    assert.equal((await send(t.app, '10.1.2.3')).statusCode, 200);
  });
});

const REDIS_URL = process.env.REDIS_URL;

describe('rate limits in Redis', { skip: REDIS_URL ? false : 'REDIS_URL is not set (CI sets redis://127.0.0.1:6379)' }, () => {
  const overrides = { REDIS_URL: REDIS_URL ?? '', RATE_LIMIT_PER_MINUTE: '5', AUTH_RATE_LIMIT_PER_MINUTE: '2' };
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  const ips: string[] = [];
  before(async () => {
    redis = new Redis(REDIS_URL ?? '');
    a = await createTestApp(overrides, testRoutes);
    b = await createTestApp(overrides, testRoutes);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    // Delete only the counters of this run's addresses.
    for (const ip of ips) {
      const keys = await redis.keys(`${REDIS_KEY_PREFIX}*${ip}`);
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
  });

  it('shares one counter between two instances', async () => {
    const ip = freshIp();
    ips.push(ip);
    const codes = [];
    for (const app of [a, b, a, b, a]) codes.push((await send(app.app, ip)).statusCode);
    assert.deepEqual(codes, [200, 200, 200, 200, 200]);
    assertRateLimited(await send(b.app, ip), 5);
    assertRateLimited(await send(a.app, ip), 5);
    const key = `${REDIS_KEY_PREFIX}${ip}`;
    assert.equal(await redis.get(key), '7');
    const ttl = await redis.pttl(key);
    assert.ok(ttl > 0 && ttl <= 60_000, `TTL ${ttl}`);
  });

  it('shares the login budget too', async () => {
    const ip = freshIp();
    ips.push(ip);
    const login = { method: 'POST', url: '/api/v1/test/login' } as const;
    assert.equal((await send(a.app, ip, login)).statusCode, 200);
    assert.equal((await send(b.app, ip, login)).statusCode, 200);
    assertRateLimited(await send(a.app, ip, login), 2);
    assert.equal((await send(b.app, ip)).statusCode, 200);
  });
});

describe('rate limits when Redis is unreachable', () => {
  it('let requests through and log a warning', async () => {
    // A port that was just free: nothing listens there.
    const t = await createTestApp({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, RATE_LIMIT_PER_MINUTE: '1' }, testRoutes);
    try {
      const ip = freshIp();
      assert.deepEqual(await burst(t.app, 3, ip), [200, 200, 200]);
      // Contact matching warns of the same outage in its own words (it refuses instead).
      const warnings = t.logs.records.filter((r) => r.level === 'warn' && /Redis unreachable: rate limits/.test(String(r.message)));
      assert.equal(warnings.length, 1);
    } finally {
      await t.close();
    }
  });
});
