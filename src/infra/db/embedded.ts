// The embedded default: PGlite (PostgreSQL in WASM) with PostGIS, served over the PostgreSQL wire
// protocol on a private Unix socket so the application talks to it through the same `pg` driver
// and the same SQL as a real server.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { postgis } from '@electric-sql/pglite-postgis';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** `pg` connection settings for the socket. */
  connection: { host: string; port: number; user: string; database: string };
  close(): Promise<void>;
}

/** Opens PGlite persisted under `dataDir` (or in memory for `memory://`). */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) mkdirSync(resolve(dataDir), { recursive: true });
  const db = await PGlite.create(inMemory ? 'memory://' : resolve(dataDir), { extensions: { postgis, pg_trgm } });

  // pg looks for `<host>/.s.PGSQL.<port>` when host is a directory.
  const socketDir = mkdtempSync(join(tmpdir(), 'runcrew-pg-'));
  const port = 5432;
  // Several connections are accepted, but the pool in front of it uses one (see database.ts).
  const server = new PGLiteSocketServer({ db, path: join(socketDir, `.s.PGSQL.${port}`), maxConnections: 16 });
  await server.start();

  return {
    connection: { host: socketDir, port, user: 'postgres', database: 'postgres' },
    async close() {
      await server.stop();
      await db.close();
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}
