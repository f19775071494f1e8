// The server under stress runs in its own process, as in production (`node --import tsx src/server.ts`), so the
// load generator does not share its event loop and its memory is measured from outside (/proc/<pid>/status).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../free-port.js';

export const SOAK_JWT_SECRET = 'soak-secret-of-at-least-thirty-two-characters';


/** Whether something accepts a TCP connection on host:port within `timeoutMs` (a Redis, before we rely on it). */
export function portAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Log records at level error (50) or above, and any line that is not a JSON log record (a crash trace). */
  errorLogs(): string[];
  /** SIGTERM, then waits for the exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the API with `env` over a staging-like default environment and waits until /health/ready answers 200. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: {
      ...process.env,
      APP_ENV: 'staging',
      HOST: '127.0.0.1',
      PORT: String(port),
      JWT_SECRET_KEY: SOAK_JWT_SECRET,
      JSON_LOGS: 'true',
      LOG_LEVEL: 'warn',
      SENTRY_DSN: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errors: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      let level = 60;
      try {
        level = (JSON.parse(line) as { level?: number }).level ?? 60;
      } catch {
        // not a log record: a stack trace or a warning printed by Node itself
      }
      if (level >= 50 && errors.length < 200) errors.push(line.slice(0, 2000));
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    return code;
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}: ${errors.join('\n')}`);
    if (await fetch(`${url}/health/ready`).then((r) => r.ok, () => false)) break;
    if (i > 600) {
      await stop();
      throw new Error('the server did not become ready within 60 s');
    }
    await sleep(100);
  }
  return { url, pid: child.pid!, child, errorLogs: () => [...errors], stop };
}

/** Starts one server per env, together; when one fails, the others are stopped before the failure is thrown. */
export async function startServerProcesses<const T extends readonly Record<string, string>[]>(
  envs: T,
): Promise<{ -readonly [K in keyof T]: ServerProcess }> {
  const started = await Promise.allSettled(envs.map((env) => startServerProcess(env)));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    throw failed.reason;
  }
  return started.map((s) => (s as PromiseFulfilledResult<ServerProcess>).value) as { -readonly [K in keyof T]: ServerProcess };
}

/** Resident memory of a process in MiB, from /proc/<pid>/status (VmRSS). */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

export interface Answer {
  status: number;
  ms: number;
  headers: Headers;
  body: string;
  /** set when no HTTP answer came: the connection failed or `timeoutMs` passed */
  error?: string;
}

/** One HTTP request that always settles: a missing answer within `timeoutMs` is an error, not a wait. */
export async function send(url: string, init: RequestInit = {}, timeoutMs = 15_000): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    return { status: res.status, ms: performance.now() - started, headers: res.headers, body };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const error = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.message} ${e.cause?.code ?? ''}`.trim();
    return { status: 0, ms: performance.now() - started, headers: new Headers(), body: '', error };
  }
}

/** True when `answer` is our error body ({code, message, detail}) with the given code. */
export function isErrorBody(answer: Answer, code: string): boolean {
  try {
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    return body.code === code && typeof body.message === 'string' && 'detail' in body && Object.keys(body).length === 3;
  } catch {
    return false;
  }
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
