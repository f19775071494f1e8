// `npm run admin -- grant|revoke <user id or nickname>` (src/admin.ts), run as the operator runs it: a child process
// on the database of the configuration. With DATABASE_URL it is the test database; with the embedded database (one
// process only) it is a fresh PGlite folder of its own (DATA_DIR), seeded and read back between the commands.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/infra/db/database.js';
import { migrate } from '../src/infra/db/migrate.js';
import { createLogger } from '../src/infra/logging.js';
import { LogCapture, openTestDatabase, testConfig, usingEmbeddedDb } from './helpers/app.js';
import { createUser, uniqueNickname } from './helpers/users.js';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

// With the embedded database every reading opens PGlite (seconds each), so the file opens it as few times as it can:
// the runner's time limit covers the whole file.
const config = testConfig();
const dataDir = usingEmbeddedDb ? mkdtempSync(join(tmpdir(), 'runcrew-admin-cmd-')) : '';
// The command reads the same variables as the server (src/infra/config.ts); an empty DATABASE_URL means DATA_DIR.
const env = { ...process.env, DATABASE_URL: usingEmbeddedDb ? '' : config.DATABASE_URL, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };

/** Opens the database the command works on; with the embedded one, only while no command runs. */
const open = async () => {
  if (!usingEmbeddedDb) return openTestDatabase(config);
  const logger = createLogger(config, new LogCapture());
  const db = await Database.open({ url: '', dataDir, poolMax: 1, logger });
  await migrate(db, logger);
  return db;
};
const withDb = async <T>(fn: (db: Database) => Promise<T>): Promise<T> => {
  const db = await open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
};
/** is_admin of each user, in one opening of the database. */
const adminFlags = (...ids: string[]) =>
  withDb(async (db) => {
    const { rows } = await db.query<{ id: string; is_admin: boolean }>('SELECT id, is_admin FROM users WHERE id = ANY($1::uuid[])', [ids]);
    return ids.map((id) => rows.find((r) => r.id === id)?.is_admin);
  });

const admin = (...args: string[]) =>
  new Promise<Outcome>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/admin.ts', ...args], { env, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });

let target: { id: string; nickname: string };
let bystander: { id: string; nickname: string };
before(async () => {
  [target, bystander] = await withDb(async (db) => [await createUser(db, config, { nickname: uniqueNickname('adm') }), await createUser(db, config)]);
});
after(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// The unknown user first, so that one reading after the grant shows that it changed nobody either.
it('npm run admin exits non-zero for an unknown user or a wrong command', async () => {
  const unknown = await admin('grant', 'nobody-here');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no user with id or nickname "nobody-here"/);
  const usage = await admin('promote', target.nickname);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /usage: npm run admin -- grant\|revoke/);
});

it('npm run admin grants the role by nickname, and only to that user', async () => {
  const out = await admin('grant', target.nickname);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, new RegExp(`granted administrator: ${target.id} \\(${target.nickname}\\)`));
  assert.deepEqual(await adminFlags(target.id, bystander.id), [true, false]);
});

// Two more openings of the embedded database would take the file past the runner's time limit on a busy machine.
const revokeSkip = usingEmbeddedDb && 'embedded database: revoke is tested with DATABASE_URL (each PGlite opening takes ~20 s)';
it('npm run admin revokes it by user id', { skip: revokeSkip }, async () => {
  const out = await admin('revoke', target.id);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /revoked administrator/);
  assert.deepEqual(await adminFlags(target.id, bystander.id), [false, false]);
});
