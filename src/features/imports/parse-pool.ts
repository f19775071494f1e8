// Activity files are read in worker threads (parse-worker.ts), never on the main thread: a 20 MiB GPX is seconds
// of synchronous parsing, and the API process also runs the job workers, so on the main thread it would stall
// every request (and trip the event-loop load shedding). Each thread has a heap limit and each file a time limit:
// a hostile file that gets past the markup checks kills only its worker thread, and fails only its import.
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import type { Config } from '../../infra/config.js';
import type { BuiltRun } from './activity.js';
import type { FileSource, ParseResult, ParseTask } from './parse-worker.js';

export interface ParsePoolOptions {
  /** heap (V8 old generation) of each worker thread, in MiB */
  maxMemoryMb: number;
  /** longest time one file may take, in seconds */
  timeoutSeconds: number;
  logger: Logger;
}

/** Under tsx (tests, development) this file is TypeScript and so is the worker; built, both are JavaScript. */
const RUNNING_TS = import.meta.url.endsWith('.ts');
const WORKER_FILE = new URL(`./parse-worker.${RUNNING_TS ? 'ts' : 'js'}`, import.meta.url).href;

/** Thrown when the pool was closed (shutdown): the job is retried later, the file is not at fault. */
export class ParsePoolClosedError extends Error {}

export class ParsePool {
  readonly #pool: Piscina<ParseTask, ParseResult>;
  readonly #options: ParsePoolOptions;
  #closed = false;

  constructor(options: ParsePoolOptions) {
    this.#options = options;
    this.#pool = new Piscina({
      filename: WORKER_FILE,
      // Imports run one at a time per process; a second thread serves the odd overlap (a retry, a second queue).
      minThreads: 1,
      maxThreads: 2,
      idleTimeout: 30_000,
      // Not the parent's flags: the API's Sentry preload has no business in a parser thread.
      execArgv: RUNNING_TS ? ['--enable-source-maps', '--import', 'tsx'] : ['--enable-source-maps'],
      resourceLimits: { maxOldGenerationSizeMb: options.maxMemoryMb },
      // Shutdown comes after the job workers stopped; a parse still running then belongs to an abandoned job.
      closeTimeout: 1000,
    });
    // Piscina reports a worker that dies between tasks (or a slow close) as an 'error' event.
    this.#pool.on('error', (err: unknown) => options.logger.warn({ err }, 'activity file parser thread failed'));
  }

  /**
   * The run in an activity file, or the message telling the user why it cannot be imported. The buffer is
   * handed over to the worker without a copy when it owns its memory, and is unusable afterwards.
   */
  async parse(source: FileSource, bytes: Buffer, log: Logger, now = new Date()): Promise<BuiltRun | string> {
    if (this.#closed) throw new ParsePoolClosedError('the activity file parser is closed');
    const ownsMemory = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    let result: ParseResult;
    try {
      result = await this.#pool.run(
        { source, bytes, now: now.getTime() },
        {
          transferList: ownsMemory ? [bytes.buffer as ArrayBuffer] : [],
          signal: AbortSignal.timeout(this.#options.timeoutSeconds * 1000),
        },
      );
    } catch (err) {
      if (this.#closed) throw new ParsePoolClosedError('the activity file parser was closed while reading a file');
      if ((err as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        log.warn({ err }, 'an activity file exhausted the parser thread memory');
        return 'The file needs too much memory to read; it is not an activity file this server can import';
      }
      if ((err as Error).name === 'AbortError') {
        log.warn({ err }, 'an activity file took too long to read');
        return `Reading the file took longer than ${this.#options.timeoutSeconds} seconds; it cannot be imported`;
      }
      // A parser bug, or the thread died: the same file would do it again, so the import fails.
      log.warn({ err }, 'an activity file could not be parsed');
      return 'The file could not be read as a GPX, TCX or FIT activity';
    }
    return 'error' in result ? result.error : result.run;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#pool.close({ force: true });
  }
}

let shared: ParsePool | undefined;

/** The process's pool, started on first use with the first caller's configuration and logger. */
export function parsePool(deps: { config: Pick<Config, 'IMPORT_PARSE_MAX_MEMORY_MB' | 'IMPORT_PARSE_TIMEOUT_SECONDS'>; logger: Logger }): ParsePool {
  shared ??= new ParsePool({
    maxMemoryMb: deps.config.IMPORT_PARSE_MAX_MEMORY_MB,
    timeoutSeconds: deps.config.IMPORT_PARSE_TIMEOUT_SECONDS,
    logger: deps.logger,
  });
  return shared;
}

/** Stops the process's pool (at shutdown); a later import starts a new one. */
export async function closeParsePool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
