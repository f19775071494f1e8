// Finding friends from the phone book (newer app, contactService.ts). A user opts in by uploading the hash of their
// own number; others find them by matching hashes from their contacts. See README "Contacts".
import type { Queryable } from '../../infra/db/database.js';
import { conflict } from '../../infra/errors.js';
import type { HashBudget } from './budget.js';
import type { KeyedHasher } from './keyed-hash.js';
import * as q from './queries.js';
import type { MatchContactsResponse, PhoneHashStatus } from './schemas.js';

export interface ContactsDeps {
  db: Queryable;
  hash: KeyedHasher;
  budget: HashBudget;
}

/**
 * Registers (or changes) the caller's own number. A number another account holds is refused with 409: nobody can
 * take over, or remove, someone else's entry. Each attempt costs one hash of the budget, since a 409 tells that
 * the number is registered.
 */
export async function setPhoneHash(deps: ContactsDeps, userId: string, appHash: string): Promise<PhoneHashStatus> {
  await deps.budget.take(userId, 1);
  if (!(await q.upsertPhoneHash(deps.db, userId, deps.hash(appHash)))) {
    throw conflict('PHONE_HASH_TAKEN', 'This phone number is registered to another account');
  }
  return { has_phone_hash: true };
}

export async function matchContacts(deps: ContactsDeps, userId: string, appHashes: string[]): Promise<MatchContactsResponse> {
  const keyed = [...new Set(appHashes.map(deps.hash))];
  if (keyed.length === 0) return { matches: [], total_count: 0 };
  await deps.budget.take(userId, keyed.length);
  const matches = await q.matchUsers(deps.db, userId, keyed);
  return { matches, total_count: matches.length };
}
