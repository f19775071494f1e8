// The server's one Redis command connection (REDIS_URL), shared by the request rate limiter and the contact-hash
// budget. Live group runs keep a pair of their own: a subscribing connection can send no other command.
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';

declare module 'fastify' {
  interface FastifyInstance {
    /** null without REDIS_URL: the state then stays in this process */
    redis: Redis | null;
  }
}

export async function registerRedis(app: FastifyInstance): Promise<void> {
  const url = app.deps.config.REDIS_URL;
  if (!url) {
    app.decorate('redis', null);
    return;
  }
  const redis = new Redis(url, {
    // While Redis is unreachable commands fail at once instead of queueing, so requests do not wait for it;
    // a slow Redis costs a request at most commandTimeout.
    lazyConnect: true,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    commandTimeout: 500,
  });
  // ioredis keeps reconnecting and emits an error per attempt: warn once per outage.
  let reachable = true;
  redis.on('error', (err: Error) => {
    if (!reachable) return;
    reachable = false;
    app.log.warn({ err }, 'Redis unreachable: rate limits are not enforced and contact matching is refused until it is back');
  });
  redis.on('ready', () => {
    if (reachable) return;
    reachable = true;
    app.log.info('Redis reachable again: rate limits enforced, contact matching open');
  });
  app.addHook('onClose', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  // Wait for the first connection so the first requests are counted; on failure (logged above) ioredis keeps
  // reconnecting in the background and the server starts anyway.
  await redis.connect().catch(() => undefined);
  app.decorate('redis', redis);
}
