// Standings after positions: each run's sockets hear them at most every SNAPSHOT_INTERVAL_MS per process, the
// first change at once and later ones with the latest state when the interval is over. The runs due together are
// read in one statement, and one read at a time, so a run's snapshots go out in the order they were read.
import type { Logger } from 'pino';
import type { Queryable } from '../../infra/db/database.js';
import type { LiveHub } from './hub.js';
import { standingsOfRuns } from './service.js';

export const SNAPSHOT_INTERVAL_MS = 50;

export class SnapshotScheduler {
  private readonly sentAt = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private due = new Set<string>();
  private reading = false;

  constructor(
    private readonly db: Queryable,
    private readonly hub: LiveHub,
    private readonly logger: Logger,
  ) {}

  /** The run's standings changed: its sockets hear them within SNAPSHOT_INTERVAL_MS. */
  request(runId: string): void {
    if (this.due.has(runId) || this.timers.has(runId)) return;
    const wait = (this.sentAt.get(runId) ?? -Infinity) + SNAPSHOT_INTERVAL_MS - performance.now();
    if (wait <= 0) return this.markDue(runId);
    this.timers.set(
      runId,
      setTimeout(() => {
        this.timers.delete(runId);
        this.markDue(runId);
      }, wait),
    );
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.due.clear();
  }

  private markDue(runId: string): void {
    this.due.add(runId);
    if (!this.reading) queueMicrotask(() => void this.read());
  }

  private async read(): Promise<void> {
    if (this.reading || this.due.size === 0) return;
    this.reading = true;
    const runIds = [...this.due];
    this.due = new Set();
    const now = performance.now();
    for (const [id, at] of this.sentAt) if (now - at >= SNAPSHOT_INTERVAL_MS) this.sentAt.delete(id);
    for (const id of runIds) this.sentAt.set(id, now);
    try {
      const byRun = await standingsOfRuns(this.db, runIds);
      await Promise.all([...byRun].map(([runId, s]) => this.hub.broadcast(runId, { type: 'participants', status: s.status, data: s.data })));
    } catch (err) {
      this.logger.warn({ err, runs: runIds.length }, 'live group run standings not sent');
    } finally {
      this.reading = false;
      if (this.due.size > 0) void this.read();
    }
  }
}
