import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { insertCourse } from './helpers/run-records.js';
import { waitForJob } from './helpers/jobs.js';
import { GROUP_RUN_REMINDER_JOB, REMINDER_MINUTES, sendGroupRunReminder, type ReminderJob } from '../src/features/group-runs/reminders.js';

type Member = { user_id: string; nickname: string | null; avatar_url: string | null; status: string; best_duration_seconds: number | null };
type Eight = [TestUser, TestUser, TestUser, TestUser, TestUser, TestUser, TestUser, TestUser];
type Item = {
  id: string; course_id: string; course_name: string | null; name: string; creator_id: string | null; status: string;
  scheduled_at: string | null; member_count: number; members: Member[]; my_status: string | null; group_ranking: unknown; created_at: string;
};

describe('group runs', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST' | 'DELETE' | 'PATCH', url: string, who: TestUser, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: who.auth, ...(payload ? { payload } : {}) });
  /** Users with a device each, so pushes to them are recorded. */
  const user = async () => {
    const u = await createUser(t.db, t.config);
    await t.db.query(`INSERT INTO device_tokens (user_id, device_token, platform) VALUES ($1, $2, 'ios')`, [u.id, `token-${u.id}`]);
    return u;
  };
  /** `n` users, typed for destructuring (only the first `n` exist). */
  const users = async (n: number) => (await Promise.all(Array.from({ length: n }, () => user()))) as Eight;
  const name = () => `Run ${randomUUID().slice(0, 8)}`;
  async function create(host: TestUser, invitees: TestUser[], extra: object = {}) {
    const course = await insertCourse(t.db, host.id);
    const res = await call('POST', '/group-runs', host, { name: name(), course_id: course, invite_user_ids: invitees.map((u) => u.id), ...extra });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as Item;
  }
  const pushes = async (kind: string, userIds: string[]) =>
    (await t.db.query<{ user_id: string }>('SELECT user_id FROM push_notifications WHERE kind = $1 AND user_id = ANY($2) ORDER BY user_id', [kind, userIds]))
      .rows.map((r) => r.user_id);
  const statuses = (item: Item) => item.members.map((m) => [m.user_id, m.status]);
  const sorted = (ids: string[]) => [...ids].sort();

  describe('create and read', () => {
    it('creates a group run on a course with the app’s keys; the host takes part, invitees are told by a push', async () => {
      const [host, a, b] = await users(3);
      const course = await insertCourse(t.db, host.id);
      const res = await call('POST', '/group-runs', host, { name: '  Han river  ', course_id: course, invite_user_ids: [a.id, b.id] });
      assert.equal(res.statusCode, 201, res.body);
      const item = res.json() as Item;
      assert.equal(item.name, 'Han river');
      assert.equal(item.course_id, course);
      assert.equal(item.course_name, 'Test course');
      assert.equal(item.creator_id, host.id);
      assert.equal(item.status, 'active');
      assert.equal(item.scheduled_at, null);
      assert.equal(item.member_count, 3);
      assert.equal(item.my_status, 'accepted');
      assert.equal(item.group_ranking, null);
      assert.deepEqual(statuses(item)[0], [host.id, 'accepted'], 'the host first');
      assert.deepEqual(sorted(item.members.slice(1).map((m) => m.user_id)), sorted([a.id, b.id]));
      assert.ok(item.members.slice(1).every((m) => m.status === 'invited'));
      assert.deepEqual(item.members[0], { user_id: host.id, nickname: host.nickname, avatar_url: null, status: 'accepted', best_duration_seconds: null, best_pace_seconds_per_km: null });
      assert.deepEqual(await pushes('group_run_invite', [host.id, a.id, b.id]), sorted([a.id, b.id]));
      const { rows } = await t.db.query<{ data: Record<string, string> }>('SELECT data FROM push_notifications WHERE kind = $1 AND user_id = $2', ['group_run_invite', a.id]);
      assert.deepEqual(rows[0]!.data, { group_run_id: item.id });
    });

    it('takes a public course or the host’s own private one; anyone else’s private course is 404', async () => {
      const [host, other, a] = await users(3);
      const own = await insertCourse(t.db, host.id, { isPublic: false });
      const theirs = await insertCourse(t.db, other.id, { isPublic: false });
      const body = (course: string) => ({ name: name(), course_id: course, invite_user_ids: [a.id] });
      assert.equal((await call('POST', '/group-runs', host, body(own))).statusCode, 201);
      for (const course of [theirs, randomUUID()]) {
        const res = await call('POST', '/group-runs', host, body(course));
        assert.equal(res.statusCode, 404, course);
      }
      assert.equal((await call('POST', '/group-runs', host, body(await insertCourse(t.db, other.id)))).statusCode, 201);
    });

    it('refuses unknown users (404), self-invitations and bad bodies (422), creating nothing', async () => {
      const [host, a] = await users(2);
      const course = await insertCourse(t.db, host.id);
      const body = (extra: object) => ({ name: name(), course_id: course, invite_user_ids: [a.id], ...extra });
      const unknown = randomUUID();
      const missing = await call('POST', '/group-runs', host, body({ invite_user_ids: [a.id, unknown] }));
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'USER_NOT_FOUND');
      assert.match(missing.json().message, new RegExp(unknown));
      const self = await call('POST', '/group-runs', host, body({ invite_user_ids: [a.id, host.id.toUpperCase()] }));
      assert.equal(self.statusCode, 422);
      assert.equal(self.json().code, 'CANNOT_INVITE_SELF');
      const five = await users(5);
      for (const bad of [
        { invite_user_ids: [] }, { invite_user_ids: five.map((u) => u.id) }, { invite_user_ids: ['nope'] }, { name: '' }, { name: '   ' },
        { name: 'x'.repeat(31) }, { course_id: 'nope' }, { scheduled_at: new Date(Date.now() - 60_000).toISOString() }, { scheduled_at: 'soon' },
        { scheduled_at: new Date(Date.now() + 400 * 86_400_000).toISOString() },
      ]) {
        const res = await call('POST', '/group-runs', host, body(bad));
        assert.equal(res.statusCode, 422, `${JSON.stringify(bad)}: ${res.body}`);
      }
      const { rows } = await t.db.query('SELECT 1 FROM group_runs WHERE creator_id = $1', [host.id]);
      assert.equal(rows.length, 0);
      assert.deepEqual(await pushes('group_run_invite', [a.id]), []);
    });

    it('counts a repeated invitee once, whatever the case of the id', async () => {
      const [host, a] = await users(2);
      const item = await create(host, [a, { ...a, id: a.id.toUpperCase() }]);
      assert.equal(item.member_count, 2);
      assert.deepEqual(statuses(item), [[host.id, 'accepted'], [a.id, 'invited']]);
    });

    it('shows a group run to its participants only: 404 to anyone else', async () => {
      const [host, a, outsider] = await users(3);
      const item = await create(host, [a]);
      const seen = await call('GET', `/group-runs/${item.id}`, a);
      assert.equal(seen.statusCode, 200);
      assert.equal((seen.json() as Item).my_status, 'invited');
      assert.deepEqual(seen.json(), { ...item, my_status: 'invited' });
      for (const id of [item.id, randomUUID()]) {
        const res = await call('GET', `/group-runs/${id}`, outsider);
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().code, 'NOT_FOUND');
      }
      assert.equal((await call('GET', '/group-runs/not-a-uuid', outsider)).statusCode, 422);
    });

    it('hides the name of a course made private since from those who may no longer see it', async () => {
      const [host, a] = await users(2);
      const item = await create(host, [a]);
      await t.db.query('UPDATE courses SET is_public = false WHERE id = $1', [item.course_id]);
      assert.equal(((await call('GET', `/group-runs/${item.id}`, a)).json() as Item).course_name, null);
      assert.equal(((await call('GET', `/group-runs/${item.id}`, host)).json() as Item).course_name, 'Test course');
    });

    it('lists the group runs I host, am invited to or accepted, newest first, in the app’s envelope', async () => {
      const [me, other, third] = await users(3);
      const hosted = await create(me, [other]);
      const invited = await create(other, [me]);
      const accepted = await create(third, [me, other]);
      assert.equal((await call('POST', `/group-runs/${accepted.id}/accept`, me)).statusCode, 200);
      const notMine = await create(other, [third]);
      // Explicit creation times: the embedded clock may give two requests the same now().
      const times: [string, string][] = [[hosted.id, '2026-01-01T10:00:00Z'], [invited.id, '2026-01-02T10:00:00Z'], [accepted.id, '2026-01-03T10:00:00Z']];
      for (const [id, at] of times) await t.db.query('UPDATE group_runs SET created_at = $2 WHERE id = $1', [id, at]);

      const res = await call('GET', '/group-runs/my', me);
      assert.equal(res.statusCode, 200);
      const list = res.json() as { data: Item[]; total_count: number };
      assert.equal(list.total_count, 3);
      assert.deepEqual(list.data.map((g) => [g.id, g.my_status]), [[accepted.id, 'accepted'], [invited.id, 'invited'], [hosted.id, 'accepted']]);
      assert.ok(!list.data.some((g) => g.id === notMine.id));
      assert.equal(list.data[0]!.members.length, 3);

      const page = (await call('GET', '/group-runs/my?per_page=1&page=1', me)).json() as { data: Item[]; total_count: number };
      assert.deepEqual([page.data.map((g) => g.id), page.total_count], [[invited.id], 3]);
      const onCourse = (await call('GET', `/group-runs/my?course_id=${invited.course_id.toUpperCase()}`, me)).json() as { data: Item[]; total_count: number };
      assert.deepEqual([onCourse.data.map((g) => g.id), onCourse.total_count], [[invited.id], 1]);
      assert.equal((await call('GET', '/group-runs/my?course_id=x', me)).statusCode, 422);
      assert.equal((await call('GET', '/group-runs/my?per_page=101', me)).statusCode, 422);
    });
  });

  describe('answering and inviting', () => {
    it('accepts an invitation once; accepting again answers the same; outsiders get 404', async () => {
      const [host, a, outsider] = await users(3);
      const item = await create(host, [a]);
      const first = await call('POST', `/group-runs/${item.id}/accept`, a);
      assert.equal(first.statusCode, 200);
      assert.equal((first.json() as Item).my_status, 'accepted');
      assert.deepEqual(statuses(first.json() as Item), [[host.id, 'accepted'], [a.id, 'accepted']]);
      const again = await call('POST', `/group-runs/${item.id}/accept`, a);
      assert.equal(again.statusCode, 200);
      assert.deepEqual(again.json(), first.json());
      assert.equal((await call('POST', `/group-runs/${item.id}/accept`, outsider)).statusCode, 404);
      assert.equal((await call('POST', `/group-runs/${randomUUID()}/accept`, a)).statusCode, 404);
    });

    it('declines an invitation: it is gone, and the host may invite again (a new push)', async () => {
      const [host, a, b] = await users(3);
      const item = await create(host, [a, b]);
      const declined = await call('POST', `/group-runs/${item.id}/decline`, a);
      assert.equal(declined.statusCode, 204);
      assert.equal(declined.body, '');
      assert.equal((await call('GET', `/group-runs/${item.id}`, a)).statusCode, 404);
      assert.equal((await call('POST', `/group-runs/${item.id}/decline`, a)).statusCode, 404, 'nothing left to decline');
      const seen = (await call('GET', `/group-runs/${item.id}`, host)).json() as Item;
      assert.deepEqual([seen.member_count, statuses(seen)], [2, [[host.id, 'accepted'], [b.id, 'invited']]]);

      // Invited again a moment later: a new invitation, so a new push.
      await t.db.query("UPDATE push_notifications SET cause_key = cause_key || ':old' WHERE user_id = $1", [a.id]);
      const again = await call('POST', `/group-runs/${item.id}/invite`, host, { user_ids: [a.id] });
      assert.equal(again.statusCode, 200, again.body);
      const { rows } = await t.db.query('SELECT 1 FROM push_notifications WHERE kind = $1 AND user_id = $2', ['group_run_invite', a.id]);
      assert.equal(rows.length, 2);
    });

    it('refuses declining once accepted (leave instead), and the host declining', async () => {
      const [host, a] = await users(2);
      const item = await create(host, [a]);
      await call('POST', `/group-runs/${item.id}/accept`, a);
      for (const who of [a, host]) {
        const res = await call('POST', `/group-runs/${item.id}/decline`, who);
        assert.equal(res.statusCode, 409);
        assert.equal(res.json().code, 'ALREADY_ACCEPTED');
      }
    });

    it('lets the host alone invite more; people already in it stay as they are; no more than 5 participants', async () => {
      const [host, a, b, c, d, e, outsider] = await users(7);
      const item = await create(host, [a]);
      await call('POST', `/group-runs/${item.id}/accept`, a);
      const byMember = await call('POST', `/group-runs/${item.id}/invite`, a, { user_ids: [b.id] });
      assert.equal(byMember.statusCode, 403);
      assert.equal((await call('POST', `/group-runs/${item.id}/invite`, outsider, { user_ids: [b.id] })).statusCode, 404);

      const more = await call('POST', `/group-runs/${item.id}/invite`, host, { user_ids: [a.id, b.id, c.id] });
      assert.equal(more.statusCode, 200, more.body);
      const got = more.json() as Item;
      assert.deepEqual(got.members[0]!.user_id, host.id);
      assert.deepEqual(new Map(statuses(got) as [string, string][]), new Map([[host.id, 'accepted'], [a.id, 'accepted'], [b.id, 'invited'], [c.id, 'invited']]));
      assert.equal(got.member_count, 4);
      assert.deepEqual(await pushes('group_run_invite', [a.id]), [a.id], 'no second push for someone already in it');

      const full = await call('POST', `/group-runs/${item.id}/invite`, host, { user_ids: [d.id, e.id] });
      assert.equal(full.statusCode, 409);
      assert.equal(full.json().code, 'GROUP_RUN_FULL');
      assert.deepEqual(await pushes('group_run_invite', [d.id, e.id]), []);
      assert.equal((await call('POST', `/group-runs/${item.id}/invite`, host, { user_ids: [d.id] })).statusCode, 200);
      const self = await call('POST', `/group-runs/${item.id}/invite`, host, { user_ids: [host.id] });
      assert.equal(self.statusCode, 422);
      const unknown = await call('POST', `/group-runs/${item.id}/invite`, host, { user_ids: [randomUUID()] });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'USER_NOT_FOUND');
      assert.equal((await call('POST', `/group-runs/${item.id}/invite`, host, { user_ids: [] })).statusCode, 422);
    });

    it('refuses answers and invitations once the group run is over', async () => {
      const [host, a, b] = await users(3);
      const item = await create(host, [a]);
      await t.db.query("UPDATE group_runs SET status = 'completed' WHERE id = $1", [item.id]);
      for (const res of [await call('POST', `/group-runs/${item.id}/accept`, a), await call('POST', `/group-runs/${item.id}/invite`, host, { user_ids: [b.id] })]) {
        assert.equal(res.statusCode, 409);
        assert.equal(res.json().code, 'GROUP_RUN_NOT_ACTIVE');
      }
    });

    it('lets a participant leave; the host disbands instead; outsiders get 404', async () => {
      const [host, a, b, outsider] = await users(4);
      const item = await create(host, [a, b]);
      await call('POST', `/group-runs/${item.id}/accept`, a);
      assert.equal((await call('POST', `/group-runs/${item.id}/leave`, a)).statusCode, 204);
      assert.equal((await call('GET', `/group-runs/${item.id}`, a)).statusCode, 404);
      assert.equal((await call('POST', `/group-runs/${item.id}/leave`, b)).statusCode, 204, 'an invitee may leave too');
      const hostLeaves = await call('POST', `/group-runs/${item.id}/leave`, host);
      assert.equal(hostLeaves.statusCode, 409);
      assert.equal(hostLeaves.json().code, 'HOST_CANNOT_LEAVE');
      assert.equal((await call('POST', `/group-runs/${item.id}/leave`, outsider)).statusCode, 404);
      const left = (await call('GET', `/group-runs/${item.id}`, host)).json() as Item;
      assert.deepEqual([left.member_count, statuses(left)], [1, [[host.id, 'accepted']]]);
    });

    it('lets the host alone disband it: participants get 403, outsiders 404; then it is gone for everyone', async () => {
      const [host, a, outsider] = await users(3);
      const item = await create(host, [a]);
      await call('POST', `/group-runs/${item.id}/accept`, a);
      const byMember = await call('DELETE', `/group-runs/${item.id}`, a);
      assert.equal(byMember.statusCode, 403);
      assert.equal((await call('DELETE', `/group-runs/${item.id}`, outsider)).statusCode, 404);
      assert.equal((await call('GET', `/group-runs/${item.id}`, a)).statusCode, 200, 'still there');
      assert.equal((await call('DELETE', `/group-runs/${item.id}`, host)).statusCode, 204);
      for (const who of [host, a]) assert.equal((await call('GET', `/group-runs/${item.id}`, who)).statusCode, 404);
      assert.equal(((await call('GET', '/group-runs/my', a)).json() as { total_count: number }).total_count, 0);
      assert.equal((await call('DELETE', `/group-runs/${item.id}`, host)).statusCode, 404);
    });
  });

  describe('under concurrent requests', () => {
    it('never takes a group run over 5 participants when the host invites several at once', async () => {
      const [host, a, ...others] = await users(8);
      const item = await create(host, [a]);
      const answers = await Promise.all(others.map((u) => call('POST', `/group-runs/${item.id}/invite`, host, { user_ids: [u.id] })));
      const codes = answers.map((r) => r.statusCode).sort();
      assert.deepEqual(codes, [200, 200, 200, 409, 409, 409]);
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM group_run_members WHERE group_run_id = $1', [item.id]);
      assert.equal(rows[0]!.n, 5);
    });

    it('accepts every invitation of a full group run answered at once, none lost', async () => {
      const [host, ...invitees] = await users(5);
      const item = await create(host, invitees);
      const answers = await Promise.all(invitees.map((u) => call('POST', `/group-runs/${item.id}/accept`, u)));
      assert.deepEqual(answers.map((r) => r.statusCode), [200, 200, 200, 200]);
      const final = (await call('GET', `/group-runs/${item.id}`, host)).json() as Item;
      assert.equal(final.member_count, 5);
      assert.ok(final.members.every((m) => m.status === 'accepted'));
    });
  });

  describe('pushes and reminders', () => {
    it('each group-run push kind can be turned off', async () => {
      const [host, a, b] = await users(3);
      const settings = (await call('GET', '/notifications/settings', a)).json() as Record<string, boolean>;
      for (const kind of ['group_run_invite', 'group_run_reminder']) assert.equal(settings[kind], true, kind);
      assert.equal((await call('PATCH', '/notifications/settings', a, { group_run_invite: false })).statusCode, 200);
      assert.equal((await call('PATCH', '/notifications/settings', host, { group_run_reminder: false })).statusCode, 200);
      const item = await create(host, [a, b], { scheduled_at: new Date(Date.now() + 3 * 3600_000).toISOString() });
      assert.deepEqual(await pushes('group_run_invite', [a.id, b.id]), [b.id]);
      await call('POST', `/group-runs/${item.id}/accept`, a);
      await call('POST', `/group-runs/${item.id}/accept`, b);
      const job = await reminderJob(item.id);
      assert.equal(await sendGroupRunReminder(t.app.deps, job.data), 3);
      assert.deepEqual(await pushes('group_run_reminder', [host.id, a.id, b.id]), sorted([a.id, b.id]), 'not to the host, who turned it off');
    });

    const reminderJob = async (groupRunId: string) => {
      const { rows } = await t.db.query<{ data: ReminderJob; start_after: Date }>(
        "SELECT data, start_after FROM pgboss.job WHERE name = $1 AND data->>'groupRunId' = $2",
        [GROUP_RUN_REMINDER_JOB, groupRunId],
      );
      assert.equal(rows.length, 1, 'one reminder job');
      return rows[0]!;
    };

    it(`schedules a reminder job ${REMINDER_MINUTES} minutes before scheduled_at, to those who accepted by then`, async () => {
      const [host, a, b, c] = await users(4);
      const at = new Date(Date.now() + 5 * 3600_000);
      at.setMilliseconds(0);
      const item = await create(host, [a, b, c], { scheduled_at: at.toISOString() });
      assert.equal(item.scheduled_at, at.toISOString());
      const job = await reminderJob(item.id);
      assert.equal(job.start_after.getTime(), at.getTime() - REMINDER_MINUTES * 60_000);
      assert.deepEqual(job.data, { groupRunId: item.id, scheduledAt: at.toISOString() });

      await call('POST', `/group-runs/${item.id}/accept`, a);
      await call('POST', `/group-runs/${item.id}/accept`, b);
      assert.equal((await call('POST', `/group-runs/${item.id}/leave`, b)).statusCode, 204);
      assert.equal(await sendGroupRunReminder(t.app.deps, job.data), 2);
      assert.deepEqual(await pushes('group_run_reminder', [host.id, a.id, b.id, c.id]), sorted([host.id, a.id]), 'not the one who left nor the one who never accepted');
      assert.equal(await sendGroupRunReminder(t.app.deps, job.data), 2);
      assert.equal((await pushes('group_run_reminder', [host.id, a.id])).length, 2, 'a retried job reminds nobody twice');
    });

    it('sends no reminder for a disbanded group run, nor for one without a time', async () => {
      const [host, a] = await users(2);
      const item = await create(host, [a], { scheduled_at: new Date(Date.now() + 3600_000).toISOString() });
      const job = await reminderJob(item.id);
      assert.equal((await call('DELETE', `/group-runs/${item.id}`, host)).statusCode, 204);
      assert.equal(await sendGroupRunReminder(t.app.deps, job.data), 0);
      assert.deepEqual(await pushes('group_run_reminder', [host.id]), []);

      const unscheduled = await create(host, [a]);
      const { rows } = await t.db.query("SELECT 1 FROM pgboss.job WHERE name = $1 AND data->>'groupRunId' = $2", [GROUP_RUN_REMINDER_JOB, unscheduled.id]);
      assert.equal(rows.length, 0);
    });
  });

  describe('account deletion', () => {
    it('takes a deleted host’s group runs with them, and a deleted participant’s place only', async () => {
      const [host, a, b] = await users(3);
      const hosted = await create(host, [a, b]);
      const joined = await create(b, [host, a]);
      await call('POST', `/group-runs/${joined.id}/accept`, host);
      assert.equal((await call('DELETE', '/users/me', host)).statusCode, 204);
      assert.equal((await call('GET', `/group-runs/${hosted.id}`, a)).statusCode, 404);
      const kept = (await call('GET', `/group-runs/${joined.id}`, a)).json() as Item;
      assert.deepEqual([kept.member_count, statuses(kept)], [2, [[b.id, 'accepted'], [a.id, 'invited']]]);
    });
  });
});

