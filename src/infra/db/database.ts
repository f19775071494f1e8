// One query path for both databases: a `pg` pool, pointed either at DATABASE_URL or at the
// embedded PGlite socket. Everything that needs atomicity goes through `transaction()`.
import pg from 'pg';
import type { Logger } from 'pino';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';

export type Row = Record<string, unknown>;
export type QueryResult<R extends Row = Row> = pg.QueryResult<R>;

/**
 * A statement PostgreSQL parses and plans once per connection instead of on every call: for the hot reads whose
 * planning costs as much as running them (a leaderboard page, a crew's weekly ranking). On PGlite, one session
 * shared by every connection, a name would clash between connections: there the text is sent unnamed.
 * Behind PgBouncer in transaction mode this needs its `max_prepared_statements` (1.21+).
 */
export interface NamedStatement {
  name: string;
  text: string;
}

/** Anything that runs SQL: the pool itself or a client inside a transaction. */
export interface Queryable {
  query<R extends Row = Row>(statement: string | NamedStatement, values?: unknown[]): Promise<QueryResult<R>>;
}

// Counts and distances fit in a double; dates stay 'YYYY-MM-DD' strings (no time-zone shift).
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (v: string) => Number(v);
    if (oid === pg.types.builtins.NUMERIC) return (v: string) => Number(v);
    if (oid === pg.types.builtins.DATE) return (v: string) => v;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export interface DatabaseOptions {
  url?: string;
  dataDir: string;
  poolMax: number;
  logger: Logger;
  echo?: boolean;
}

export class Database implements Queryable {
  private constructor(
    readonly pool: pg.Pool,
    readonly kind: 'postgres' | 'embedded',
    private readonly embedded: EmbeddedPostgres | undefined,
    private readonly logger: Logger,
    private readonly echo: boolean,
    /** The server is PGlite (ours, or another process's over its socket): see transaction(). */
    private readonly pglite: boolean,
  ) {}

  static async open(options: DatabaseOptions): Promise<Database> {
    const common = { types: typeParsers, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 };
    if (options.url) {
      // No JIT: the planner's cost of a statement with correlated subqueries (route previews) crossed jit_above_cost
      // and compiling took 0.7 s for a query that runs in 30 ms. Our statements are short OLTP ones.
      const pool = new pg.Pool({ ...common, connectionString: options.url, max: options.poolMax, options: '-c jit=off' });
      pool.on('error', (err) => options.logger.warn({ err }, 'idle database connection failed'));
      const pglite = await isPglite(pool).catch(() => false);
      return new Database(pool, 'postgres', undefined, options.logger, options.echo ?? false, pglite);
    }
    const started = Date.now();
    const embedded = await startEmbeddedPostgres(options.dataDir);
    options.logger.info({ dataDir: options.dataDir, ms: Date.now() - started }, 'embedded PGlite database ready');
    // PGlite is a single session: one connection keeps every transaction whole.
    const pool = new pg.Pool({ ...common, ...embedded.connection, max: 1, connectionTimeoutMillis: 0 });
    return new Database(pool, 'embedded', embedded, options.logger, options.echo ?? false, true);
  }

  query<R extends Row = Row>(statement: string | NamedStatement, values?: unknown[]): Promise<QueryResult<R>> {
    if (this.echo) this.logger.debug({ sql: typeof statement === 'string' ? statement : statement.text }, 'sql');
    return this.pool.query<R>(this.pglite ? unnamed(statement) : statement, values);
  }

  /** Runs `fn` in a transaction on one connection: committed if it resolves, rolled back if it throws. */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client has no listener of the pool's: a connection lost between two statements (a database
    // restart while `fn` computes) would be an unhandled 'error' event that stops the process. The next
    // statement fails instead, and the broken client is dropped rather than returned to the pool.
    let lost: Error | undefined;
    const onError = (err: Error) => {
      lost = err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const tx: Queryable = this.pglite ? { query: (statement, values) => client.query(unnamed(statement), values) } : client;
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => {
        lost ??= rollbackErr;
      });
      // PGlite's socket server can leave the ROLLBACK's reply behind on the connection, where the next query
      // reads it as its own result (a SELECT answering "ROLLBACK" with no rows): after a rollback on PGlite,
      // the connection is closed and the pool opens a fresh one.
      if (this.pglite) lost ??= new Error('connection closed after a rollback on PGlite');
      throw err;
    } finally {
      client.off('error', onError);
      client.release(lost);
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
    await this.embedded?.close();
  }
}

const unnamed = (statement: string | NamedStatement) => (typeof statement === 'string' ? statement : statement.text);

/** Whether the server behind `pool` is PGlite (its version string names it). */
async function isPglite(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ version: string }>('SELECT version()');
  return rows[0]!.version.includes('PGlite');
}
