// The server under test runs in its own process, as in production, so the load generator and the
// ceiling measurements in this process do not share its event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const BENCH_JWT_SECRET = 'bench-secret-of-at-least-thirty-two-characters';

export interface BenchServer {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

export async function startBenchServer(databaseUrl: string, poolMax: number): Promise<BenchServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: {
      ...process.env,
      APP_ENV: 'staging',
      DATABASE_URL: databaseUrl,
      DB_POOL_MAX: String(poolMax),
      HOST: '127.0.0.1',
      PORT: String(port),
      JWT_SECRET_KEY: BENCH_JWT_SECRET,
      JSON_LOGS: 'true',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '100000000',
      REDIS_URL: '',
      SENTRY_DSN: '',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/health/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    await sleep(100);
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
