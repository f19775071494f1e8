// Every crew role tries every crew action, each on a crew of its own: owner, admin, member and outsider on a
// public crew (and the reads on a crew that is not public). The expected outcomes are written out here, not read
// from src/features/crews/permissions.ts, so a change to that table fails this test until both agree.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { insertCourse } from './helpers/run-records.js';
import { PERMISSIONS, type CrewAction } from '../src/features/crews/permissions.js';

type Who = 'owner' | 'admin' | 'member' | 'outsider';
const WHO: Who[] = ['owner', 'admin', 'member', 'outsider'];

interface World {
  crewId: string;
  users: Record<Who, TestUser>;
  /** a grade-1 member any manager may act on */
  target: TestUser;
  /** a pending join request */
  requestId: string;
  /** a public course of the owner's */
  courseId: string;
  /** the crew's active challenge, when the case asks for one */
  challengeId: string | null;
}

interface Case {
  action: CrewAction;
  label: string;
  request: (w: World) => { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; body?: object };
  /** status when allowed, per caller; absent: refused (403, 404 or 409) and nothing changes */
  allowed: Partial<Record<Who, number>>;
  crew?: { is_public?: boolean; requires_approval?: boolean };
  /** the crew has an active challenge */
  challenge?: boolean;
}

const managers = (status: number) => ({ owner: status, admin: status });
const everyone = (status: number) => ({ owner: status, admin: status, member: status, outsider: status });
const members = (status: number) => ({ owner: status, admin: status, member: status });

