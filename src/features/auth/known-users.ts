// The guard's memory of users it found in the database: a valid token of a user found less than KNOWN_FOR_MS ago is
// let through without a query (it was a fourth round trip on every leaderboard request). Accounts only go away by
// deletion: the process that deletes one forgets it at once; any other process refuses it at most KNOWN_FOR_MS after
// the deletion, since an entry only vouches for the moment its lookup was sent.
import type { Queryable } from '../../infra/db/database.js';

export const KNOWN_FOR_MS = 5_000;
const MAX_KNOWN = 50_000;

class KnownUsers {
  /** user id → when the lookup that found it was sent (insertion order: oldest first) */
  private readonly found = new Map<string, number>();
  /** users deleted by this process in the last KNOWN_FOR_MS → when (a lookup sent before then must not add them) */
  private readonly deleted = new Map<string, number>();

  has(userId: string, now: number): boolean {
    const at = this.found.get(userId);
    if (at === undefined) return false;
    if (now - at < KNOWN_FOR_MS) return true;
    this.found.delete(userId);
    return false;
  }

  add(userId: string, lookupSentAt: number): void {
    if ((this.deleted.get(userId) ?? -Infinity) >= lookupSentAt) return;
    this.found.delete(userId);
    this.found.set(userId, lookupSentAt);
    if (this.found.size > MAX_KNOWN) this.found.delete(this.found.keys().next().value!);
  }

  forget(userId: string, now: number): void {
    this.found.delete(userId);
    for (const [id, at] of this.deleted) {
      if (now - at < KNOWN_FOR_MS) break;
      this.deleted.delete(id);
    }
    this.deleted.set(userId, now);
  }
}

// One memory per database, so apps on different databases in one process (tests) never vouch for each other's users.
const byDatabase = new WeakMap<Queryable, KnownUsers>();

export function knownUsers(db: Queryable): KnownUsers {
  let known = byDatabase.get(db);
  if (!known) byDatabase.set(db, (known = new KnownUsers()));
  return known;
}

/** Call once the user's row is deleted: this process refuses their tokens from now on. */
export function forgetUser(db: Queryable, userId: string): void {
  knownUsers(db).forget(userId, performance.now());
}
