// Graceful shutdown of the real server process: on SIGTERM it stops accepting connections, lets a
// request already in flight finish, then exits 0. The request is held in flight by a row lock
// taken from another connection, so this needs a real PostgreSQL (PGlite is one session).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { testConfig, usingEmbeddedDb } from './helpers/app.js';
import { createUser, uniqueNickname } from './helpers/users.js';
import { freePort } from '../scripts/free-port.js';


async function waitFor(check: () => Promise<boolean>, what: string, tries = 300): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('graceful shutdown', { skip: usingEmbeddedDb && 'needs a real PostgreSQL (DATABASE_URL)' }, () => {
  it('finishes a request in flight on SIGTERM, refuses new ones, and exits 0', async () => {
    const config = testConfig();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: {
        ...process.env,
        APP_ENV: 'test',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        RUN_WORKERS: 'false',
        SHUTDOWN_TIMEOUT_SECONDS: '20',
        // A busy machine must not shed the request under test (503 OVERLOADED) instead of holding it in flight.
        MAX_EVENT_LOOP_DELAY_MS: '0',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = once(child, 'exit');
    const locker = new pg.Client({ connectionString: config.DATABASE_URL });
    await locker.connect();
    try {
      await waitFor(async () => (await fetch(`${base}/health/ready`)).ok, 'the server to be ready');
      const user = await createUser(locker, config);

      // Hold the user's row so the profile update waits inside its transaction.
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [user.id]);
      const nickname = uniqueNickname('g');
      const inFlight = fetch(`${base}/api/v1/users/me/profile`, {
        method: 'PATCH',
        headers: { ...user.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ nickname }),
      });
      await waitFor(async () => {
        // Inside a transaction pg_stat_activity is read once and kept: drop that snapshot before each look.
        await locker.query('SELECT pg_stat_clear_snapshot()');
        const res = await locker.query(
          `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database() AND pid <> pg_backend_pid()`,
        );
        return (res.rowCount ?? 0) > 0;
      }, 'the request to wait on the row lock');

      child.kill('SIGTERM');
      // New connections are refused once the server has stopped listening.
      await waitFor(async () => {
        try {
          await fetch(`${base}/health`);
          return false;
        } catch {
          return true;
        }
      }, 'the listener to close');

      await locker.query('COMMIT');
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal((await res.json()).nickname, nickname);
      const [code] = await exited;
      assert.equal(code, 0);
      const { rows } = await locker.query('SELECT nickname FROM users WHERE id = $1', [user.id]);
      assert.equal(rows[0].nickname, nickname);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
