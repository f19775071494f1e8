// The server under test runs in its own process, as in production, so the load generator and the
// ceiling measurements in this process do not share its event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../free-port.js';

export const BENCH_JWT_SECRET = 'bench-secret-of-at-least-thirty-two-characters';

export interface BenchServer {
  url: string;
  /** The server's process (its CPU time and memory are read from /proc). */
  pid: number;
  stop(): Promise<void>;
}


/** Starts `script` in its own Node process on a free port and waits until `readyPath` answers 200. */
async function startProcess(script: string, env: Record<string, string>, readyPath: string): Promise<BenchServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    const ready = await fetch(`${url}${readyPath}`).then((r) => r.ok, () => false);
    if (ready) break;
    await sleep(100);
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

export function startBenchServer(databaseUrl: string, poolMax: number, env: Record<string, string> = {}): Promise<BenchServer> {
  return startProcess(
    'src/server.ts',
    {
      APP_ENV: 'staging',
      DATABASE_URL: databaseUrl,
      DB_POOL_MAX: String(poolMax),
      HOST: '127.0.0.1',
      JWT_SECRET_KEY: BENCH_JWT_SECRET,
      JSON_LOGS: 'true',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '100000000',
      REDIS_URL: '',
      SENTRY_DSN: '',
      ...env,
    },
    '/health/ready',
  );
}

/** The bare Fastify hello world the /health case compares with. */
export function startBareServer(): Promise<BenchServer> {
  return startProcess('scripts/bench/bare-server.ts', {}, '/health');
}
