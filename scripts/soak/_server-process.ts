// The server under stress runs in its own process, as in production (`node --import tsx src/server.ts`), so the
// load generator does not share its event loop and its memory is measured from outside (/proc/<pid>/status).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { createInterface } from 'node:readline';
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

/** One JSON record of the server's log (JSON_LOGS=true: levels as labels). */
export interface LogLine {
  level: string;
  message?: string;
  request_id?: string;
  status?: number;
  [key: string]: unknown;
}

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** resolves with the exit code (null when killed by a signal) */
  exited: Promise<number | null>;
  /** log records above info, and every line that is not a JSON record (a crash trace, a warning Node printed) */
  problems: LogLine[];
  /** request id → status of every access line (needs LOG_LEVEL=info) */
  answered: Map<string, number>;
  /** SIGTERM, then waits for the exit; SIGKILL after `graceMs`. Returns the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Starts the API (`node --import tsx src/server.ts`) on a free port in a staging-like environment and waits until
 * /health/ready answers 200. Unless `env` says otherwise: no rate limits, no Redis, no Sentry or FCM, job workers on
 * with a 1 s poll, JSON logs at warn.
 */
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
      RATE_LIMIT_PER_MINUTE: '100000000',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000000',
      REDIS_URL: '',
      SENTRY_DSN: '',
      FCM_SERVICE_ACCOUNT_PATH: '',
      UPLOAD_DIR: joinPath(tmpdir(), 'runcrew-soak-uploads'),
      JOB_POLL_SECONDS: '1',
      RUN_WORKERS: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const problems: LogLine[] = [];
  const answered = new Map<string, number>();
  // Whole lines: a record the pipe delivers in two pieces is still one record.
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      problems.push({ level: 'unparsed', message: text });
      return;
    }
    if (line.message === 'request completed' && line.request_id !== undefined) answered.set(line.request_id, line.status ?? 0);
    if (!['info', 'debug', 'trace'].includes(line.level)) problems.push(line);
  });
  createInterface({ input: child.stderr! }).on('line', (text) => problems.push({ level: 'stderr', message: text }));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (graceMs = 30_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(killer);
    return code;
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} while starting: ${serverProblems({ problems }).join('\n')}`);
    if (await fetch(`${url}/health/ready`).then((r) => r.ok, () => false)) break;
    if (i > 600) {
      await stop(0);
      throw new Error('the server did not become ready within 60 s');
    }
    await sleep(100);
  }
  return { url, pid: child.pid!, child, exited, problems, answered, stop };
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

/**
 * Server log lines that break a promise: errors (a 5xx, a crash), failed jobs, anything not a log record. A 503's
 * access line is left to the client, which sees the answer and judges it (with Retry-After it is allowed).
 */
export function serverProblems(server: Pick<ServerProcess, 'problems'>): string[] {
  return server.problems
    .filter((l) => (l.level !== 'warn' || l.message === 'job failed') && !(l.message === 'request completed' && l.status === 503))
    .map((l) => `server log ${l.level}: ${l.message ?? ''} ${JSON.stringify(l.err ?? l.status ?? '').slice(0, 300)}`);
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