// Its own app with workers, once the other is closed: the embedded database is one session, so never two apps at once.
describe('group-run reminders in a worker', () => {
  it('runs the reminder job when it falls due', async () => {
    const t = await createTestApp({ RUN_WORKERS: 'true', JOB_POLL_SECONDS: '0.5' });
    try {
      const [host, a] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
      for (const u of [host, a]) await t.db.query(`INSERT INTO device_tokens (user_id, device_token, platform) VALUES ($1, $2, 'ios')`, [u.id, `token-${u.id}`]);
      const course = await insertCourse(t.db, host.id);
      // Planned in 10 minutes: the reminder is due at once.
      const res = await t.app.inject({
        method: 'POST', url: '/api/v1/group-runs', headers: host.auth,
        payload: { name: 'Soon', course_id: course, invite_user_ids: [a.id], scheduled_at: new Date(Date.now() + 10 * 60_000).toISOString() },
      });
      assert.equal(res.statusCode, 201, res.body);
      const { rows } = await t.db.query<{ id: string }>("SELECT id FROM pgboss.job WHERE name = $1 AND data->>'groupRunId' = $2", [GROUP_RUN_REMINDER_JOB, res.json().id]);
      assert.equal((await waitForJob(t.db, GROUP_RUN_REMINDER_JOB, rows[0]!.id)).state, 'completed');
      const sent = await t.db.query<{ user_id: string }>("SELECT user_id FROM push_notifications WHERE kind = 'group_run_reminder' AND user_id = ANY($1)", [[host.id, a.id]]);
      assert.deepEqual(sent.rows.map((r) => r.user_id), [host.id], 'the host accepted; the invitee had not yet');
    } finally {
      await t.close();
    }
  });
});
