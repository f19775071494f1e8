import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Database, type Queryable } from '../src/infra/db/database.js';
import { startEmbeddedPostgres } from '../src/infra/db/embedded.js';
import { migrate, readMigrations } from '../src/infra/db/migrate.js';
import { usingEmbeddedDb } from './helpers/app.js';

const logger = pino({ level: 'silent' });
const TABLES = [
  'users', 'social_accounts', 'refresh_tokens', 'courses', 'course_stats', 'run_sessions', 'run_chunks',
  'run_records', 'rankings', 'reviews', 'follows', 'events', 'event_participants', 'course_favorites',
  'course_likes', 'external_imports', 'strava_connections', 'device_tokens',
];

// Every index of the production-readiness changelog, plus the ones a production service needs:
// [table, leading columns, access method, must be unique].
const REQUIRED_INDEXES: [string, string[], 'btree' | 'gist', boolean?][] = [
  ['courses', ['creator_id'], 'btree'],
  ['courses', ['created_at'], 'btree'],
  ['courses', ['is_public'], 'btree'],
  ['courses', ['start_point'], 'gist'],
  ['courses', ['route_geometry'], 'gist'],
  ['run_records', ['user_id', 'started_at'], 'btree'],
  ['run_records', ['course_id'], 'btree'],
  ['run_records', ['started_at'], 'btree'],
  ['run_records', ['route_geometry'], 'gist'],
  ['run_records', ['session_id'], 'btree', true],
  ['rankings', ['course_id', 'best_duration_seconds'], 'btree'],
  ['rankings', ['user_id'], 'btree'],
  ['rankings', ['course_id', 'user_id'], 'btree', true],
  ['follows', ['follower_id'], 'btree'],
  ['follows', ['following_id'], 'btree'],
  ['reviews', ['course_id'], 'btree'],
  ['social_accounts', ['provider', 'provider_id'], 'btree', true],
  ['refresh_tokens', ['user_id'], 'btree'],
  ['refresh_tokens', ['expires_at'], 'btree'],
  ['refresh_tokens', ['token_hash'], 'btree', true],
  ['events', ['starts_at', 'ends_at'], 'btree'],
  ['events', ['center_point'], 'gist'],
  ['course_likes', ['user_id'], 'btree'],
  ['course_favorites', ['user_id'], 'btree'],
  ['run_sessions', ['status'], 'btree'],
  ['run_chunks', ['session_id', 'sequence'], 'btree', true],
  ['device_tokens', ['device_token'], 'btree', true],
];

interface IndexInfo {
  table: string;
  index: string;
  method: string;
  unique: boolean;
  columns: string[];
}

async function indexes(db: Queryable): Promise<IndexInfo[]> {
  const { rows } = await db.query<IndexInfo & Record<string, unknown>>(`
    SELECT t.relname AS table, i.relname AS index, am.amname AS method, ix.indisunique AS unique,
           array_agg(a.attname::text ORDER BY k.ord) AS columns
    FROM pg_index ix
    JOIN pg_class i ON i.oid = ix.indexrelid
    JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    JOIN pg_am am ON am.oid = i.relam
    CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE n.nspname = 'public'
    GROUP BY t.relname, i.relname, am.amname, ix.indisunique`);
  return rows;
}

