// The per-user budget of phone hashes against enumeration: CONTACT_HASHES_PER_DAY hashes per user in a window of
// 24 hours that starts with the first hash (matched or registered). Counted in Redis with REDIS_URL, so every
// instance shares it, otherwise in this process. A request that would go over is refused whole and costs nothing.
// Unlike the request rate limit this fails closed: while Redis is unreachable the contacts calls answer 503, since
// an unlimited match call is exactly what lets someone walk the number space.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../../infra/errors.js';

export const WINDOW_MS = 24 * 3600_000;
const REDIS_KEY_PREFIX = 'runcrew:contacts:hashes:';

export interface HashBudget {
  /** Takes `n` hashes of the user's budget, or throws 429 RATE_LIMITED with Retry-After and takes none. */
  take(userId: string, n: number): Promise<void>;
}

const exhausted = (limit: number, retryMs: number) => {
  const seconds = Math.max(1, Math.ceil(retryMs / 1000));
  return new AppError(429, 'RATE_LIMITED', `Contact hash budget exceeded: ${limit} per 24 hours, retry in ${seconds} s`, {
    'retry-after': String(seconds),
  });
};

class MemoryBudget implements HashBudget {
  private readonly used = new Map<string, { until: number; count: number }>();

  constructor(private readonly limit: number) {}

  async take(userId: string, n: number): Promise<void> {
    const now = Date.now();
    // Windows that have run out are dropped now and then, so the map holds only the day's users.
    if (this.used.size > 10_000) for (const [id, w] of this.used) if (w.until <= now) this.used.delete(id);
    let window = this.used.get(userId);
    if (!window || window.until <= now) this.used.set(userId, (window = { until: now + WINDOW_MS, count: 0 }));
    if (window.count + n > this.limit) throw exhausted(this.limit, window.until - now);
    window.count += n;
  }
}

class RedisBudget implements HashBudget {
  constructor(
    private readonly redis: Redis,
    private readonly limit: number,
    private readonly logger: Logger,
  ) {}

  async take(userId: string, n: number): Promise<void> {
    const key = REDIS_KEY_PREFIX + userId;
    let count: number;
    let ttl: number;
    try {
      // One round trip: the window opens with the first hash, the sum is atomic across instances.
      const replies = await this.redis.multi().set(key, 0, 'PX', WINDOW_MS, 'NX').incrby(key, n).pttl(key).exec();
      if (!replies || replies.some(([err]) => err)) throw replies?.find(([err]) => err)?.[0] ?? new Error('transaction aborted');
      count = replies[1]![1] as number;
      ttl = replies[2]![1] as number;
      if (count > this.limit) await this.redis.decrby(key, n);
    } catch (err) {
      this.logger.warn({ err }, 'Redis unreachable: contact matching is refused until it is back');
      throw new AppError(503, 'CONTACTS_UNAVAILABLE', 'Contact matching is unavailable; retry shortly', { 'retry-after': '5' });
    }
    if (count > this.limit) throw exhausted(this.limit, ttl);
  }
}

/** The budget in Redis when the server has its connection (infra/redis.ts), else in this process. */
export function createHashBudget(options: { redis: Redis | null; limit: number; logger: Logger }): HashBudget {
  return options.redis ? new RedisBudget(options.redis, options.limit, options.logger) : new MemoryBudget(options.limit);
}
