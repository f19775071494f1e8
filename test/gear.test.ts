// Gear (the newer app's gearService.ts): brands, the caller's gear, one primary gear at a time (also when two
// requests race), mileage summed from the runs completed on it (so deleting a run lowers it), retirement, another
// user's gear without their Strava runs, refusals on someone else's gear, and account deletion.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { processImport } from '../src/features/imports/job.js';
import { deleteAccount } from '../src/features/users/service.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { gpxOf, multipart, smallJpeg } from './helpers/authz-world.js';
import { insertRun } from './helpers/run-records.js';
import { completionOf, freshSpot, shifted } from './helpers/runs.js';
import { simulateRun } from './helpers/tracks.js';
import { createUser, type TestUser } from './helpers/users.js';

/** The app's GearItem: every required key with its type; image_url only when there is one. */
function assertGearItem(g: Record<string, unknown>): void {
  assert.equal(typeof g.id, 'string');
  assert.equal(typeof g.brand, 'string');
  assert.equal(typeof g.model_name, 'string');
  assert.ok(!('image_url' in g) || typeof g.image_url === 'string', 'image_url is a string or left out');
  assert.equal(typeof g.is_primary, 'boolean');
  assert.ok(Number.isInteger(g.total_distance_meters), 'total_distance_meters is a number');
  assert.ok(!Number.isNaN(Date.parse(String(g.created_at))), 'created_at is a date-time');
}

