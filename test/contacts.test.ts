import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort } from '../scripts/free-port.js';
import { deleteAccount } from '../src/features/users/service.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';

// The app's normalizePhoneNumber and hashPhoneNumber (src/services/contactService.ts), step for step.
function normalizePhoneNumber(phone: string): string {
  const stripped = phone.replace(/[^\d+]/g, '');
  if (stripped.startsWith('010') && stripped.length === 11) return '+82' + stripped.slice(1);
  if (stripped.startsWith('+')) return stripped;
  if (stripped.startsWith('10') && stripped.length === 10) return '+82' + stripped;
  if (stripped.startsWith('0') && stripped.length === 11) return '+82' + stripped.slice(1);
  return stripped;
}
/** expo-crypto's digestStringAsync(SHA256): lowercase hex. */
const hashPhoneNumber = (phone: string) => createHash('sha256').update(normalizePhoneNumber(phone)).digest('hex');

const KEY = 'contacts-test-key-0123456789abcdef-0123456789';
let numbers = 0;
/** A fresh Korean mobile number, written as people type it. */
const newNumber = () => `010-${String(1000 + numbers++).padStart(4, '0')}-${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;

describe('contacts', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ CONTACT_HASH_KEY: KEY });
  });
  after(() => t.close());

  const call = (app: TestApp, method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, user?: TestUser, payload?: object) =>
    app.app.inject({ method, url: `/api/v1/contacts${url}`, headers: user?.auth ?? {}, ...(payload ? { payload } : {}) });
  // The four calls as contactService.ts makes them.
  const register = (user: TestUser, phone: string, app = t) => call(app, 'PUT', '/phone-hash', user, { phone_hash: hashPhoneNumber(phone) });
  const remove = (user: TestUser, app = t) => call(app, 'DELETE', '/phone-hash', user);
  const status = (user: TestUser, app = t) => call(app, 'GET', '/phone-hash-status', user);
  const match = (user: TestUser, phones: string[], app = t) =>
    call(app, 'POST', '/match', user, { contact_hashes: [...new Set(phones.map(hashPhoneNumber))] });
  const matchedIds = async (user: TestUser, phones: string[], app = t) => {
    const res = await match(user, phones, app);
    assert.equal(res.statusCode, 200, res.body);
    return (res.json().matches as { id: string }[]).map((m) => m.id).sort();
  };
  const users = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(t.db, t.config)));

  describe('authentication', () => {
    for (const [method, url] of [['PUT', '/phone-hash'], ['DELETE', '/phone-hash'], ['GET', '/phone-hash-status'], ['POST', '/match']] as const) {
      it(`${method} /contacts${url} refuses a missing token with 401`, async () => {
        const res = await call(t, method, url, undefined, method === 'PUT' ? { phone_hash: hashPhoneNumber(newNumber()) } : method === 'POST' ? { contact_hashes: [] } : undefined);
        assert.equal(res.statusCode, 401);
      });
    }
  });

  describe('registering a number', () => {
    it('PUT stores it, GET status tells so, DELETE removes it (idempotently)', async () => {
      const [me] = await users(1);
      const before = await status(me!);
      assert.equal(before.statusCode, 200);
      assert.deepEqual(before.json(), { has_phone_hash: false });

      const put = await register(me!, newNumber());
      assert.equal(put.statusCode, 200, put.body);
      assert.deepEqual(put.json(), { has_phone_hash: true });
      assert.deepEqual((await status(me!)).json(), { has_phone_hash: true });

      const del = await remove(me!);
      assert.equal(del.statusCode, 204);
      assert.equal(del.body, '');
      assert.deepEqual((await status(me!)).json(), { has_phone_hash: false });
      assert.equal((await t.db.query('SELECT 1 FROM contact_phone_hashes WHERE user_id = $1', [me!.id])).rowCount, 0);
      assert.equal((await remove(me!)).statusCode, 204, 'removing nothing is fine');
    });

    it('stores only the keyed hash: no table of the database holds the hash the app sent', async () => {
      const [me] = await users(1);
      const appHash = hashPhoneNumber(newNumber());
      assert.equal((await call(t, 'PUT', '/phone-hash', me, { phone_hash: appHash })).statusCode, 200);

      const { rows } = await t.db.query<{ hex: string }>("SELECT encode(keyed_hash, 'hex') AS hex FROM contact_phone_hashes WHERE user_id = $1", [me!.id]);
      assert.equal(rows[0]!.hex, createHmac('sha256', KEY).update(appHash).digest('hex'));
      // Every row of every table, as text, in hex and in base64 of the raw bytes.
      const forms = [appHash, Buffer.from(appHash, 'hex').toString('base64'), Buffer.from(appHash).toString('hex')];
      const { rows: tables } = await t.db.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'spatial_ref_sys'",
      );
      for (const { table_name } of tables) {
        const found = await t.db.query(
          `SELECT 1 FROM "${table_name}" x WHERE row_to_json(x)::text ILIKE ANY ($1::text[]) LIMIT 1`,
          [forms.map((f) => `%${f}%`)],
        );
        assert.equal(found.rowCount, 0, `${table_name} holds the sent hash`);
      }
      const raw = await t.db.query("SELECT 1 FROM contact_phone_hashes WHERE keyed_hash = decode($1, 'hex')", [appHash]);
      assert.equal(raw.rowCount, 0);
    });

    it('refuses a malformed hash with 422 and stores nothing', async () => {
      const [me] = await users(1);
      const good = hashPhoneNumber(newNumber());
      for (const body of [{ phone_hash: good.slice(1) }, { phone_hash: `${good}0` }, { phone_hash: `${good.slice(1)}g` }, { phone_hash: '+821012345678' }, { phone_hash: 123 }, {}]) {
        const res = await call(t, 'PUT', '/phone-hash', me, body);
        assert.equal(res.statusCode, 422, JSON.stringify(body));
        assert.equal(res.json().code, 'VALIDATION_ERROR');
      }
      assert.deepEqual((await status(me!)).json(), { has_phone_hash: false });
    });

    it('one number is one account: another account gets 409 PHONE_HASH_TAKEN, the holder keeps it; re-sending or changing your own is fine', async () => {
      const [holder, other, friend] = await users(3);
      const number = newNumber();
      assert.equal((await register(holder!, number)).statusCode, 200);
      assert.equal((await register(holder!, number)).statusCode, 200, 'the same number again');
      const taken = await register(other!, number);
      assert.equal(taken.statusCode, 409);
      assert.equal(taken.json().code, 'PHONE_HASH_TAKEN');
      assert.deepEqual((await status(other!)).json(), { has_phone_hash: false });
      assert.deepEqual(await matchedIds(friend!, [number]), [holder!.id]);

      const changed = newNumber();
      assert.equal((await register(holder!, changed)).statusCode, 200);
      assert.deepEqual(await matchedIds(friend!, [number]), [], 'the old number no longer finds them');
      assert.deepEqual(await matchedIds(friend!, [changed]), [holder!.id]);
      assert.equal((await register(other!, number)).statusCode, 200, 'the old number is free again');
    });

    it('two accounts uploading the same number at once: exactly one gets it', async () => {
      const [a, b] = await users(2);
      const number = newNumber();
      const codes = (await Promise.all([register(a!, number), register(b!, number)])).map((r) => r.statusCode).sort();
      assert.deepEqual(codes, [200, 409]);
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM contact_phone_hashes WHERE user_id = ANY ($1::uuid[])', [[a!.id, b!.id]]);
      assert.equal(rows[0]!.n, 1);
    });
  });

  describe('matching', () => {
    it('finds who registered a number of the phone book, however it is written, with the keys of ContactMatchUser', async () => {
      const [found, me] = await users(2);
      await t.db.query("UPDATE users SET bio = 'hello', total_distance_meters = 12345, total_runs = 7, avatar_url = 'https://cdn.example.com/a.jpg' WHERE id = $1", [found!.id]);
      const number = newNumber();
      assert.equal((await register(found!, number)).statusCode, 200);

      const digits = number.replace(/-/g, '');
      const res = await match(me!, [`+82 ${digits.slice(1, 3)}-${digits.slice(3, 7)}-${digits.slice(7)}`, newNumber(), newNumber()]);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['matches', 'total_count']);
      assert.equal(body.total_count, 1);
      assert.deepEqual(body.matches, [
        { id: found!.id, nickname: found!.nickname, avatar_url: 'https://cdn.example.com/a.jpg', bio: 'hello', total_distance_meters: 12345, total_runs: 7 },
      ]);
      // Hex in capitals is the same hash.
      const upper = await call(t, 'POST', '/match', me, { contact_hashes: [hashPhoneNumber(number).toUpperCase()] });
      assert.deepEqual((upper.json().matches as { id: string }[]).map((m) => m.id), [found!.id]);
    });

    it('answers nulls for an unfinished profile and orders by nickname, not by the order of the hashes', async () => {
      const [me, b, a] = await users(3);
      const bare = await createUser(t.db, t.config, { nickname: null });
      await t.db.query("UPDATE users SET nickname = 'aaa' || substr(md5(id::text), 1, 8) WHERE id = $1", [a!.id]);
      await t.db.query("UPDATE users SET nickname = 'zzz' || substr(md5(id::text), 1, 8) WHERE id = $1", [b!.id]);
      const [na, nb, nbare] = [newNumber(), newNumber(), newNumber()];
      for (const [u, n] of [[a!, na], [b!, nb], [bare, nbare]] as const) assert.equal((await register(u, n)).statusCode, 200);
      for (const order of [[nb, nbare, na], [na, nb, nbare]]) {
        const body = (await match(me!, order)).json();
        assert.deepEqual((body.matches as { id: string }[]).map((m) => m.id), [a!.id, b!.id, bare.id]);
        assert.equal(body.total_count, 3);
        assert.deepEqual(body.matches[2], { id: bare.id, nickname: null, avatar_url: null, bio: null, total_distance_meters: 0, total_runs: 0 });
      }
    });

    it('finds only users who registered their own number (opt-in), never the caller, never someone already followed', async () => {
      const [me, optedIn, silent, followed] = await users(4);
      const [mine, theirs, silentNumber, followedNumber] = [newNumber(), newNumber(), newNumber(), newNumber()];
      for (const [u, n] of [[me!, mine], [optedIn!, theirs], [followed!, followedNumber]] as const) assert.equal((await register(u, n)).statusCode, 200);
      await t.db.query('INSERT INTO follows (follower_id, following_id) VALUES ($1, $2)', [me!.id, followed!.id]);
      assert.ok(silent);
      assert.deepEqual(await matchedIds(me!, [mine, theirs, silentNumber, followedNumber]), [optedIn!.id]);
      // Removing the number withdraws the consent at once.
      assert.equal((await remove(optedIn!)).statusCode, 204);
      assert.deepEqual(await matchedIds(me!, [mine, theirs, silentNumber, followedNumber]), []);
    });

    it('a server with another key matches nothing: the key is part of every stored hash', async () => {
      const [holder, me] = await users(2);
      const number = newNumber();
      assert.equal((await register(holder!, number)).statusCode, 200);
      const other = await createTestApp({ CONTACT_HASH_KEY: `another-${KEY}` });
      try {
        assert.deepEqual(await matchedIds(me!, [number], other), []);
        assert.deepEqual((await register(me!, number, other)).statusCode, 200, 'under another key the number is another value');
      } finally {
        await other.close();
      }
      assert.deepEqual(await matchedIds(me!, [number]), [holder!.id]);
    });

    it('refuses more than 2000 hashes or a malformed one with 422; an empty phone book is an empty answer', async () => {
      const [me] = await users(1);
      const many = Array.from({ length: 2001 }, (_, i) => createHash('sha256').update(`n${i}`).digest('hex'));
      const over = await call(t, 'POST', '/match', me, { contact_hashes: many });
      assert.equal(over.statusCode, 422);
      assert.equal(over.json().code, 'VALIDATION_ERROR');
      assert.equal((await call(t, 'POST', '/match', me, { contact_hashes: many.slice(0, 2000) })).statusCode, 200, '2000 is fine');
      for (const body of [{ contact_hashes: [many[0], 'not-a-hash'] }, { contact_hashes: many[0] }, {}]) {
        const res = await call(t, 'POST', '/match', me, body);
        assert.equal(res.statusCode, 422, JSON.stringify(body));
      }
      const empty = await call(t, 'POST', '/match', me, { contact_hashes: [] });
      assert.equal(empty.statusCode, 200);
      assert.deepEqual(empty.json(), { matches: [], total_count: 0 });
    });
  });

  describe('budget against enumeration', () => {
    const budgetCases: [string, Record<string, string>][] = [['in process', {}]];
    if (process.env.REDIS_URL) budgetCases.push(['in Redis', { REDIS_URL: process.env.REDIS_URL }]);
    for (const [where, settings] of budgetCases) {
      it(`counts distinct hashes per user per 24 hours ${where}: over it 429 RATE_LIMITED with Retry-After, and a refused request costs nothing`, async () => {
        const small = await createTestApp({ CONTACT_HASH_KEY: KEY, CONTACT_HASHES_PER_DAY: '5', ...settings });
        try {
          const [me, other, holder] = await users(3);
          const n = Array.from({ length: 6 }, newNumber);
          // holder registers (1 of their own budget); me sends 3 distinct hashes, one of them twice.
          assert.equal((await register(holder!, n[0]!, small)).statusCode, 200);
          const first = await small.app.inject({
            method: 'POST', url: '/api/v1/contacts/match', headers: me!.auth,
            payload: { contact_hashes: [n[0], n[1], n[2], n[0]].map((p) => hashPhoneNumber(p!)) },
          });
          assert.equal(first.statusCode, 200);
          assert.equal(first.json().total_count, 1);
          const refused = await match(me!, [n[3]!, n[4]!, n[5]!], small);
          assert.equal(refused.statusCode, 429);
          assert.equal(refused.json().code, 'RATE_LIMITED');
          assert.ok(Number(refused.headers['retry-after']) > 3600 * 23, String(refused.headers['retry-after']));
          assert.equal((await match(me!, [n[3]!, n[4]!], small)).statusCode, 200, 'the refused request took nothing');
          const put = await register(me!, n[5]!, small);
          assert.equal(put.statusCode, 429, 'registering draws on the same budget');
          assert.equal(put.json().code, 'RATE_LIMITED');
          assert.equal((await match(other!, n.slice(0, 5), small)).statusCode, 200, 'another user has a budget of their own');
          if (settings.REDIS_URL) {
            const redis = new Redis(settings.REDIS_URL);
            try {
              assert.equal(await redis.get(`runcrew:contacts:hashes:${me!.id}`), '5', 'the count lives in Redis');
            } finally {
              redis.disconnect();
            }
          }
        } finally {
          await small.close();
        }
      });
    }
    it('refuses matching with 503 CONTACTS_UNAVAILABLE while Redis is unreachable (fails closed), and the rest of the API still answers', async () => {
      const down = await createTestApp({ CONTACT_HASH_KEY: KEY, REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
      try {
        const [me] = await users(1);
        const refused = await match(me!, [newNumber()], down);
        assert.equal(refused.statusCode, 503);
        assert.equal(refused.json().code, 'CONTACTS_UNAVAILABLE');
        assert.equal(refused.headers['retry-after'], '5');
        assert.equal((await status(me!, down)).statusCode, 200, 'a call that takes no budget is not refused');
      } finally {
        await down.close();
      }
    });
  });

  describe('account deletion', () => {
    it("removes the user's number and nobody finds them any more; other users' numbers stay", async () => {
      const [leaving, staying, me] = await users(3);
      const [a, b] = [newNumber(), newNumber()];
      assert.equal((await register(leaving!, a)).statusCode, 200);
      assert.equal((await register(staying!, b)).statusCode, 200);
      await deleteAccount(t.app.deps, t.app.deps.logger, leaving!.id);
      assert.equal((await t.db.query('SELECT 1 FROM contact_phone_hashes WHERE user_id = $1', [leaving!.id])).rowCount, 0);
      assert.equal((await t.db.query('SELECT 1 FROM contact_phone_hashes WHERE user_id = $1', [staying!.id])).rowCount, 1);
      assert.deepEqual(await matchedIds(me!, [a, b]), [staying!.id]);
      assert.equal((await register(me!, a)).statusCode, 200, 'the number is free again');
    });
  });
});
