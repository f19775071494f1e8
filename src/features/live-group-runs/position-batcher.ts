// Positions of every socket of this process go to the database in batches: one transaction (five statements) for
// all the fixes that arrived while the previous batch was being written, instead of one transaction per fix. At
// 1,000 runners sending a fix a second that is the difference between a database that keeps up and one that does
// not. A batch holds at most one fix per participant (a second one, from another socket of the same runner, waits
// for the next batch), so each fix is measured from the one recorded before it.
import type { Logger } from 'pino';
import type { Database } from '../../infra/db/database.js';
import { recordPositions, type PositionFix, type PositionOutcome } from './service.js';

/** A batch is written at most this long after its first fix arrived (or at once when it is full). */
export const BATCH_WINDOW_MS = 5;
export const MAX_BATCH = 500;

interface Pending {
  fix: PositionFix;
  settle: (outcome: PositionOutcome | Error) => void;
}

export class PositionBatcher {
  private waiting: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  /** `recorded` hears the runs whose standings moved, after each batch's commit. */
  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly recorded: (runIds: Set<string>) => void,
  ) {}

  /** Resolves with the fix's outcome once its batch is committed; rejects when it could not be written. */
  record(fix: PositionFix): Promise<PositionOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ fix, settle: (o) => (o instanceof Error ? reject(o) : resolve(o)) });
      this.schedule();
    });
  }

  /** Writes what waits and waits for it (the server's close: nothing received is dropped). */
  async drain(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.writing || this.waiting.length > 0) {
      if (!this.writing) this.writing = this.write();
      await this.writing;
    }
  }

  private schedule(): void {
    if (this.writing || this.timer) return;
    if (this.waiting.length >= MAX_BATCH) return void (this.writing = this.write());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.writing) this.writing = this.write();
    }, BATCH_WINDOW_MS);
  }

  private async write(): Promise<void> {
    const batch: Pending[] = [];
    const later: Pending[] = [];
    const keys = new Set<string>();
    for (const item of this.waiting) {
      const key = `${item.fix.runId}/${item.fix.userId}`;
      if (batch.length >= MAX_BATCH || keys.has(key)) later.push(item);
      else keys.add(key), batch.push(item);
    }
    this.waiting = later;
    if (batch.length === 0) return void (this.writing = undefined);
    try {
      await this.commit(batch);
    } finally {
      // Fixes that arrived meanwhile have waited long enough: the next batch goes at once.
      this.writing = this.waiting.length > 0 ? this.write() : undefined;
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    let outcomes: PositionOutcome[];
    try {
      outcomes = await recordPositions(this.db, batch.map((p) => p.fix));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.settle(err instanceof Error ? err : new Error(String(err)));
      // One bad fix must not cost the others theirs: each is tried alone.
      this.logger.warn({ err, fixes: batch.length }, 'live group run position batch failed; writing its fixes one by one');
      for (const item of batch) await this.commit([item]);
      return;
    }
    const moved = new Set<string>();
    batch.forEach((item, i) => {
      if (outcomes[i] === 'recorded') moved.add(item.fix.runId);
      item.settle(outcomes[i]!);
    });
    if (moved.size > 0) this.recorded(moved);
  }
}
