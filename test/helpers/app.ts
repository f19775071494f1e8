// Builds the real application around the test database (see scripts/test.ts).
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/infra/config.js';
import { Database } from '../../src/infra/db/database.js';
import { createLogger } from '../../src/infra/logging.js';

export const usingEmbeddedDb = process.env.TEST_EMBEDDED_DB === '1';

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig(
    {
      APP_ENV: 'test',
      DATABASE_URL: process.env.DATABASE_URL,
      DB_POOL_MAX: process.env.DB_POOL_MAX,
      LOG_LEVEL: 'warn',
      JSON_LOGS: 'true',
      ...overrides,
    },
    '/nonexistent/.env',
  );
}

/** Collects log output as parsed JSON lines. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }

  get records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface TestApp {
  app: FastifyInstance;
  db: Database;
  config: Config;
  logs: LogCapture;
  close(): Promise<void>;
}

export async function openTestDatabase(config: Config): Promise<Database> {
  return Database.open({ url: config.DATABASE_URL, dataDir: '', poolMax: config.DB_POOL_MAX, logger: createLogger(config, new LogCapture()) });
}

export async function createTestApp(
  overrides: Record<string, string> = {},
  extend?: (app: FastifyInstance) => Promise<void> | void,
): Promise<TestApp> {
  const config = testConfig(overrides);
  const logs = new LogCapture();
  const logger = createLogger(config, logs);
  const db = await openTestDatabase(config);
  const app = await buildApp({ config, logger, db });
  await extend?.(app);
  await app.ready();
  return {
    app,
    db,
    config,
    logs,
    async close() {
      await app.close();
      await db.close();
    },
  };
}
