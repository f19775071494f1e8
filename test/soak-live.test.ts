// The live channel under faults, in short form (scripts/soak/live.ts; `npm run soak live` runs it longer): sockets
// dropped mid-run, a Redis restart, duplicate finishes on two processes; nothing lost, nothing doubled.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { run } from '../scripts/soak/live.js';
import { usingEmbeddedDb } from './helpers/app.js';

const hasRedisServer = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = usingEmbeddedDb
  ? 'needs a real PostgreSQL (DATABASE_URL): the servers run in processes of their own'
  : !hasRedisServer && 'needs the redis-server binary: the scenario restarts a Redis of its own';

describe('live group runs under faults (scripts/soak/live.ts, short)', { skip }, () => {
  it('resumes dropped sockets, recovers from a Redis restart, and records each runner once', async () => {
    process.env.SOAK_DATABASE_URL = process.env.DATABASE_URL;
    const report = await run('short');
    assert.equal(report.failures, 0, report.notes.join('\n'));
    assert.ok(report.faults >= 2 + 2 * 8, `${report.faults} faults`);
  });
});
