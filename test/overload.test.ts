// Overload, the short form of scripts/soak/overload.ts against real server processes: exact rate limits under a
// flood from several client IPs (Redis store with REDIS_URL, else memory), load shedding with 503 OVERLOADED and
// recovery, bounded memory under an upload flood, and over-size avatars refused with 413 before their body is sent.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runOverload } from '../scripts/soak/overload.js';
import { AppError } from '../src/infra/errors.js';
import { UploadSlots } from '../src/infra/http/uploads.js';
import { usingEmbeddedDb } from './helpers/app.js';

describe('upload slots', () => {
  it('runs at most `limit` uploads at once and hands a freed slot to the one waiting', async () => {
    const slots = new UploadSlots(1, 60_000);
    let release!: () => void;
    const order: string[] = [];
    const first = slots.run(async () => {
      await new Promise<void>((resolve) => (release = resolve));
      order.push('first');
    });
    const second = slots.run(async () => {
      order.push('second');
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, [], 'the second waits while the first holds the only slot');
    release();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first', 'second']);
    assert.equal(await slots.run(async () => 'free again'), 'free again');
  });

  it('answers 503 UPLOADS_BUSY with Retry-After to an upload that waited too long', async () => {
    const slots = new UploadSlots(1, 20);
    let release!: () => void;
    const holder = slots.run(() => new Promise<void>((resolve) => (release = resolve)));
    await assert.rejects(
      slots.run(async () => 'late'),
      (err: unknown) => err instanceof AppError && err.statusCode === 503 && err.code === 'UPLOADS_BUSY' && err.headers['retry-after'] === '2',
    );
    release();
    await holder;
    assert.equal(await slots.run(async () => 'free again'), 'free again');
  });
});

describe('overload (scripts/soak/overload.ts, short)', { skip: usingEmbeddedDb && 'needs a real PostgreSQL (DATABASE_URL): the server processes share it' }, () => {
  it('holds rate limits, sheds load and recovers, and keeps memory bounded under an upload flood', async (t) => {
    process.env.SOAK_DATABASE_URL = process.env.DATABASE_URL;
    const { report, figures } = await runOverload('short');
    // The figures, passing or not: a rare failure in CI is read from them.
    for (const note of report.notes) t.diagnostic(note);
    assert.equal(report.failures, 0, report.notes.join('\n'));
    assert.ok(figures.perIp.length >= 2);
    for (const ip of figures.perIp) {
      assert.equal(ip.ok, 100, 'exactly RATE_LIMIT_PER_MINUTE answers per IP');
      assert.ok(ip.limited > 0);
    }
    assert.ok(figures.shed > 0, 'the flood was shed with 503');
    assert.ok(figures.sheddingServed > 0);
    assert.ok(figures.overSizeAvatars > 0);
    assert.equal(figures.cutEarlyAvatars, figures.overSizeAvatars, 'every over-size avatar was refused before its body was sent');
  });
});