const CASES: Case[] = [
  { action: 'read', label: 'crew detail', request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}` }), allowed: everyone(200) },
  { action: 'read', label: 'members', request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}/members` }), allowed: everyone(200) },
  { action: 'read', label: 'my join request', request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}/join-requests/my` }), allowed: everyone(200) },
  { action: 'read', label: 'hidden crew detail', crew: { is_public: false }, request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}` }), allowed: members(200) },
  { action: 'read', label: 'hidden crew members', crew: { is_public: false }, request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}/members` }), allowed: members(200) },
  { action: 'edit', label: 'edit', request: (w) => ({ method: 'PATCH', url: `/crews/${w.crewId}`, body: { description: 'changed' } }), allowed: managers(200) },
  { action: 'delete', label: 'delete', request: (w) => ({ method: 'DELETE', url: `/crews/${w.crewId}` }), allowed: { owner: 204 } },
  { action: 'join', label: 'join', request: (w) => ({ method: 'POST', url: `/crews/${w.crewId}/join` }), allowed: { outsider: 200 } },
  { action: 'join', label: 'ask to join', crew: { requires_approval: true }, request: (w) => ({ method: 'POST', url: `/crews/${w.crewId}/join-requests`, body: {} }), allowed: { outsider: 201 } },
  { action: 'join', label: 'join a hidden crew', crew: { is_public: false }, request: (w) => ({ method: 'POST', url: `/crews/${w.crewId}/join` }), allowed: {} },
  // The owner of a crew with other members hands it over first.
  { action: 'leave', label: 'leave', request: (w) => ({ method: 'POST', url: `/crews/${w.crewId}/leave` }), allowed: { admin: 204, member: 204 } },
  { action: 'invite', label: 'invite', request: () => ({ method: 'POST', url: '', body: {} }), allowed: managers(201) },
  { action: 'review_requests', label: 'list requests', request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}/join-requests` }), allowed: managers(200) },
  { action: 'review_requests', label: 'count requests', request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}/join-requests/count` }), allowed: managers(200) },
  { action: 'review_requests', label: 'approve', request: (w) => ({ method: 'PATCH', url: `/crews/${w.crewId}/join-requests/${w.requestId}/approve` }), allowed: managers(200) },
  { action: 'review_requests', label: 'reject', request: (w) => ({ method: 'PATCH', url: `/crews/${w.crewId}/join-requests/${w.requestId}/reject` }), allowed: managers(204) },
  { action: 'manage_members', label: 'remove a member', request: (w) => ({ method: 'DELETE', url: `/crews/${w.crewId}/members/${w.target.id}` }), allowed: managers(204) },
  { action: 'manage_members', label: 'change a grade', request: (w) => ({ method: 'PATCH', url: `/crews/${w.crewId}/members/${w.target.id}/grade`, body: { grade_level: 2 } }), allowed: managers(200) },
  { action: 'change_role', label: 'make an admin', request: (w) => ({ method: 'PATCH', url: `/crews/${w.crewId}/members/${w.target.id}/role`, body: { role: 'admin' } }), allowed: { owner: 200 } },
  { action: 'view_stats', label: 'management stats', request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}/management/stats` }), allowed: managers(200) },
  { action: 'read', label: 'weekly ranking', request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}/weekly-ranking` }), allowed: everyone(200) },
  { action: 'read', label: 'active courses', request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}/active-courses` }), allowed: everyone(200) },
  { action: 'manage_challenges', label: 'start a challenge', request: (w) => ({ method: 'POST', url: `/crews/${w.crewId}/challenges`, body: { course_id: w.courseId } }), allowed: managers(201) },
  { action: 'manage_challenges', label: 'end a challenge', challenge: true, request: (w) => ({ method: 'POST', url: `/crews/${w.crewId}/challenges/${w.challengeId}/end` }), allowed: managers(200) },
  { action: 'read', label: 'active challenge', challenge: true, request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}/challenges/active` }), allowed: everyone(200) },
  { action: 'read', label: 'challenge history', request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}/challenges/history` }), allowed: everyone(200) },
  { action: 'read', label: 'hidden crew active challenge', crew: { is_public: false }, challenge: true, request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}/challenges/active` }), allowed: members(200) },
  { action: 'read', label: 'hidden crew challenge history', crew: { is_public: false }, request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}/challenges/history` }), allowed: members(200) },
  { action: 'chat', label: 'read the chat', request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}/chat/messages` }), allowed: members(200) },
  { action: 'chat', label: 'send to the chat', request: (w) => ({ method: 'POST', url: `/crews/${w.crewId}/chat/messages`, body: { content: 'hello' } }), allowed: members(201) },
  { action: 'chat', label: 'mark the chat read', request: (w) => ({ method: 'POST', url: `/crews/${w.crewId}/chat/read` }), allowed: members(200) },
  { action: 'chat', label: 'hidden crew chat', crew: { is_public: false }, request: (w) => ({ method: 'GET', url: `/crews/${w.crewId}/chat/messages` }), allowed: members(200) },
  { action: 'change_role', label: 'hand over', request: (w) => ({ method: 'PATCH', url: `/crews/${w.crewId}/members/${w.target.id}/role`, body: { role: 'owner' } }), allowed: { owner: 200 } },
];

describe('crew permissions: every role on every action', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  async function world(crew: Case['crew'] = {}, challenge = false): Promise<World> {
    const [owner, admin, member, outsider, target, asker] = await Promise.all(Array.from({ length: 6 }, () => createUser(t.db, t.config)));
    const res = await t.app.inject({
      method: 'POST', url: '/api/v1/crews', headers: owner!.auth,
      payload: { name: `Perm ${randomUUID().slice(0, 8)}`, ...crew },
    });
    assert.equal(res.statusCode, 201, res.body);
    const crewId = (res.json() as { id: string }).id;
    for (const [u, grade] of [[admin!, 4], [member!, 2], [target!, 1]] as const) {
      await t.db.query('INSERT INTO crew_members (crew_id, user_id, grade_level) VALUES ($1, $2, $3)', [crewId, u.id, grade]);
    }
    const { rows } = await t.db.query<{ id: string }>('INSERT INTO crew_join_requests (crew_id, user_id) VALUES ($1, $2) RETURNING id', [crewId, asker!.id]);
    const courseId = await insertCourse(t.db, owner!.id);
    const challengeId = challenge
      ? (await t.db.query<{ id: string }>('INSERT INTO crew_challenges (crew_id, course_id, created_by) VALUES ($1, $2, $3) RETURNING id', [crewId, courseId, owner!.id])).rows[0]!.id
      : null;
    return {
      crewId, users: { owner: owner!, admin: admin!, member: member!, outsider: outsider! }, target: target!, requestId: rows[0]!.id, courseId, challengeId,
    };
  }

  /** What a refused action must leave as it was. */
  const snapshot = async (w: World) =>
    (
      await t.db.query(
        `SELECT (SELECT json_agg(m ORDER BY m.user_id) FROM crew_members m WHERE m.crew_id = $1) AS members,
                (SELECT json_agg(r ORDER BY r.id) FROM crew_join_requests r WHERE r.crew_id = $1) AS requests,
                (SELECT json_agg(ch ORDER BY ch.id) FROM crew_challenges ch WHERE ch.crew_id = $1) AS challenges,
                (SELECT json_agg(cm ORDER BY cm.id) FROM crew_messages cm WHERE cm.crew_id = $1) AS messages,
                (SELECT json_agg(cr ORDER BY cr.user_id) FROM crew_message_reads cr WHERE cr.crew_id = $1) AS reads,
                (SELECT to_jsonb(c) - 'last_activity_at' FROM crews c WHERE c.id = $1) AS crew`,
        [w.crewId],
      )
    ).rows[0];

  it('has a case for every action', () => {
    const covered = new Set(CASES.map((c) => c.action));
    const untested = Object.keys(PERMISSIONS).filter((a) => !covered.has(a as CrewAction));
    assert.deepEqual(untested, []);
  });

  for (const c of CASES) {
    for (const who of WHO) {
      const expected = c.allowed[who];
      it(`${who}: ${c.label} → ${expected ?? 'refused'}`, async () => {
        const w = await world(c.crew, c.challenge);
        const caller = w.users[who];
        let r = c.request(w);
        if (c.action === 'invite') {
          const invitee = await createUser(t.db, t.config);
          const { rows } = await t.db.query<{ user_code: string }>('SELECT user_code FROM users WHERE id = $1', [invitee.id]);
          r = { method: 'POST', url: `/crews/${w.crewId}/invite`, body: { user_code: rows[0]!.user_code } };
        }
        const before = await snapshot(w);
        const res = await t.app.inject({ method: r.method, url: `/api/v1${r.url}`, headers: caller.auth, ...(r.body ? { payload: r.body } : {}) });
        if (expected !== undefined) {
          assert.equal(res.statusCode, expected, res.body);
        } else {
          assert.ok([403, 404, 409].includes(res.statusCode), `${res.statusCode} ${res.body}`);
          assert.deepEqual(await snapshot(w), before, 'a refused action changes nothing');
        }
      });
    }
  }
});