async function assertSchemaComplete(db: Queryable): Promise<void> {
  const { rows } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const present = new Set(rows.map((r) => r.table_name));
  for (const table of TABLES) assert.ok(present.has(table), `table ${table} exists`);

  const all = await indexes(db);
  for (const [table, columns, method, unique] of REQUIRED_INDEXES) {
    const found = all.find(
      (ix) =>
        ix.table === table &&
        ix.method === method &&
        columns.every((c, i) => ix.columns[i] === c) &&
        (!unique || ix.unique),
    );
    assert.ok(found, `${unique ? 'unique ' : ''}${method} index on ${table}(${columns.join(', ')})`);
  }

  const { rows: jsonCols } = await db.query(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND data_type IN ('json', 'timestamp without time zone')`,
  );
  assert.deepEqual(jsonCols, [], 'no json (only jsonb) and no timestamps without time zone');
}

async function migrateFromEmpty(db: Database): Promise<void> {
  const names = readMigrations().map((m) => m.name);
  assert.deepEqual(await migrate(db, logger), names, 'every migration applied from empty');
  assert.deepEqual(await migrate(db, logger), [], 'applying again is a no-op');
  await assertSchemaComplete(db);
}

describe('migrations from an empty database', () => {
  it('apply on an embedded PGlite + PostGIS', async () => {
    const pglite = await startEmbeddedPostgres('memory://');
    const { host, user, database } = pglite.connection;
    const db = await Database.open({
      url: `postgres://${user}@localhost/${database}?host=${encodeURIComponent(host)}`,
      dataDir: '',
      poolMax: 1,
      logger,
    });
    try {
      await migrateFromEmpty(db);
    } finally {
      await db.close();
      await pglite.close();
    }
  });

  it('apply on a real PostgreSQL + PostGIS', { skip: usingEmbeddedDb && 'DATABASE_URL (a real PostgreSQL) is not set' }, async () => {
    const admin = await Database.open({ url: process.env.DATABASE_URL, dataDir: '', poolMax: 1, logger });
    const name = `runcrew_migtest_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    const db = await Database.open({ url: url.toString(), dataDir: '', poolMax: 2, logger });
    try {
      await migrateFromEmpty(db);
    } finally {
      await db.close();
      await admin.query(`DROP DATABASE ${name}`);
      await admin.close();
    }
  });

  it('refuses a migration edited after it was applied', async () => {
    const db = await Database.open({ url: process.env.DATABASE_URL, dataDir: '', poolMax: 1, logger });
    try {
      const [first, ...rest] = readMigrations();
      const edited = { ...first!, checksum: 'edited' };
      await assert.rejects(migrate(db, logger, [edited, ...rest]), /changed after it was applied/);
    } finally {
      await db.close();
    }
  });
});

describe('the test database schema', () => {
  let db: Database;
  before(async () => {
    db = await Database.open({ url: process.env.DATABASE_URL, dataDir: '', poolMax: 1, logger });
  });
  after(() => db.close());

  it('has every table and index', async () => {
    await assertSchemaComplete(db);
  });

  // PGlite (WASM) needs minutes to build a GIST index over enough rows for the planner to prefer it.
  const onlyRealPostgres = usingEmbeddedDb && 'needs a real PostgreSQL (DATABASE_URL)';
  it('answers the nearby-course query through the GIST index', { skip: onlyRealPostgres }, async () => {
    // Seeded and analysed inside a transaction that is rolled back, so the shared database stays clean.
    await db.transaction(async (tx) => {
      await tx.query('SAVEPOINT seeded');
      const { rows } = await tx.query<{ id: string }>(`INSERT INTO users (email) VALUES ('gist@test') RETURNING id`);
      await tx.query(
        `INSERT INTO courses (creator_id, title, distance_meters, route_geometry, start_point)
         SELECT $1, 'course ' || g, 3000,
                ST_MakeLine(ST_MakePoint(lng, lat), ST_MakePoint(lng + 0.01, lat + 0.01))::geography,
                ST_MakePoint(lng, lat)::geography
         FROM generate_series(1, 20000) AS g,
              LATERAL (SELECT 126.8 + random() * 0.5 AS lng, 37.4 + random() * 0.3 AS lat) AS p`,
        [rows[0]!.id],
      );
      await tx.query('ANALYZE courses');
      const plan = await tx.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (FORMAT JSON)
         SELECT id FROM courses
         WHERE is_public AND ST_DWithin(start_point, ST_MakePoint(127.0, 37.55)::geography, 5000)
         ORDER BY start_point <-> ST_MakePoint(127.0, 37.55)::geography
         LIMIT 20`,
      );
      const text = JSON.stringify(plan.rows[0]!['QUERY PLAN']);
      assert.match(text, /"Index Name":"idx_courses_start_point"/, `plan uses the GIST index: ${text}`);
      await tx.query('ROLLBACK TO SAVEPOINT seeded');
    });
  });
});
