import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KNOWN_FOR_MS, knownUsers } from '../src/features/auth/known-users.js';
import type { Queryable } from '../src/infra/db/database.js';

const database = () => ({}) as Queryable;
const user = '00000000-0000-4000-8000-000000000001';

describe('the guard’s memory of existing users', () => {
  it('vouches for a user only until KNOWN_FOR_MS after the lookup that found them was sent', () => {
    const known = knownUsers(database());
    assert.equal(known.has(user, 1000), false);
    known.add(user, 1000);
    assert.equal(known.has(user, 1000 + KNOWN_FOR_MS - 1), true);
    assert.equal(known.has(user, 1000 + KNOWN_FOR_MS), false);
  });

  it('forgets a deleted user at once, and a lookup sent before the deletion does not bring them back', () => {
    const known = knownUsers(database());
    known.add(user, 1000);
    known.forget(user, 1500);
    assert.equal(known.has(user, 1500), false);
    known.add(user, 1400); // its row was read before the deletion committed
    assert.equal(known.has(user, 1600), false);
  });

  it('keeps one memory per database', () => {
    const a = database();
    knownUsers(a).add(user, 1000);
    assert.equal(knownUsers(a).has(user, 1001), true);
    assert.equal(knownUsers(database()).has(user, 1001), false);
  });
});
