// The per-request logger Fastify puts on request.log, bound to the request id. pino's child() serialises (and
// redacts) its bindings when it is made, which cost a GET /health about 6% of its CPU although most requests
// never write a line at or above the level. This logger makes the child on the first line actually written.
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, LevelWithSilentOrString, LogFn, Logger } from 'pino';

const LEVELS: Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

class RequestLogger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
  ) {}

  get level(): LevelWithSilentOrString {
    return (this.made ?? this.parent).level;
  }

  set level(level: LevelWithSilentOrString) {
    this.bound().level = level;
  }

  isLevelEnabled(level: LevelWithSilentOrString): boolean {
    return (this.made ?? this.parent).isLevelEnabled(level);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.bound().child(bindings, options);
  }

  /** The real child logger, made on first use. */
  bound(): Logger {
    this.made ??= this.parent.child(this.bindings);
    return this.made;
  }

  declare fatal: LogFn;
  declare error: LogFn;
  declare warn: LogFn;
  declare info: LogFn;
  declare debug: LogFn;
  declare trace: LogFn;
  silent(): void {}
}

for (const level of LEVELS) {
  Object.defineProperty(RequestLogger.prototype, level, {
    value(this: RequestLogger, ...args: unknown[]) {
      if (!this.isLevelEnabled(level)) return;
      const logger = this.bound();
      (logger[level] as (...a: unknown[]) => void).apply(logger, args);
    },
  });
}

/** Fastify's childLoggerFactory: lazy unless the route asks for its own level or serializers. */
export const requestLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options) =>
  Object.keys(options).length > 0
    ? logger.child(bindings, options)
    : (new RequestLogger(logger as Logger, bindings) as unknown as FastifyBaseLogger);
