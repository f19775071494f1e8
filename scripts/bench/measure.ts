// Two ways to measure one case at the same concurrency: over HTTP against the running server
// (autocannon), and the same SQL straight through the driver (the ceiling).
import autocannon from 'autocannon';
import type pg from 'pg';

export interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface HttpCase {
  url: string;
  connections: number;
  seconds: number;
  /** Builds each request: path, method, headers and body. */
  request: () => { path: string; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string };
  /** A status other than this one counts as an error. */
  expectStatus?: number;
}

export async function measureHttp(c: HttpCase): Promise<Figures> {
  let errors = 0;
  const result = await autocannon({
    url: c.url,
    connections: c.connections,
    duration: c.seconds,
    requests: [{ setupRequest: (req) => ({ ...req, ...c.request() }) }],
    setupClient: (client) => {
      client.on('response', (status: number) => {
        if (status !== (c.expectStatus ?? 200)) errors += 1;
      });
    },
  });
  return {
    requestsPerSecond: result.requests.total / c.seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: errors + result.errors + result.timeouts,
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Runs `work` from `connections` concurrent loops for `seconds`, each on its own pooled client. */
export async function measureSql(pool: pg.Pool, connections: number, seconds: number, work: (client: pg.PoolClient) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  const stopAt = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = await pool.connect();
      try {
        while (performance.now() < stopAt) {
          const t0 = performance.now();
          try {
            await work(client);
            latencies.push(performance.now() - t0);
          } catch {
            errors += 1;
          }
        }
      } finally {
        client.release();
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { requestsPerSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

/**
 * Measures `http` and `base` in alternating rounds, so that what else the shared machine does at one moment falls
 * on both alike: per side the mean rate, the median p50 and p99 of the rounds, and every error.
 */
export async function alternating(rounds: number, http: () => Promise<Figures>, base: () => Promise<Figures>): Promise<{ http: Figures; base: Figures }> {
  const h: Figures[] = [];
  const b: Figures[] = [];
  for (let i = 0; i < rounds; i++) {
    h.push(await http());
    b.push(await base());
  }
  return { http: combine(h), base: combine(b) };
}

function combine(rounds: Figures[]): Figures {
  const median = (values: number[]) => percentile([...values].sort((x, y) => x - y), 50);
  return {
    requestsPerSecond: rounds.reduce((sum, r) => sum + r.requestsPerSecond, 0) / rounds.length,
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
  };
}
