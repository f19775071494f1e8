// The authorisation matrix (issue 7): every route the server serves is classified in test/helpers/authz-matrix.ts;
// an attacker's token is refused on the owner's objects (404 for private ones) with nothing changed in the
// database, "my …" routes answer only the caller's data, self-scoped and open routes change only the caller's rows,
// and every non-public route is 401 without a token. The scenario is scripts/soak/authz.ts in its short form.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../scripts/soak/authz.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { AUTHZ_APP_SETTINGS } from './helpers/authz-world.js';
import { changedTables, classificationProblems, routerRoutes, snapshot } from './helpers/authz-matrix.js';
import { createUser } from './helpers/users.js';

describe('authorisation matrix: the machinery', () => {
  let t: TestApp;
  before(async () => {
    // A route added after the application is built: served, documented, and in no table.
    t = await createTestApp(AUTHZ_APP_SETTINGS, (app) => {
      app.get('/api/v1/zz-unclassified/:thing_id', { schema: { response: { 200: { type: 'object' } } } }, async () => ({}));
    });
  });
  after(() => t.close());

  it('lists the routes from the router itself', () => {
    const routes = routerRoutes(t.app);
    assert.ok(routes.includes('GET /api/v1/courses/{course_id}/my-best'));
    assert.ok(routes.includes('DELETE /api/v1/users/me'));
    // Methods that name one path position differently (the router prints `{user_id}|{request_id}`) keep their names.
    assert.ok(routes.includes('POST /api/v1/friend-requests/{user_id}'));
    assert.ok(routes.includes('DELETE /api/v1/friend-requests/{request_id}'));
    assert.ok(!routes.some((r) => r.includes('|')));
    assert.ok(routes.length > 60, `${routes.length} routes`);
  });

  it('names a route that is not classified, and nothing else', async () => {
    assert.deepEqual(await classificationProblems(t.app), [
      'GET /api/v1/zz-unclassified/{thing_id} is not classified in the authorisation matrix (test/helpers/authz-matrix.ts ROUTES)',
    ]);
  });

  it('sees a change to any row, and leaves out only the rows the caller owns when asked to', async () => {
    const [a, b] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
    await t.db.query('INSERT INTO follows (follower_id, following_id) VALUES ($1, $2), ($2, $1)', [a.id, b.id]);
    const all = await snapshot(t.db);
    const notB = await snapshot(t.db, b.id);
    await t.db.query("UPDATE users SET bio = 'changed' WHERE id = $1", [b.id]);
    await t.db.query('DELETE FROM follows WHERE follower_id = $1', [b.id]);
    assert.deepEqual(changedTables(all, await snapshot(t.db)), [
      `follows (${all.get('follows')!.rows} → ${all.get('follows')!.rows - 1} rows)`,
      `users (${all.get('users')!.rows} → ${all.get('users')!.rows} rows)`,
    ]);
    assert.deepEqual(changedTables(notB, await snapshot(t.db, b.id)), []);
    // A's follow of B names B but is A's.
    await t.db.query('DELETE FROM follows WHERE follower_id = $1', [a.id]);
    assert.deepEqual(changedTables(notB, await snapshot(t.db, b.id)), [`follows (${notB.get('follows')!.rows} → ${notB.get('follows')!.rows - 1} rows)`]);
  });
});

// Its own app (the scenario builds one): the embedded database is one session, so never two apps at once.
describe('authorisation matrix', () => {
  it('refuses an attacker on every route and object of an owner, changing nothing that is not theirs', async () => {
    const report = await run('short');
    assert.equal(report.failures, 0, report.notes.join('\n'));
    assert.ok(report.requests > 150, `${report.requests} requests`);
  });
});
