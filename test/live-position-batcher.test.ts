// The batcher that writes live positions: fixes that arrive together share a transaction, a runner's second fix
// waits for the next batch and is measured from the first, a fix the database refuses costs no one else theirs,
// and drain() (the server's close) writes what still waits.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser } from './helpers/users.js';
import { insertCourse } from './helpers/run-records.js';
import { PositionBatcher } from '../src/features/live-group-runs/position-batcher.js';
import * as live from '../src/features/live-group-runs/service.js';
import { haversineMeters } from '../src/features/matching/geo.js';

const LAT = 37.5665;
const LNG = 126.978;

describe('live position batcher', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  /** A started run of two; returns its id and the runners' ids. */
  async function runningRun(): Promise<{ runId: string; runners: [string, string] }> {
    const deps = t.app.deps;
    const [host, other] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    const course = await insertCourse(t.db, host.id);
    const { id } = await live.create(deps, host.id, { course_id: course, title: `Batch ${randomUUID().slice(0, 6)}` });
    await live.join(deps, other.id, id);
    await live.start(deps, host.id, id);
    return { runId: id, runners: [host.id, other.id] };
  }
  async function participant(runId: string, userId: string) {
    const { rows } = await t.db.query<{ current_distance_m: number; position_count: number; last_lat: number | null }>(
      `SELECT current_distance_m, position_count, last_lat FROM live_group_run_participants WHERE live_group_run_id = $1 AND user_id = $2`,
      [runId, userId],
    );
    return rows[0]!;
  }
  function batcherWithBatches() {
    const batches: string[][] = [];
    const batcher = new PositionBatcher(t.db, t.app.deps.logger, (runIds) => batches.push([...runIds].sort()));
    return { batcher, batches };
  }

  it('writes the fixes of several runs that arrive together in one batch', async () => {
    const [a, b] = [await runningRun(), await runningRun()];
    const { batcher, batches } = batcherWithBatches();
    const fixes = [a, b].flatMap(({ runId, runners }) => runners.map((userId) => ({ runId, userId, lat: LAT, lng: LNG, at: new Date() })));
    assert.deepEqual(await Promise.all(fixes.map((fix) => batcher.record(fix))), ['recorded', 'recorded', 'recorded', 'recorded']);
    assert.deepEqual(batches, [[a.runId, b.runId].sort()], 'one batch, both runs moved');
    for (const fix of fixes) assert.equal((await participant(fix.runId, fix.userId)).last_lat, LAT);
  });

  it("puts a runner's second fix in the next batch and measures it from the first", async () => {
    const { runId, runners } = await runningRun();
    const { batcher, batches } = batcherWithBatches();
    const at = new Date();
    const first = batcher.record({ runId, userId: runners[0], lat: LAT, lng: LNG, at });
    const second = batcher.record({ runId, userId: runners[0], lat: LAT + 0.0001, lng: LNG, at: new Date(at.getTime() + 5000) });
    assert.deepEqual(await Promise.all([first, second]), ['recorded', 'recorded']);
    assert.equal(batches.length, 2);
    const row = await participant(runId, runners[0]);
    assert.equal(row.position_count, 2);
    assert.ok(Math.abs(row.current_distance_m - haversineMeters(LAT, LNG, LAT + 0.0001, LNG)) < 0.01, `${row.current_distance_m} m`);
  });

  it('refuses only the fix the database refuses; the others of its batch are written', async () => {
    const { runId, runners } = await runningRun();
    const { batcher } = batcherWithBatches();
    const bad = batcher.record({ runId, userId: runners[0], lat: 91, lng: LNG, at: new Date() });
    const good = batcher.record({ runId, userId: runners[1], lat: LAT, lng: LNG, at: new Date() });
    await assert.rejects(bad, /check constraint/i);
    assert.equal(await good, 'recorded');
    assert.equal((await participant(runId, runners[0])).position_count, 0);
    assert.equal((await participant(runId, runners[1])).position_count, 1);
  });

  it('answers not_running to a stranger, and drain() writes what still waits', async () => {
    const { runId, runners } = await runningRun();
    const stranger = await createUser(t.db, t.config);
    const { batcher } = batcherWithBatches();
    const outcomes = [
      batcher.record({ runId, userId: stranger.id, lat: LAT, lng: LNG, at: new Date() }),
      batcher.record({ runId, userId: runners[1], lat: LAT, lng: LNG, at: new Date() }),
    ];
    await batcher.drain();
    assert.equal((await participant(runId, runners[1])).position_count, 1, 'written by the time drain() returns');
    assert.deepEqual(await Promise.all(outcomes), ['not_running', 'recorded']);
  });
});