describe('gear', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t.close();
  });

  const user = () => createUser(t.db, t.config);
  const call = (method: string, url: string, who: TestUser, payload?: object) =>
    t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, headers: who.auth, ...(payload ? { payload } : {}) });

  async function addGear(who: TestUser, body: Record<string, unknown>) {
    const res = await call('POST', '/gear', who, body);
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as Record<string, unknown> & { id: string; is_primary: boolean; total_distance_meters: number };
  }
  const myGear = async (who: TestUser) => {
    const res = await call('GET', '/gear', who);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { id: string; is_primary: boolean; total_distance_meters: number; is_retired: boolean }[];
  };
  const primaries = async (who: TestUser) =>
    (await t.db.query<{ id: string }>('SELECT id FROM user_gear WHERE user_id = $1 AND is_primary', [who.id])).rows.map((r) => r.id);

  /** A run recorded and completed through the app's calls (session, then completion), at a spot with no course. */
  async function completeRun(who: TestUser, extra: Record<string, unknown> = {}, minutesAgo = 120) {
    const points = simulateRun({ path: shifted([[0, 0], [600, 0]], freshSpot()), speed: 3, startTime: Date.now() - minutesAgo * 60_000 }).points;
    const session = await call('POST', '/runs/sessions', who, { started_at: new Date(points[0]!.t).toISOString() });
    assert.equal(session.statusCode, 201, session.body);
    const sessionId = (session.json() as { session_id: string }).session_id;
    const done = await call('POST', `/runs/sessions/${sessionId}/complete`, who, completionOf(points, extra));
    return { sessionId, res: done };
  }
  async function runOnGear(who: TestUser, extra: Record<string, unknown> = {}, minutesAgo = 120) {
    const { res } = await completeRun(who, extra, minutesAgo);
    assert.equal(res.statusCode, 201, res.body);
    const runId = (res.json() as { run_record_id: string }).run_record_id;
    const { rows } = await t.db.query<{ distance_meters: number; gear_id: string | null }>('SELECT distance_meters, gear_id FROM run_records WHERE id = $1', [runId]);
    return { runId, ...rows[0]! };
  }

  it('lists the brands the app offers', async () => {
    const res = await call('GET', '/gear/brands', await user());
    assert.equal(res.statusCode, 200);
    const { brands } = res.json() as { brands: unknown[] };
    assert.ok(Array.isArray(brands) && brands.every((b) => typeof b === 'string'));
    for (const b of ['Nike', 'Asics', 'Hoka', 'New Balance']) assert.ok(brands.includes(b), b);
  });

  it('adds gear as the app does (the first one primary) and lists it, primary first', async () => {
    const me = await user();
    assert.deepEqual(await myGear(me), []);
    const first = await addGear(me, { brand: 'Nike', model_name: 'Pegasus 41', is_primary: true });
    assertGearItem(first);
    assert.equal(first.brand, 'Nike');
    assert.equal(first.model_name, 'Pegasus 41');
    assert.equal(first.is_primary, true);
    assert.equal(first.total_distance_meters, 0);
    assert.ok(!('image_url' in first));
    const second = await addGear(me, { brand: 'Asics', model_name: 'Gel-Kayano 30', is_primary: false });
    assert.equal(second.is_primary, false);
    // The app's "other" brand, and a brand of the runner's own, trimmed.
    const custom = await addGear(me, { brand: '  Local Shoe Co  ', model_name: ' Trail X ' });
    assert.deepEqual([custom.brand, custom.model_name, custom.is_primary], ['Local Shoe Co', 'Trail X', false]);
    const list = await myGear(me);
    list.forEach((g) => assertGearItem(g));
    assert.deepEqual(list.map((g) => g.id), [first.id, second.id, custom.id]);
  });

  it('refuses an empty, blank, too long or missing brand or model, and unknown types', async () => {
    const me = await user();
    for (const body of [
      { brand: '', model_name: 'x' },
      { brand: '   ', model_name: 'x' },
      { brand: 'b'.repeat(51), model_name: 'x' },
      { brand: 'Nike', model_name: 'm'.repeat(101) },
      { brand: 'Nike' },
      { model_name: 'Pegasus' },
      { brand: 'Nike\u0000', model_name: 'Pegasus' },
      { brand: 'Nike', model_name: 'Pegasus', is_primary: 'yes' },
      { brand: 'Nike', model_name: 'Pegasus', max_distance_meters: 0 },
    ]) {
      const res = await call('POST', '/gear', me, body);
      assert.equal(res.statusCode, 422, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json().code, 'VALIDATION_ERROR');
    }
    assert.deepEqual(await myGear(me), []);
  });

  it('edits gear as the app does and switches the primary gear, one at a time', async () => {
    const me = await user();
    const a = await addGear(me, { brand: 'Nike', model_name: 'Pegasus', is_primary: true });
    const b = await addGear(me, { brand: 'Hoka', model_name: 'Clifton', is_primary: false });
    const edited = await call('PATCH', `/gear/${b.id}`, me, { brand: 'Hoka', model_name: 'Clifton 9' });
    assert.equal(edited.statusCode, 200, edited.body);
    assertGearItem(edited.json());
    assert.deepEqual([edited.json().model_name, edited.json().is_primary], ['Clifton 9', false]);
    // "Set as primary" in the app: PATCH { is_primary: true }.
    const switched = await call('PATCH', `/gear/${b.id}`, me, { is_primary: true });
    assert.equal(switched.statusCode, 200);
    assert.equal(switched.json().is_primary, true);
    assert.deepEqual(await primaries(me), [b.id]);
    assert.deepEqual((await myGear(me)).map((g) => [g.id, g.is_primary]), [[b.id, true], [a.id, false]]);
    // A new primary gear demotes the old one too.
    const c = await addGear(me, { brand: 'On', model_name: 'Cloudmonster', is_primary: true });
    assert.deepEqual(await primaries(me), [c.id]);
    // Not primary any more: the user may have none.
    assert.equal((await call('PATCH', `/gear/${c.id}`, me, { is_primary: false })).json().is_primary, false);
    assert.deepEqual(await primaries(me), []);
    // An empty edit changes nothing.
    const same = await call('PATCH', `/gear/${a.id}`, me, {});
    assert.equal(same.statusCode, 200);
    assert.equal(same.json().model_name, 'Pegasus');
  });

  it('keeps one primary gear when two requests make different gear primary at once', async () => {
    const me = await user();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await addGear(me, { brand: 'Brooks', model_name: `Ghost ${i}` })).id);
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(ids.map((id) => call('PATCH', `/gear/${id}`, me, { is_primary: true })));
      assert.deepEqual(answers.map((r) => r.statusCode), [200, 200, 200, 200], answers.map((r) => r.body).join('\n'));
      assert.equal((await primaries(me)).length, 1);
    }
    const created = await Promise.all([0, 1, 2].map((i) => call('POST', '/gear', me, { brand: 'Saucony', model_name: `Ride ${i}`, is_primary: true })));
    assert.deepEqual(created.map((r) => r.statusCode), [201, 201, 201]);
    const [only] = await primaries(me);
    assert.ok(created.some((r) => r.json().id === only), 'one of the new gear is the primary one');
    assert.equal((await myGear(me)).filter((g) => g.is_primary).length, 1);
    // The database itself refuses a second primary gear.
    await assert.rejects(
      t.db.query('UPDATE user_gear SET is_primary = true WHERE user_id = $1 AND id = $2', [me.id, ids[0]]),
      (err: { code?: string }) => err.code === '23505',
    );
  });

  it('counts the runs completed on gear, the primary gear when a run names none, and drops a deleted run', async () => {
    const me = await user();
    const primary = await addGear(me, { brand: 'Nike', model_name: 'Vaporfly', is_primary: true });
    const other = await addGear(me, { brand: 'Adidas', model_name: 'Adios Pro' });
    const onOther = await runOnGear(me, { gear_id: other.id }, 300);
    const onPrimary = await runOnGear(me, {}, 240);
    const onNone = await runOnGear(me, { gear_id: null }, 180);
    const second = await runOnGear(me, { gear_id: other.id }, 120);
    assert.equal(onOther.gear_id, other.id);
    assert.equal(onPrimary.gear_id, primary.id, 'a run naming no gear is counted on the primary gear');
    assert.equal(onNone.gear_id, null, 'gear_id null: no gear');
    assert.ok(onOther.distance_meters > 500);
    const mileage = async () => Object.fromEntries((await myGear(me)).map((g) => [g.id, g.total_distance_meters]));
    assert.deepEqual(await mileage(), { [primary.id]: onPrimary.distance_meters, [other.id]: onOther.distance_meters + second.distance_meters });

    assert.equal((await call('DELETE', `/runs/${second.runId}`, me)).statusCode, 204);
    assert.deepEqual(await mileage(), { [primary.id]: onPrimary.distance_meters, [other.id]: onOther.distance_meters });
    // The PATCH answer carries the mileage too.
    assert.equal((await call('PATCH', `/gear/${other.id}`, me, { model_name: 'Adios Pro 3' })).json().total_distance_meters, onOther.distance_meters);

    // Deleting gear keeps its runs, on no gear.
    assert.equal((await call('DELETE', `/gear/${other.id}`, me)).statusCode, 204);
    const { rows } = await t.db.query<{ gear_id: string | null }>('SELECT gear_id FROM run_records WHERE id = $1', [onOther.runId]);
    assert.deepEqual(rows, [{ gear_id: null }]);
    assert.deepEqual((await myGear(me)).map((g) => g.id), [primary.id]);
    assert.equal((await call('DELETE', `/gear/${other.id}`, me)).statusCode, 404);
  });

  it('counts an imported activity file on the primary gear', async () => {
    const me = await user();
    const shoe = await addGear(me, { brand: 'Brooks', model_name: 'Glycerin', is_primary: true });
    const points = simulateRun({ path: shifted([[0, 0], [800, 0]], freshSpot()), speed: 3, startTime: Date.now() - 5 * 3600_000 }).points;
    const { headers, payload } = multipart({ filename: 'morning.gpx', type: 'application/gpx+xml', data: gpxOf(points) });
    const upload = await t.app.inject({ method: 'POST', url: '/api/v1/imports/upload', headers: { ...headers, ...me.auth }, payload });
    assert.equal(upload.statusCode, 201, upload.body);
    await processImport(t.app.deps, t.app.deps.logger, (upload.json() as { import_id: string }).import_id);
    const { rows } = await t.db.query<{ gear_id: string; distance_meters: number }>('SELECT gear_id, distance_meters FROM run_records WHERE user_id = $1', [me.id]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.gear_id, shoe.id);
    assert.equal((await myGear(me))[0]!.total_distance_meters, rows[0]!.distance_meters);
  });

  it('never counts a run on someone else’s gear', async () => {
    const [me, them] = [await user(), await user()];
    const theirs = await addGear(them, { brand: 'Mizuno', model_name: 'Wave Rider', is_primary: true });
    for (const gearId of [theirs.id, randomUUID()]) {
      const { sessionId, res } = await completeRun(me, { gear_id: gearId });
      assert.equal(res.statusCode, 422, res.body);
      assert.deepEqual(res.json().detail[0].loc, ['body', 'gear_id']);
      const { rows } = await t.db.query('SELECT 1 FROM run_records WHERE session_id = $1', [sessionId]);
      assert.equal(rows.length, 0, 'no run stored');
    }
    // Their primary gear is theirs: my run naming none is on no gear.
    assert.equal((await runOnGear(me)).gear_id, null);
    assert.equal((await myGear(them))[0]!.total_distance_meters, 0);
    // The database refuses it too.
    const run = await insertRun(t.db, { userId: me.id, finishedAt: new Date() });
    await assert.rejects(t.db.query('UPDATE run_records SET gear_id = $1 WHERE id = $2', [theirs.id, run]), (err: { code?: string }) => err.code === '23503');
  });

  it('retires gear: kept with its mileage, never primary, not used for new runs', async () => {
    const me = await user();
    const shoe = await addGear(me, { brand: 'Altra', model_name: 'Torin', is_primary: true, max_distance_meters: 800_000 });
    assert.equal(shoe.max_distance_meters, 800_000);
    const run = await runOnGear(me);
    const retired = await call('PATCH', `/gear/${shoe.id}`, me, { is_retired: true });
    assert.equal(retired.statusCode, 200, retired.body);
    const body = retired.json();
    assert.deepEqual([body.is_retired, body.is_primary, body.total_distance_meters], [true, false, run.distance_meters]);
    assert.ok(!Number.isNaN(Date.parse(body.retired_at)));
    // Retiring again keeps the first date.
    assert.equal((await call('PATCH', `/gear/${shoe.id}`, me, { is_retired: true, model_name: 'Torin 7' })).json().retired_at, body.retired_at);
    assert.equal((await runOnGear(me, {}, 60)).gear_id, null, 'no primary gear any more');
    // Named explicitly (an old run recorded late), retired gear still takes the run.
    const late = await runOnGear(me, { gear_id: shoe.id }, 30);
    assert.equal(late.gear_id, shoe.id);
    assert.equal((await myGear(me))[0]!.total_distance_meters, run.distance_meters + late.distance_meters);
    // Retired gear cannot be primary.
    const refused = await call('PATCH', `/gear/${shoe.id}`, me, { is_primary: true });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, 'GEAR_RETIRED');
    assert.equal((await call('POST', '/gear', me, { brand: 'Nike', model_name: 'x', is_primary: true, is_retired: true })).statusCode, 409);
    // Active gear comes first; back in use, it may be primary again.
    const fresh = await addGear(me, { brand: 'Puma', model_name: 'Deviate' });
    assert.deepEqual((await myGear(me)).map((g) => g.id), [fresh.id, shoe.id]);
    const back = await call('PATCH', `/gear/${shoe.id}`, me, { is_retired: false, is_primary: true });
    assert.deepEqual([back.json().is_retired, back.json().retired_at, back.json().is_primary], [false, null, true]);
    assert.equal((await call('PATCH', `/gear/${shoe.id}`, me, { max_distance_meters: null })).json().max_distance_meters, null);
  });

  it('shows another user’s gear (list and profile) without their Strava runs; the owner sees all of it', async () => {
    const [owner, viewer] = [await user(), await user()];
    const shoe = await addGear(owner, { brand: 'Salomon', model_name: 'Speedcross', is_primary: true });
    const appRun = await runOnGear(owner);
    const strava = await insertRun(t.db, { userId: owner.id, finishedAt: new Date(Date.now() - 3600_000), source: 'strava', distanceMeters: 7000 });
    await t.db.query('UPDATE run_records SET gear_id = $1 WHERE id = $2', [shoe.id, strava]);

    const seen = await call('GET', `/users/${owner.id}/gear`, viewer);
    assert.equal(seen.statusCode, 200, seen.body);
    const [item] = seen.json() as Record<string, unknown>[];
    assertGearItem(item!);
    assert.deepEqual([item!.id, item!.is_primary, item!.total_distance_meters], [shoe.id, true, appRun.distance_meters]);
    const total = appRun.distance_meters + 7000;
    assert.equal((await myGear(owner))[0]!.total_distance_meters, total);
    assert.equal((await call('GET', `/users/${owner.id}/gear`, owner)).json()[0].total_distance_meters, total);

    // The app's profile screen shows gear from the public profile: primary_gear and gear_items, the same numbers.
    const profile = await call('GET', `/users/${owner.id}/profile`, viewer);
    assert.equal(profile.statusCode, 200, profile.body);
    const { primary_gear, gear_items } = profile.json() as { primary_gear: Record<string, unknown>; gear_items: Record<string, unknown>[] };
    assertGearItem(primary_gear);
    assert.deepEqual(gear_items, [primary_gear]);
    assert.deepEqual(primary_gear, item);
    assert.equal((await call('GET', `/users/${owner.id}/profile`, owner)).json().primary_gear.total_distance_meters, total);
    const none = (await call('GET', `/users/${viewer.id}/profile`, owner)).json();
    assert.deepEqual([none.primary_gear, none.gear_items], [null, []]);

    assert.deepEqual((await call('GET', `/users/${viewer.id}/gear`, owner)).json(), []);
    assert.equal((await call('GET', `/users/${randomUUID()}/gear`, viewer)).statusCode, 404);
    assert.equal((await call('GET', '/users/not-a-uuid/gear', viewer)).statusCode, 422);
  });

  it('refuses every change to someone else’s gear with 404, changing nothing', async () => {
    const [owner, attacker] = [await user(), await user()];
    const shoe = await addGear(owner, { brand: 'Reebok', model_name: 'Floatride', is_primary: true });
    const patched = await call('PATCH', `/gear/${shoe.id}`, attacker, { model_name: 'pwned', is_primary: false });
    assert.equal(patched.statusCode, 404);
    assert.equal(patched.json().code, 'NOT_FOUND');
    assert.equal((await call('PATCH', `/gear/${shoe.id}`, attacker, { is_retired: true })).statusCode, 404);
    assert.equal((await call('DELETE', `/gear/${shoe.id}`, attacker)).statusCode, 404);
    // The attacker's own primary gear does not demote the owner's.
    await addGear(attacker, { brand: 'Nike', model_name: 'Mine', is_primary: true });
    const [after] = await myGear(owner);
    assert.deepEqual([after!.id, after!.is_primary], [shoe.id, true]);
    assert.equal((await call('GET', `/gear/${shoe.id}`, attacker)).statusCode, 404, 'no such route');
    assert.equal((await call('PATCH', '/gear/not-a-uuid', owner, { model_name: 'x' })).statusCode, 422);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/gear' })).statusCode, 401);
    assert.ok(!(await myGear(attacker)).some((g) => g.id === shoe.id));
  });

  it('takes a picture only from POST /uploads/image', async () => {
    const me = await user();
    const external = await call('POST', '/gear', me, { brand: 'Nike', model_name: 'x', image_url: 'https://evil.example/shoe.jpg' });
    assert.equal(external.statusCode, 422);
    assert.equal(external.json().code, 'INVALID_IMAGE_URL');
    const { headers, payload } = multipart({ filename: 'shoe.jpg', type: 'image/jpeg', data: await smallJpeg() });
    const upload = await t.app.inject({ method: 'POST', url: '/api/v1/uploads/image', headers: { ...headers, ...me.auth }, payload });
    assert.equal(upload.statusCode, 200, upload.body);
    const { url } = upload.json() as { url: string };
    const shoe = await addGear(me, { brand: 'Nike', model_name: 'x', image_url: url });
    assert.equal(shoe.image_url, url);
    const cleared = await call('PATCH', `/gear/${shoe.id}`, me, { image_url: null });
    assert.ok(!('image_url' in cleared.json()));
  });

  it('keeps at most 50 gear items per user', async () => {
    const me = await user();
    await t.db.query(`INSERT INTO user_gear (user_id, brand, model_name) SELECT $1, 'Nike', 'm' || i FROM generate_series(1, 50) i`, [me.id]);
    const res = await call('POST', '/gear', me, { brand: 'Nike', model_name: 'one too many' });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, 'GEAR_LIMIT_REACHED');
    assert.equal((await myGear(me)).length, 50);
  });

  it('deleting an account removes its gear and leaves other users’ gear', async () => {
    const [gone, stays] = [await user(), await user()];
    await addGear(gone, { brand: 'Nike', model_name: 'Gone', is_primary: true });
    await runOnGear(gone);
    const kept = await addGear(stays, { brand: 'Hoka', model_name: 'Stays', is_primary: true });
    await deleteAccount(t.app.deps, t.app.deps.logger, gone.id);
    const count = async (id: string) => (await t.db.query('SELECT 1 FROM user_gear WHERE user_id = $1', [id])).rows.length;
    assert.equal(await count(gone.id), 0);
    assert.equal(await count(stays.id), 1);
    assert.deepEqual((await myGear(stays)).map((g) => g.id), [kept.id]);
  });
});
