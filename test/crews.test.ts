import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { smallJpeg, multipart } from './helpers/authz-world.js';
import { insertCourse, insertRun } from './helpers/run-records.js';

type Json = Record<string, unknown> & { id: string };

describe('crews', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, user: TestUser, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: user.auth, ...(payload ? { payload } : {}) });
  /** Users with a device each, so pushes to them are recorded. */
  const user = async () => {
    const u = await createUser(t.db, t.config);
    await t.db.query(`INSERT INTO device_tokens (user_id, device_token, platform) VALUES ($1, $2, 'ios')`, [u.id, `token-${u.id}`]);
    return u;
  };
  const uniqueName = (prefix = 'Crew') => `${prefix} ${randomUUID().slice(0, 8)}`;
  async function createCrew(owner: TestUser, extra: object = {}) {
    const res = await call('POST', '/crews', owner, { name: uniqueName(), region: 'Seoul', ...extra });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as Json;
  }
  async function joined(crewId: string, n: number) {
    const members = [];
    for (let i = 0; i < n; i++) {
      const u = await user();
      assert.equal((await call('POST', `/crews/${crewId}/join`, u)).statusCode, 200);
      members.push(u);
    }
    return members;
  }
  const grade = async (crewId: string, userId: string) =>
    (await t.db.query<{ grade_level: number }>('SELECT grade_level FROM crew_members WHERE crew_id = $1 AND user_id = $2', [crewId, userId]))
      .rows[0]?.grade_level;
  const pushes = async (kind: string, userIds: string[]) =>
    (await t.db.query<{ user_id: string }>('SELECT user_id FROM push_notifications WHERE kind = $1 AND user_id = ANY($2) ORDER BY user_id', [kind, userIds]))
      .rows.map((r) => r.user_id);

  describe('create, read, edit, delete', () => {
    it('creates a crew with the app’s fields; the creator is its owner and it becomes their primary crew', async () => {
      const owner = await user();
      const crew = await createCrew(owner, { description: 'Morning runs', max_members: 30.4, requires_approval: true, badge_color: '#12ab34' });
      assert.equal(crew.member_count, 1);
      assert.equal(crew.max_members, 30);
      assert.equal(crew.badge_color, '#12AB34');
      assert.equal(crew.badge_icon, 'people');
      assert.deepEqual(crew.owner, { id: owner.id, nickname: owner.nickname, avatar_url: null });
      assert.equal(crew.is_member, true);
      assert.equal(crew.my_role, 'owner');
      assert.equal(crew.my_grade_level, 5);
      assert.equal(crew.level, 1);
      assert.equal(crew.total_xp, 0);
      assert.equal(crew.member_limit, 10, 'level 1 allows 10 members, below max_members');
      assert.equal(crew.join_request_status, null);
      const me = (await call('GET', '/users/me', owner)).json() as Json;
      assert.equal(me.crew_name, crew.name);
      assert.match(me.user_code as string, /^[2-9A-HJKMNP-Z]{8}$/);
    });

    it('keeps names unique whatever their case, and refuses bad fields with 422', async () => {
      const owner = await user();
      const crew = await createCrew(owner);
      const dup = await call('POST', '/crews', await user(), { name: `  ${(crew.name as string).toUpperCase()} ` });
      assert.equal(dup.statusCode, 409);
      assert.equal(dup.json().code, 'CREW_NAME_TAKEN');
      for (const bad of [{ name: '' }, { name: 'x'.repeat(101) }, { name: 'ok', max_members: 1 }, { name: 'ok', max_members: 1001 },
        { name: 'ok', badge_color: 'red' }, { name: 'ok', description: 'x'.repeat(2001) }, { name: 'ok', region: 'x'.repeat(101) },
        { name: 'ok', meeting_point: 'x'.repeat(201) }]) {
        const res = await call('POST', '/crews', owner, bad);
        assert.equal(res.statusCode, 422, JSON.stringify(bad));
      }
    });

    it('takes a logo only from POST /uploads/image', async () => {
      const owner = await user();
      const external = await call('POST', '/crews', owner, { name: uniqueName(), logo_url: 'https://evil.example/logo.jpg' });
      assert.equal(external.statusCode, 422);
      assert.equal(external.json().code, 'INVALID_IMAGE_URL');
      const { headers, payload } = multipart({ filename: 'logo.jpg', type: 'image/jpg', data: await smallJpeg() });
      const upload = await t.app.inject({ method: 'POST', url: '/api/v1/uploads/image', headers: { ...headers, ...owner.auth }, payload });
      assert.equal(upload.statusCode, 200, upload.body);
      const { url } = upload.json() as { url: string };
      assert.match(url, /^https?:\/\/.+\/images\/[0-9a-f]{32}\.jpg$/);
      const crew = await createCrew(owner, { logo_url: url });
      assert.equal(crew.logo_url, url);
      const avatarUrl = url.replace('/images/', '/avatars/');
      assert.equal((await call('PATCH', `/crews/${crew.id}`, owner, { logo_url: avatarUrl })).statusCode, 422);
    });

    it('limits how many crews one user owns, even when created at once', async () => {
      const owner = await user();
      const results = await Promise.all(Array.from({ length: 8 }, () => call('POST', '/crews', owner, { name: uniqueName() })));
      assert.equal(results.filter((r) => r.statusCode === 201).length, 5);
      assert.ok(results.filter((r) => r.statusCode !== 201).every((r) => r.json().code === 'CREW_LIMIT_REACHED'));
    });

    it('lists public crews with the app’s pagination, searches names literally, filters by region', async () => {
      const owner = await user();
      const tag = randomUUID().slice(0, 6);
      const big = await createCrew(owner, { name: `${tag} 100% Runners`, region: 'Busan Haeundae' });
      await joined(big.id, 2);
      const small = await createCrew(owner, { name: `${tag} Night_Crew`, region: 'Seoul' });
      const hidden = await createCrew(owner, { name: `${tag} Secret`, is_public: false });
      const viewer = await user();
      const all = (await call('GET', `/crews?search=${tag}&per_page=10`, viewer)).json() as { data: Json[]; total_count: number };
      assert.equal(all.total_count, 2);
      assert.deepEqual(all.data.map((c) => c.id), [big.id, small.id], 'most members first; not the hidden one');
      assert.equal(all.data[0]!.is_member, false);
      const page1 = (await call('GET', `/crews?search=${tag}&page=1&per_page=1`, viewer)).json() as { data: Json[]; total_count: number };
      assert.deepEqual([page1.total_count, page1.data.map((c) => c.id)], [2, [small.id]]);
      const percent = (await call('GET', `/crews?search=${encodeURIComponent(`${tag} 100%`)}`, viewer)).json() as { data: Json[] };
      assert.deepEqual(percent.data.map((c) => c.id), [big.id]);
      const underscore = (await call('GET', `/crews?search=${tag}%20Night_`, viewer)).json() as { data: Json[] };
      assert.deepEqual(underscore.data.map((c) => c.id), [small.id]);
      const region = (await call('GET', `/crews?search=${tag}&region=busan`, viewer)).json() as { data: Json[] };
      assert.deepEqual(region.data.map((c) => c.id), [big.id]);
      assert.equal((await call('GET', `/crews/${hidden.id}`, viewer)).statusCode, 404, 'a crew that is not public is hidden');
      assert.equal((await call('GET', `/crews/${hidden.id}`, owner)).statusCode, 200);
    });

    it('lists my crews and sets my primary crew among them only', async () => {
      const a = await createCrew(await user());
      const b = await createCrew(await user());
      const [me] = await joined(a.id, 1);
      assert.equal((await call('POST', `/crews/${b.id}/join`, me!)).statusCode, 200);
      // The embedded database's clock ticks in milliseconds: make the joining order unambiguous.
      await t.db.query(`UPDATE crew_members SET joined_at = joined_at - interval '1 minute' WHERE crew_id = $1 AND user_id = $2`, [a.id, me!.id]);
      const mine = (await call('GET', '/crews/my', me!)).json() as Json[];
      assert.deepEqual(mine.map((c) => c.id), [b.id, a.id]);
      assert.ok(mine.every((c) => c.is_member && c.my_role === 'member'));
      assert.equal(((await call('GET', '/users/me', me!)).json() as Json).crew_name, a.name, 'the first crew joined');
      const set = await call('PUT', '/crews/my/primary', me!, { crew_id: b.id });
      assert.deepEqual(set.json(), { crew_name: b.name });
      const other = await createCrew(await user());
      assert.equal((await call('PUT', '/crews/my/primary', me!, { crew_id: other.id })).statusCode, 404);
      assert.equal((await call('POST', `/crews/${b.id}/leave`, me!)).statusCode, 204);
      assert.equal(((await call('GET', '/users/me', me!)).json() as Json).crew_name, null, 'leaving the primary crew clears it');
      const patched = await call('PATCH', '/users/me/profile', me!, { crew_name: (a.name as string).toLowerCase() });
      assert.equal((patched.json() as Json).crew_name, a.name);
      assert.equal((await call('PATCH', '/users/me/profile', me!, { crew_name: other.name })).statusCode, 422);
    });

    it('edits as owner or admin within the level’s features, deletes as owner only', async () => {
      const owner = await user();
      const crew = await createCrew(owner);
      const [admin, member] = await joined(crew.id, 2);
      assert.equal((await call('PATCH', `/crews/${crew.id}/members/${admin!.id}/role`, owner, { role: 'admin' })).statusCode, 200);
      const edited = await call('PATCH', `/crews/${crew.id}`, admin!, { description: 'New', region: null, max_members: 3 });
      assert.equal(edited.statusCode, 200, edited.body);
      assert.deepEqual([edited.json().description, edited.json().region, edited.json().max_members], ['New', null, 3]);
      assert.equal((await call('PATCH', `/crews/${crew.id}`, member!, { description: 'x' })).statusCode, 403);
      const colour = await call('PATCH', `/crews/${crew.id}`, owner, { badge_color: '#000000' });
      assert.deepEqual([colour.statusCode, colour.json().code], [403, 'LEVEL_REQUIRED']);
      assert.equal((await call('PATCH', `/crews/${crew.id}`, owner, { badge_color: '#ff7a33' })).statusCode, 200, 'the same colour');
      const names = await call('PATCH', `/crews/${crew.id}`, owner, { grade_config: { levels: { 1: { name: 'Rookie' } } } });
      assert.equal(names.statusCode, 403);
      await t.db.query('UPDATE crews SET total_xp = 5000000 WHERE id = $1', [crew.id]);
      const unlocked = await call('PATCH', `/crews/${crew.id}`, owner, { badge_color: '#000000', grade_config: { levels: { 1: { name: 'Rookie' } } } });
      assert.equal(unlocked.statusCode, 200, unlocked.body);
      assert.deepEqual(unlocked.json().grade_config, { levels: { 1: { name: 'Rookie' } } });
      assert.equal(unlocked.json().level, 5);
      const below = await call('PATCH', `/crews/${crew.id}`, owner, { max_members: 2 });
      assert.deepEqual([below.statusCode, below.json().code], [409, 'CAPACITY_BELOW_MEMBERS']);

      assert.equal((await call('DELETE', `/crews/${crew.id}`, admin!)).statusCode, 403);
      const course = await insertCourse(t.db, member!.id);
      assert.equal((await call('DELETE', `/crews/${crew.id}`, owner)).statusCode, 204);
      assert.equal((await call('GET', `/crews/${crew.id}`, owner)).statusCode, 404);
      const left = await t.db.query('SELECT 1 FROM crew_members WHERE crew_id = $1', [crew.id]);
      assert.equal(left.rowCount, 0);
      const kept = await t.db.query('SELECT 1 FROM users WHERE id = ANY($1) UNION ALL SELECT 1 FROM courses WHERE id = $2', [
        [owner.id, admin!.id, member!.id], course,
      ]);
      assert.equal(kept.rowCount, 4, 'users and their courses stay');
    });
  });

  describe('membership', () => {
    it('joins an open crew once; an approval-only crew takes join requests instead', async () => {
      const crew = await createCrew(await user());
      const u = await user();
      const first = await call('POST', `/crews/${crew.id}/join`, u);
      assert.equal(first.statusCode, 200);
      assert.deepEqual([first.json().is_member, first.json().my_role, first.json().member_count], [true, 'member', 2]);
      const again = await call('POST', `/crews/${crew.id}/join`, u);
      assert.deepEqual([again.statusCode, again.json().code], [409, 'ALREADY_MEMBER']);
      const request = await call('POST', `/crews/${crew.id}/join-requests`, await user(), {});
      assert.deepEqual([request.statusCode, request.json().code], [409, 'NO_APPROVAL_NEEDED']);

      const gated = await createCrew(await user(), { requires_approval: true });
      const direct = await call('POST', `/crews/${gated.id}/join`, u);
      assert.deepEqual([direct.statusCode, direct.json().code], [409, 'APPROVAL_REQUIRED']);
    });

    it('takes, lists, counts, approves, rejects and withdraws join requests, with pushes', async () => {
      const owner = await user();
      const crew = await createCrew(owner, { requires_approval: true });
      const [admin] = await (async () => {
        const a = await user();
        await t.db.query('INSERT INTO crew_members (crew_id, user_id, grade_level) VALUES ($1, $2, 4)', [crew.id, a.id]);
        return [a];
      })();
      const [alice, bob, carol] = [await user(), await user(), await user()];
      const asked = await call('POST', `/crews/${crew.id}/join-requests`, alice, { message: ' Hi! ' });
      assert.equal(asked.statusCode, 201, asked.body);
      const req = asked.json() as Json;
      assert.deepEqual([req.status, req.message, (req.user as Json).id, req.reviewed_at], ['pending', 'Hi!', alice.id, null]);
      assert.deepEqual(await pushes('crew_join_request', [owner.id, admin!.id, alice.id]), [owner.id, admin!.id].sort());
      const twice = await call('POST', `/crews/${crew.id}/join-requests`, alice, {});
      assert.deepEqual([twice.statusCode, twice.json().code], [409, 'ALREADY_REQUESTED']);
      const [bobAsked, carolAsked] = [
        await call('POST', `/crews/${crew.id}/join-requests`, bob, { message: null }),
        await call('POST', `/crews/${crew.id}/join-requests`, carol),
      ];
      assert.deepEqual([bobAsked.statusCode, carolAsked.statusCode], [201, 201], bobAsked.body + carolAsked.body);
      const [bobReq, carolReq] = [bobAsked.json() as Json, carolAsked.json() as Json];
      // The embedded database's clock ticks in milliseconds: make the asking order unambiguous.
      await t.db.query(
        `UPDATE crew_join_requests SET created_at = now() - make_interval(secs => array_position($1::uuid[], id))
          WHERE id = ANY($1::uuid[])`,
        [[carolReq.id, bobReq.id, req.id]],
      );

      assert.deepEqual((await call('GET', `/crews/${crew.id}/join-requests/my`, alice)).json(), { status: 'pending', request_id: req.id });
      assert.equal(((await call('GET', `/crews/${crew.id}`, alice)).json() as Json).join_request_status, 'pending');
      assert.deepEqual((await call('GET', `/crews/${crew.id}/join-requests/count`, admin!)).json(), { count: 3 });
      const listed = (await call('GET', `/crews/${crew.id}/join-requests?per_page=2`, owner)).json() as { data: Json[]; total_count: number };
      assert.deepEqual([listed.total_count, listed.data.map((r) => r.id)], [3, [req.id, bobReq.id]]);
      assert.equal((await call('GET', `/crews/${crew.id}/join-requests`, alice)).statusCode, 403);

      const approved = await call('PATCH', `/crews/${crew.id}/join-requests/${req.id}/approve`, admin!);
      assert.equal(approved.statusCode, 200, approved.body);
      assert.equal(approved.json().status, 'approved');
      assert.ok(approved.json().reviewed_at);
      assert.equal(await grade(crew.id, alice.id), 1);
      assert.deepEqual(await pushes('crew_join_approved', [alice.id]), [alice.id]);
      const reapprove = await call('PATCH', `/crews/${crew.id}/join-requests/${req.id}/approve`, owner);
      assert.deepEqual([reapprove.statusCode, reapprove.json().code], [409, 'REQUEST_NOT_PENDING']);

      assert.equal((await call('PATCH', `/crews/${crew.id}/join-requests/${bobReq.id}/reject`, owner)).statusCode, 204);
      assert.equal(await grade(crew.id, bob.id), undefined);
      assert.deepEqual((await call('GET', `/crews/${crew.id}/join-requests/my`, bob)).json(), { status: null, request_id: null });
      assert.equal((await call('POST', `/crews/${crew.id}/join-requests`, bob, {})).statusCode, 201, 'a rejected user may ask again');

      assert.equal((await call('DELETE', `/crews/${crew.id}/join-requests/${carolReq.id}`, bob)).statusCode, 404, 'not his');
      assert.equal((await call('DELETE', `/crews/${crew.id}/join-requests/${carolReq.id}`, carol)).statusCode, 204);
      assert.deepEqual((await call('GET', `/crews/${crew.id}/join-requests/count`, owner)).json(), { count: 1 });
      const otherOwner = await user();
      const otherCrew = await createCrew(otherOwner, { requires_approval: true });
      const bobAgain = (await call('GET', `/crews/${crew.id}/join-requests/my`, bob)).json() as { request_id: string };
      const foreign = await call('PATCH', `/crews/${otherCrew.id}/join-requests/${bobAgain.request_id}/approve`, otherOwner);
      assert.equal(foreign.statusCode, 404, 'another crew’s request');
    });

    it('invites by user code (any case): the invitee is a member and is told', async () => {
      const owner = await user();
      const crew = await createCrew(owner, { requires_approval: true });
      const invitee = await user();
      const { user_code: code } = (await call('GET', '/users/me', invitee)).json() as { user_code: string };
      const res = await call('POST', `/crews/${crew.id}/invite`, owner, { user_code: code.toLowerCase() });
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual([res.json().user_id, res.json().role, res.json().grade_level], [invitee.id, 'member', 1]);
      assert.deepEqual(await pushes('crew_join_approved', [invitee.id]), [invitee.id]);
      const again = await call('POST', `/crews/${crew.id}/invite`, owner, { user_code: code });
      assert.equal(again.json().code, 'ALREADY_MEMBER');
      assert.equal((await call('POST', `/crews/${crew.id}/invite`, owner, { user_code: 'NOPE2345' })).statusCode, 404);
      assert.equal((await call('POST', `/crews/${crew.id}/invite`, invitee, { user_code: code })).statusCode, 403);
    });

    it('the owner hands over before leaving; the last member leaving deletes only the crew', async () => {
      const owner = await user();
      const crew = await createCrew(owner);
      const [next] = await joined(crew.id, 1);
      const refused = await call('POST', `/crews/${crew.id}/leave`, owner);
      assert.deepEqual([refused.statusCode, refused.json().code], [409, 'OWNER_MUST_HAND_OVER']);
      const handed = await call('PATCH', `/crews/${crew.id}/members/${next!.id}/role`, owner, { role: 'owner' });
      assert.deepEqual([handed.statusCode, handed.json().role, handed.json().grade_level], [200, 'owner', 5]);
      assert.equal(await grade(crew.id, owner.id), 4, 'the old owner is an admin');
      assert.equal(((await call('GET', `/crews/${crew.id}`, owner)).json() as Json & { owner: Json }).owner.id, next!.id);
      assert.equal((await call('POST', `/crews/${crew.id}/leave`, owner)).statusCode, 204);
      assert.equal((await call('POST', `/crews/${crew.id}/leave`, owner)).statusCode, 404, 'no longer a member');

      const course = await insertCourse(t.db, next!.id);
      await insertRun(t.db, { userId: next!.id, courseId: course, finishedAt: new Date(), courseDurationSeconds: 900 });
      assert.equal((await call('POST', `/crews/${crew.id}/leave`, next!)).statusCode, 204);
      assert.equal((await call('GET', `/crews/${crew.id}`, next!)).statusCode, 404, 'the crew went with its last member');
      const kept = await t.db.query('SELECT 1 FROM run_records WHERE user_id = $1 UNION ALL SELECT 1 FROM courses WHERE id = $2', [next!.id, course]);
      assert.equal(kept.rowCount, 2);
    });

    it('changes roles (owner only) and grades (of members below, to grades below the caller)', async () => {
      const owner = await user();
      const crew = await createCrew(owner);
      const [admin, m1, m2] = await joined(crew.id, 3);
      const base = `/crews/${crew.id}/members`;
      assert.equal((await call('PATCH', `${base}/${admin!.id}/role`, owner, { role: 'admin' })).json().grade_level, 4);
      assert.equal((await call('PATCH', `${base}/${m1!.id}/role`, admin!, { role: 'admin' })).statusCode, 403, 'admins do not make admins');
      assert.equal((await call('PATCH', `${base}/${m1!.id}/grade`, admin!, { grade_level: 3 })).json().grade_level, 3);
      assert.equal((await call('PATCH', `${base}/${m1!.id}/grade`, admin!, { grade_level: 4 })).statusCode, 403, 'not to their own grade');
      assert.equal((await call('PATCH', `${base}/${owner.id}/grade`, admin!, { grade_level: 1 })).statusCode, 403);
      assert.equal((await call('PATCH', `${base}/${m2!.id}/grade`, m1!, { grade_level: 1 })).statusCode, 403, 'members manage nobody');
      assert.equal((await call('PATCH', `${base}/${admin!.id}/grade`, admin!, { grade_level: 1 })).statusCode, 422, 'not oneself');
      const promoted = await call('PATCH', `${base}/${m2!.id}/grade`, owner, { grade_level: 4 });
      assert.deepEqual([promoted.json().role, promoted.json().grade_level], ['admin', 4]);
      assert.equal((await call('PATCH', `${base}/${m2!.id}/grade`, owner, { grade_level: 5 })).statusCode, 422, 'owner is not a grade to give');
      const demoted = await call('PATCH', `${base}/${m2!.id}/role`, owner, { role: 'member' });
      assert.deepEqual([demoted.json().role, demoted.json().grade_level], ['member', 1]);

      const members = (await call('GET', `${base}?per_page=10`, m1!)).json() as { data: Json[]; total_count: number };
      assert.equal(members.total_count, 4);
      assert.deepEqual(members.data.map((m) => [m.user_id, m.role, m.grade_level]), [
        [owner.id, 'owner', 5], [admin!.id, 'admin', 4], [m1!.id, 'member', 3], [m2!.id, 'member', 1],
      ]);
    });

    it('removes members below the caller only', async () => {
      const owner = await user();
      const crew = await createCrew(owner);
      const [a1, a2, m] = await joined(crew.id, 3);
      for (const a of [a1!, a2!]) await call('PATCH', `/crews/${crew.id}/members/${a.id}/role`, owner, { role: 'admin' });
      assert.equal((await call('DELETE', `/crews/${crew.id}/members/${a2!.id}`, a1!)).statusCode, 403, 'an admin does not remove an admin');
      assert.equal((await call('DELETE', `/crews/${crew.id}/members/${owner.id}`, a1!)).statusCode, 403);
      assert.equal((await call('DELETE', `/crews/${crew.id}/members/${m!.id}`, a1!)).statusCode, 204);
      assert.equal((await call('DELETE', `/crews/${crew.id}/members/${m!.id}`, a1!)).statusCode, 404);
      assert.equal((await call('DELETE', `/crews/${crew.id}/members/${a2!.id}`, owner)).statusCode, 204);
      assert.equal(((await call('GET', `/crews/${crew.id}`, owner)).json() as Json).member_count, 2);
    });

    it('never goes over the member limit under concurrent joins and approvals, nor admits anyone twice', async () => {
      const owner = await user();
      const crew = await createCrew(owner, { max_members: 5 });
      const joiners = await Promise.all(Array.from({ length: 12 }, () => user()));
      const results = await Promise.all(joiners.flatMap((u) => [call('POST', `/crews/${crew.id}/join`, u), call('POST', `/crews/${crew.id}/join`, u)]));
      const codes = results.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 200).length, 4, codes.join(','));
      assert.ok(results.filter((r) => r.statusCode !== 200).every((r) => ['CREW_FULL', 'ALREADY_MEMBER'].includes(r.json().code)));
      const { rows } = await t.db.query<{ members: number; people: number }>(
        'SELECT count(*) AS members, count(DISTINCT user_id) AS people FROM crew_members WHERE crew_id = $1',
        [crew.id],
      );
      assert.deepEqual(rows[0], { members: 5, people: 5 });

      const gated = await createCrew(owner, { requires_approval: true, max_members: 3 });
      const askers = await Promise.all(Array.from({ length: 6 }, () => user()));
      const requests = [];
      for (const u of askers) requests.push(((await call('POST', `/crews/${gated.id}/join-requests`, u, {})).json() as Json).id);
      const approvals = await Promise.all(requests.map((id) => call('PATCH', `/crews/${gated.id}/join-requests/${id}/approve`, owner)));
      assert.equal(approvals.filter((r) => r.statusCode === 200).length, 2);
      assert.equal(((await call('GET', `/crews/${gated.id}`, owner)).json() as Json).member_count, 3);
    });
  });

  describe('account deletion', () => {
    it('hands owned crews to the highest grade who joined first, deletes crews left empty, keeps everyone else’s', async () => {
      const owner = await user();
      const shared = await createCrew(owner);
      const [first, second] = await joined(shared.id, 2);
      await call('PATCH', `/crews/${shared.id}/members/${second!.id}/grade`, owner, { grade_level: 3 });
      const alone = await createCrew(owner);
      const other = await createCrew(first!);
      assert.equal((await call('POST', `/crews/${other.id}/join`, owner)).statusCode, 200);
      assert.equal((await call('DELETE', '/users/me', owner)).statusCode, 204);
      const crew = (await call('GET', `/crews/${shared.id}`, first!)).json() as Json & { owner: Json };
      assert.deepEqual([crew.owner.id, crew.member_count], [second!.id, 2], 'grade 3 before an earlier grade 1');
      assert.equal((await call('GET', `/crews/${alone.id}`, first!)).statusCode, 404);
      const theirs = (await call('GET', `/crews/${other.id}`, first!)).json() as Json;
      assert.deepEqual([theirs.member_count, theirs.my_role], [1, 'owner']);
      const stats = (await call('GET', `/crews/${other.id}/management/stats`, first!)).json() as Json;
      assert.equal(stats.recent_leaves_7d, 1);
    });
  });

  describe('push kinds', () => {
    it('every crew push kind can be turned off', async () => {
      const owner = await user();
      const settings = (await call('GET', '/notifications/settings', owner)).json() as Record<string, boolean>;
      for (const kind of ['crew_join_request', 'crew_join_approved', 'crew_course_lost']) assert.equal(settings[kind], true, kind);
      assert.equal((await call('PATCH', '/notifications/settings', owner, { crew_join_request: false })).statusCode, 200);
      const crew = await createCrew(owner, { requires_approval: true });
      assert.equal((await call('POST', `/crews/${crew.id}/join-requests`, await user(), {})).statusCode, 201);
      assert.deepEqual(await pushes('crew_join_request', [owner.id]), []);
    });
  });
});
