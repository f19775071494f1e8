// The authorisation matrix: every route of the server, classified, with what an attacker tries on the owner's
// objects and what must hold afterwards. Routes are listed from the server itself (its router and its OpenAPI
// document), so a route added without an entry here fails test/authz-matrix.test.ts with its name.
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import yauzl from 'yauzl';
import { buildUserExport } from '../../src/features/exports/service.js';
import type { Queryable } from '../../src/infra/db/database.js';
import { chunksOf, completionOf } from './runs.js';
import { simulateRun } from './tracks.js';
import { createUser, type TestUser } from './users.js';
import { runOver, send, type Attacker, type Owner, type Request } from './authz-world.js';

/**
 * - public: answers without a token (the attacker and anonymous callers are probed);
 * - shared-read: any signed-in user reads what others may see; private objects are 404;
 * - own-read: the caller's own data only: someone else's object is 404, a list never holds another user's objects;
 * - owner-only: changes an object only its owner may change: 403 (visible) or 404 (private), and nothing changes;
 * - self: acts on the caller's own account; whatever it is given, only rows of the caller change;
 * - open: any signed-in user may act on another's visible object (follow, like, review, join); only the caller's
 *   rows change, and private objects are 404 with nothing changed;
 * - admin: administrators only (users.is_admin): the attacker, who is none, gets 403 whatever the object, and nothing
 *   changes.
 */
export type RouteClass = 'public' | 'shared-read' | 'own-read' | 'owner-only' | 'self' | 'open' | 'admin';

export interface World {
  app: FastifyInstance;
  owner: Owner;
  attacker: Attacker;
  /** a small JPEG to upload */
  image: Buffer;
  /** other owners, whose private data must not leak either */
  others: Owner[];
}

export interface Probe extends Omit<Request, 'method' | 'url'> {
  label: string;
  params?: Record<string, string>;
  /** who sends it: the attacker (default), nobody, or a new account made for this probe */
  as?: 'attacker' | 'anonymous' | 'fresh';
  expect: number[];
  /** 'none': no row of any table may change (pgboss aside); 'mine': only rows the caller owns may change */
  effect: 'none' | 'mine';
  /** puts the caller in the state the probe needs (runs before the snapshot); may return path parameters */
  prepare?: (caller: TestUser) => Promise<unknown>;
  /** a further check of the answer; returns what is wrong */
  check?: (body: unknown) => string | undefined;
}

export interface RouteEntry {
  class: RouteClass;
  probes: (w: World) => Probe[];
}

const read = (label: string, extra: Partial<Probe> = {}): Probe => ({ label, expect: [200], effect: 'none', ...extra });
/** A visible object of someone else: 403 or 404. */
const refused = (label: string, params: Record<string, string>, extra: Partial<Probe> = {}): Probe => ({
  label, params, expect: [403, 404], effect: 'none', ...extra,
});
/** A private object of someone else, or one the caller has no part in: 404. */
const hidden = (label: string, params: Record<string, string>, extra: Partial<Probe> = {}): Probe => ({
  label, params, expect: [404], effect: 'none', ...extra,
});
const mine = (label: string, expect: number[], extra: Partial<Probe> = {}): Probe => ({ label, expect, effect: 'mine', ...extra });
const anonymous = (p: Probe): Probe => ({ ...p, as: 'anonymous', label: `${p.label} (no token)` });
/** An administrators' route: 403 for a non-administrator, existing object or not. */
const adminOnly = (label: string, extra: Partial<Probe> = {}): Probe => ({ label, expect: [403], effect: 'none', ...extra });

/** The owner's private courses: one always private, one I used while it was public. */
const privateCourses = (w: World) => [
  ['private course', w.owner.privateCourse],
  ['course made private since I used it', w.owner.turnedPrivate],
] as const;
const hiddenCourses = (w: World, extra: Partial<Probe> = {}, verb = '') =>
  privateCourses(w).map(([label, id]) => hidden(`${verb}${label}`, { course_id: id }, extra));
const courseReads = (w: World, extra: Partial<Probe> = {}) => [
  read('public course', { params: { course_id: w.owner.publicCourse }, ...extra }),
  ...hiddenCourses(w, extra),
];
/** The caller has not joined the owner's open challenge. */
const outOfChallenge = (w: World) => (caller: TestUser) =>
  sql(w, 'DELETE FROM challenge_participants WHERE challenge_id = $1 AND user_id = $2', [w.owner.goalChallenges.open, caller.id]);
/** The caller takes no part in the owner's group run, or is in it with this status. */
const outOfGroupRun = (w: World) => (caller: TestUser) =>
  sql(w, 'DELETE FROM group_run_members WHERE group_run_id = $1 AND user_id = $2', [w.owner.groupRun, caller.id]);
const inGroupRun = (w: World, status: 'invited' | 'accepted') => (caller: TestUser) =>
  sql(w, 'INSERT INTO group_run_members (group_run_id, user_id, status) VALUES ($1, $2, $3) ON CONFLICT (group_run_id, user_id) DO UPDATE SET status = $3', [
    w.owner.groupRun, caller.id, status,
  ]);
/** The caller takes no part in the owner's open live group run, or takes part in it. */
const outOfLiveRun = (w: World) => (caller: TestUser) =>
  sql(w, 'DELETE FROM live_group_run_participants WHERE live_group_run_id = $1 AND user_id = $2', [w.owner.liveRuns.open, caller.id]);
const inLiveRun = (w: World) => (caller: TestUser) =>
  sql(w, 'INSERT INTO live_group_run_participants (live_group_run_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [w.owner.liveRuns.open, caller.id]);
/** My own run on the course its owner made private since. */
const myRunOnTurned = (w: World) => w.owner.audienceRuns[w.attacker.user.id]!;
const eachRun = (w: World, extra: Partial<Probe> = {}) =>
  Object.entries(w.owner.runs).map(([name, id]) => hidden(`run ${name}`, { run_id: id }, extra));
const eachSession = (w: World, extra: Partial<Probe> = {}) =>
  [w.owner.sessions.active, ...w.owner.sessions.finished].map((id, i) => hidden(i === 0 ? 'active session' : `finished session ${i}`, { session_id: id }, extra));

const sql = (w: World, text: string, values: unknown[]) => w.app.deps.db.query(text, values);
const sample = () => simulateRun({ path: [[0, 0], [300, 0]], speed: 3, startTime: Date.now() - 600_000 }).points;
const chunk = () => chunksOf(sample())[0]!;
/** A box around the owner's private course, `span` degrees wide and high (the map routes bound their boxes). */
const around = (w: World, span: number) => ({
  sw_lat: w.owner.privateStart.lat - span / 2, sw_lng: w.owner.privateStart.lng - span / 2,
  ne_lat: w.owner.privateStart.lat + span / 2, ne_lng: w.owner.privateStart.lng + span / 2,
});
const near = (w: World) => ({ lat: w.owner.privateStart.lat, lng: w.owner.privateStart.lng, radius: 50_000, limit: 50 });
const newEvent = (courseId: string) => ({
  title: 'attacker event', course_id: courseId,
  starts_at: new Date(Date.now() + 3600_000).toISOString(), ends_at: new Date(Date.now() + 7200_000).toISOString(),
});
const followOwner = (w: World) => (caller: TestUser) =>
  sql(w, 'INSERT INTO follows (follower_id, following_id) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND following_id = $2)', [caller.id, w.owner.user.id]);
/**
 * Only this row between the caller and the owner: none, the caller's or the owner's pending request, or a friendship
 * (made directly, so no push is involved). Returns the row's id as `request_id`.
 */
const withOwner = (w: World, state: 'none' | 'caller-asked' | 'owner-asked' | 'friends') => async (caller: TestUser) => {
  const [me, owner] = [caller.id, w.owner.user.id];
  await sql(w, 'DELETE FROM friendships WHERE (requester_id = $1 AND recipient_id = $2) OR (requester_id = $2 AND recipient_id = $1)', [me, owner]);
  if (state === 'none') return undefined;
  const [from, to] = state === 'owner-asked' ? [owner, me] : [me, owner];
  const friends = state === 'friends';
  const { rows } = await sql(w, 'INSERT INTO friendships (requester_id, recipient_id, status, accepted_at) VALUES ($1, $2, $3, $4) RETURNING id', [
    from, to, friends ? 'accepted' : 'pending', friends ? new Date() : null,
  ]);
  return { request_id: rows[0]!.id as string };
};
const field = (key: string, expected: unknown) => (body: unknown) =>
  (body as Record<string, unknown> | null)?.[key] === expected ? undefined : `${key} should be ${String(expected)}`;
const absent = (key: string) => (body: unknown) =>
  body && typeof body === 'object' && !(key in body) ? undefined : `${key} should be left out`;

/** Every route of the server, by `METHOD /path/{param}` as the OpenAPI document names it. */
export const ROUTES: Record<string, RouteEntry> = {
  // ---- outside /api/v1
  'GET /health': { class: 'public', probes: () => [anonymous(read('liveness'))] },
  'GET /health/ready': { class: 'public', probes: () => [anonymous(read('readiness'))] },
  // The web pages (src/features/web): what the API's reads show, to the session's user or to nobody.
  'GET /': { class: 'public', probes: () => [anonymous(read('the course explorer'))] },
  'GET /courses/{course_id}': { class: 'public', probes: (w) => [...courseReads(w), ...courseReads(w).map(anonymous)] },
  'GET /users/{user_id}': {
    class: 'public',
    probes: (w) => [read("the owner's public profile", { params: { user_id: w.owner.user.id } })].flatMap((p) => [p, anonymous(p)]),
  },
  'GET /crews/{crew_id}': {
    class: 'public',
    probes: (w) =>
      [read("the owner's open crew", { params: { crew_id: w.owner.crews.open } }), hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden })]
        .flatMap((p) => [p, anonymous(p)]),
  },
  'GET /events/{event_id}': {
    class: 'public',
    probes: (w) =>
      [
        read("the owner's event", { params: { event_id: w.owner.event } }),
        read("the owner's event on a course made private since", { params: { event_id: w.owner.turnedEvent } }),
      ].flatMap((p) => [p, anonymous(p)]),
  },
  // The web login: the providers' flows (none configured here: 404) and log out, which needs the session's CSRF token.
  'GET /login': { class: 'public', probes: () => [read('the login page'), anonymous(read('the login page'))] },
  'GET /auth/{provider}/start': {
    class: 'public',
    probes: () => [read('a web login start', { params: { provider: 'kakao' }, expect: [302, 404] })],
  },
  'GET /auth/{provider}/callback': {
    class: 'public',
    probes: () => [read('a web login callback without its state cookie', { params: { provider: 'kakao' }, expect: [400, 404] })],
  },
  'POST /logout': { class: 'public', probes: () => [read('log out without a session or CSRF token', { expect: [403] })] },
  // The live view and its socket take the web session cookie only: a bearer token is nobody there.
  'GET /live/{live_group_run_id}': {
    class: 'public',
    probes: (w) => [read("the owner's live group run", { params: { live_group_run_id: w.owner.liveRuns.open }, expect: [401] })].flatMap((p) => [p, anonymous(p)]),
  },
  'GET /live/{live_group_run_id}/watch': {
    class: 'public',
    // No Origin header of ours: refused before anything else (cross-site WebSocket hijacking).
    probes: (w) => [refused("the spectator socket of the owner's live group run", { live_group_run_id: w.owner.liveRuns.open }, { expect: [403] })],
  },
  'GET /group-runs/{group_run_id}': {
    class: 'public',
    probes: (w) => [
      hidden("the owner's group run", { group_run_id: w.owner.groupRun }, { prepare: outOfGroupRun(w) }),
      anonymous(hidden("the owner's group run", { group_run_id: w.owner.groupRun })),
    ],
  },

  // ---- auth: how a client gets a token
  'POST /api/v1/auth/login': {
    class: 'public',
    probes: () => [anonymous({ label: 'a forged Apple token', body: { provider: 'apple', token: 'not-a-jwt' }, expect: [401], effect: 'none' })],
  },
  'POST /api/v1/auth/dev-login': {
    class: 'public',
    probes: () => [anonymous({ label: 'dev login (off)', body: { nickname: 'intruder', email: 'x@authz.test' }, expect: [400], effect: 'none' })],
  },
  'POST /api/v1/auth/refresh': {
    class: 'public',
    probes: () => [anonymous({ label: 'a made-up refresh token', body: { refresh_token: randomUUID() }, expect: [401], effect: 'none' })],
  },
  'POST /api/v1/auth/logout': {
    class: 'public',
    probes: () => [anonymous({ label: 'a made-up refresh token', body: { refresh_token: randomUUID() }, expect: [204], effect: 'none' })],
  },

  // ---- notifications
  'POST /api/v1/notifications/token': {
    class: 'self',
    probes: () => [mine('a device of my own', [201], { body: { device_token: `attacker-${randomUUID()}`, platform: 'android' } })],
  },
  'DELETE /api/v1/notifications/token': {
    class: 'self',
    probes: (w) => [{ label: "the owner's device token", body: { device_token: w.owner.deviceToken, platform: 'ios' }, expect: [200], effect: 'none' }],
  },
  'GET /api/v1/notifications/settings': {
    class: 'own-read',
    // The owner turned course_review off; the attacker never does.
    probes: () => [read('my settings', { check: field('course_review', true) })],
  },
  'PATCH /api/v1/notifications/settings': {
    class: 'self',
    probes: () => [mine('turn a kind off', [200], { body: { event_reminder: false } })],
  },

  // ---- users
  'POST /api/v1/uploads/avatar': {
    class: 'self',
    probes: (w) => [
      mine("replace an avatar that points at the owner's file", [200], {
        prepare: (caller) => sql(w, 'UPDATE users SET avatar_url = $1 WHERE id = $2', [w.owner.avatarUrl, caller.id]),
        file: { filename: 'me.jpg', type: 'image/jpeg', data: w.image },
      }),
    ],
  },
  'GET /api/v1/users/me': { class: 'own-read', probes: () => [read('my account')] },
  'DELETE /api/v1/users/me': {
    class: 'self',
    probes: (w) => [
      mine('delete an account that follows, likes, joined and shows the owner’s avatar', [204], {
        as: 'fresh',
        prepare: async (caller) => {
          await sql(w, 'UPDATE users SET avatar_url = $1 WHERE id = $2', [w.owner.avatarUrl, caller.id]);
          await sql(w, 'INSERT INTO follows (follower_id, following_id) VALUES ($1, $2)', [caller.id, w.owner.user.id]);
          await sql(w, 'INSERT INTO course_likes (user_id, course_id) VALUES ($1, $2)', [caller.id, w.owner.publicCourse]);
          await sql(w, 'INSERT INTO event_participants (event_id, user_id) VALUES ($1, $2)', [w.owner.event, caller.id]);
        },
      }),
    ],
  },
  'POST /api/v1/users/me/profile': {
    class: 'self',
    probes: () => [mine('onboarding', [201, 409], { body: { nickname: `a${randomUUID().slice(0, 8)}` } })],
  },
  'PATCH /api/v1/users/me/profile': {
    class: 'self',
    probes: (w) => [mine("my profile, showing the owner's avatar", [200], { body: { bio: 'attacker', avatar_url: w.owner.avatarUrl } })],
  },
  'GET /api/v1/users/me/social-counts': { class: 'own-read', probes: () => [read('my counts')] },
  'DELETE /api/v1/users/me/account': {
    class: 'self',
    probes: (w) => [
      mine('delete an account (the newer app’s path) that follows the owner and checked in', [200], {
        as: 'fresh',
        prepare: async (caller) => {
          await sql(w, 'INSERT INTO follows (follower_id, following_id) VALUES ($1, $2)', [caller.id, w.owner.user.id]);
          await send(w.app, caller, { method: 'POST', url: '/api/v1/users/me/daily-checkin' });
        },
      }),
    ],
  },
  'PUT /api/v1/users/me/consent': {
    class: 'self',
    probes: () => [mine('my consents', [200], { body: { terms: true, privacy: true, location: true, contacts: true, marketing: false } })],
  },
  'POST /api/v1/users/me/daily-checkin': { class: 'self', probes: () => [mine('my check-in', [200])] },
  'GET /api/v1/users/me/analytics': { class: 'own-read', probes: () => [read('my charts')] },
  'PATCH /api/v1/users/me/weekly-goal': { class: 'self', probes: () => [mine('my weekly goal', [200], { body: { goal_km: 40 } })] },
  'GET /api/v1/users/search': {
    class: 'shared-read',
    probes: (w) => [read("users named like the owner's friend", { query: { q: w.owner.friend.nickname } })],
  },
  'GET /api/v1/leaderboard/weekly': {
    class: 'shared-read',
    probes: () => [read('this week', { query: { per_page: 100 } }), read('this week in KR', { query: { country: 'KR' } })],
  },
  'GET /api/v1/users/{user_id}/profile': {
    class: 'shared-read',
    probes: (w) => [read("the owner's public profile", { params: { user_id: w.owner.user.id } })],
  },

  // ---- follows
  'POST /api/v1/users/{user_id}/follow': {
    class: 'open',
    probes: (w) => [
      mine('follow the owner', [201], {
        params: { user_id: w.owner.user.id },
        prepare: (caller) => sql(w, 'DELETE FROM follows WHERE follower_id = $1 AND following_id = $2', [caller.id, w.owner.user.id]),
      }),
    ],
  },
  'DELETE /api/v1/users/{user_id}/follow': {
    class: 'open',
    probes: (w) => [
      hidden("the owner's follow of their friend", { user_id: w.owner.friend.id }),
      mine('unfollow the owner', [204], { params: { user_id: w.owner.user.id }, prepare: followOwner(w) }),
    ],
  },
  'GET /api/v1/users/{user_id}/followers': { class: 'shared-read', probes: (w) => [read("the owner's followers", { params: { user_id: w.owner.user.id } })] },
  'GET /api/v1/users/{user_id}/following': { class: 'shared-read', probes: (w) => [read('whom the owner follows', { params: { user_id: w.owner.user.id } })] },
  'GET /api/v1/users/{user_id}/follow-status': { class: 'shared-read', probes: (w) => [read('do I follow the owner', { params: { user_id: w.owner.user.id } })] },
  // The owner has a Strava run: the totals found by code leave it out.
  'GET /api/v1/follows/search-by-code/{user_code}': {
    class: 'shared-read',
    probes: (w) => [read("the owner, by their code", { params: { user_code: w.owner.userCode } })],
  },
  'POST /api/v1/follows/by-code': {
    class: 'open',
    probes: (w) => [
      mine('follow the owner by their code', [201], {
        body: { user_code: w.owner.userCode },
        prepare: (caller) => sql(w, 'DELETE FROM follows WHERE follower_id = $1 AND following_id = $2', [caller.id, w.owner.user.id]),
      }),
    ],
  },
  // ---- friends (a request or friendship is its two users'; anyone else is told 404)
  'POST /api/v1/friend-requests/{user_id}': {
    class: 'open',
    probes: (w) => [mine('ask the owner to be friends', [201], { params: { user_id: w.owner.user.id }, prepare: withOwner(w, 'none') })],
  },
  'PATCH /api/v1/friend-requests/{request_id}/accept': {
    class: 'owner-only',
    probes: (w) => [
      hidden("the owner's request to someone else", { request_id: w.owner.friendships.pending }),
      refused('my own request to the owner', {}, { prepare: withOwner(w, 'caller-asked') }),
    ],
  },
  'PATCH /api/v1/friend-requests/{request_id}/decline': {
    class: 'owner-only',
    probes: (w) => [
      hidden("the owner's request to someone else", { request_id: w.owner.friendships.pending }),
      refused('my own request to the owner', {}, { prepare: withOwner(w, 'caller-asked') }),
    ],
  },
  'DELETE /api/v1/friend-requests/{request_id}': {
    class: 'owner-only',
    probes: (w) => [
      hidden("the owner's request to someone else", { request_id: w.owner.friendships.pending }),
      hidden("the owner's friendship", { request_id: w.owner.friendships.withFriend }),
      refused("the owner's request to me", {}, { prepare: withOwner(w, 'owner-asked') }),
    ],
  },
  'DELETE /api/v1/friends/{user_id}': {
    class: 'self',
    probes: (w) => [
      mine("unfriend the owner's friend (I am not theirs): nothing changes", [204], { params: { user_id: w.owner.friend.id } }),
      mine('unfriend the owner', [204], { params: { user_id: w.owner.user.id }, prepare: withOwner(w, 'friends') }),
    ],
  },
  'GET /api/v1/friend-requests/received': { class: 'own-read', probes: (w) => [read('requests I received', { prepare: withOwner(w, 'owner-asked') })] },
  'GET /api/v1/friend-requests/sent': { class: 'own-read', probes: () => [read('requests I sent')] },
  'GET /api/v1/friend-requests/pending-count': { class: 'own-read', probes: () => [read('my badge')] },
  'GET /api/v1/friends': { class: 'own-read', probes: (w) => [read('my friends', { prepare: withOwner(w, 'friends') })] },
  'GET /api/v1/users/{user_id}/friendship-status': {
    class: 'shared-read',
    probes: (w) => [
      read('the owner and me', { params: { user_id: w.owner.user.id }, prepare: withOwner(w, 'none'), check: field('friends_count', 1) }),
    ],
  },

  // ---- exports
  'GET /api/v1/runs/{run_id}/export.gpx': {
    class: 'own-read',
    probes: (w) => [...eachRun(w), read('my run on a course made private since', { params: { run_id: myRunOnTurned(w) } })],
  },
  'POST /api/v1/users/me/export': { class: 'self', probes: () => [mine('an archive of my data', [202])] },
  'GET /api/v1/users/me/export': { class: 'own-read', probes: () => [read('my latest archive', { expect: [200, 404] })] },
  'GET /api/v1/users/me/export/{export_id}/download': {
    class: 'own-read',
    probes: (w) => [
      hidden("the owner's archive", { export_id: w.owner.exportId }),
      read('my own archive, made after using a course that is private now', {
        prepare: async (caller) => {
          const res = await send(w.app, caller, { method: 'POST', url: '/api/v1/users/me/export' });
          const { id } = res.json() as { id: string };
          await buildUserExport(w.app.deps, w.app.deps.logger, id);
          return { export_id: id };
        },
      }),
    ],
  },

  // ---- rankings and statistics
  'GET /api/v1/courses/{course_id}/rankings': {
    class: 'shared-read',
    probes: (w) => [
      ...courseReads(w),
      read('public course, top 10', { params: { course_id: w.owner.publicCourse }, query: { limit: 10 } }),
      read("public course, the owner's hidden crew", { params: { course_id: w.owner.publicCourse }, query: { crew_id: w.owner.crews.hidden, limit: 10 } }),
      ...hiddenCourses(w, { query: { country: 'KR', limit: 10 } }, 'in KR: '),
    ],
  },
  'GET /api/v1/courses/{course_id}/my-ranking': { class: 'own-read', probes: (w) => courseReads(w, { check: field('rank', null) }) },
  'GET /api/v1/courses/{course_id}/my-best': { class: 'own-read', probes: (w) => courseReads(w, { check: (b) => (b === null ? undefined : 'should be null') }) },
  'GET /api/v1/users/me/stats': { class: 'own-read', probes: () => [read('all time'), read('this week', { query: { period: 'week' } })] },
  'GET /api/v1/users/me/stats/weekly': { class: 'own-read', probes: () => [read('this week')] },

  // ---- courses
  'POST /api/v1/courses': {
    class: 'self',
    probes: (w) =>
      (['free', 'imported'] as const).map((run) =>
        hidden(`a course from the owner's ${run} run`, {}, {
          body: {
            run_record_id: w.owner.runs[run], title: 'stolen', distance_meters: 800, estimated_duration_seconds: 300,
            route_geometry: { type: 'LineString', coordinates: [[127, 37.5], [127.001, 37.5]] },
          },
        }),
      ),
  },
  'GET /api/v1/courses': {
    class: 'public',
    probes: () => [read('the catalogue'), anonymous(read('the catalogue')), read('searched', { query: { search: 'Authz' } })],
  },
  'GET /api/v1/courses/nearby': {
    class: 'public',
    probes: (w) => [read("near the owner's private course", { query: near(w) }), anonymous(read('nearby', { query: near(w) }))],
  },
  'GET /api/v1/courses/bounds': {
    class: 'public',
    probes: (w) => [read("around the owner's private course", { query: { ...around(w, 0.5), limit: 200 } }), anonymous(read('around', { query: { ...around(w, 0.5), limit: 200 } }))],
  },
  'GET /api/v1/courses/{course_id}': { class: 'public', probes: (w) => [...courseReads(w), ...courseReads(w).map(anonymous)] },
  'PATCH /api/v1/courses/{course_id}': {
    class: 'owner-only',
    probes: (w) => [
      refused('public course', { course_id: w.owner.publicCourse }, { body: { title: 'pwned', is_public: false } }),
      ...hiddenCourses(w, { body: { title: 'pwned', is_public: true } }),
    ],
  },
  'PATCH /api/v1/courses/{course_id}/route': {
    class: 'owner-only',
    probes: (w) => {
      const body = { route_geometry: { type: 'LineString', coordinates: [[127, 37.5, 0], [127.001, 37.5, 0]] } };
      return [refused('public course', { course_id: w.owner.publicCourse }, { body }), ...hiddenCourses(w, { body })];
    },
  },
  'DELETE /api/v1/courses/{course_id}': {
    class: 'owner-only',
    probes: (w) => [refused('public course', { course_id: w.owner.publicCourse }), ...hiddenCourses(w)],
  },
  'GET /api/v1/courses/{course_id}/stats': { class: 'public', probes: (w) => [...courseReads(w), ...courseReads(w).map(anonymous)] },
  // The picture (or 404 THUMBNAIL_NOT_READY before it is drawn); a private course answers NOT_FOUND, never "not ready".
  'GET /api/v1/courses/{course_id}/thumbnail': {
    class: 'public',
    probes: (w) => {
      const probes = [
        read('public course', { params: { course_id: w.owner.publicCourse }, expect: [200, 302, 404] }),
        ...hiddenCourses(w, { check: field('code', 'NOT_FOUND') }),
      ];
      return [...probes, ...probes.map(anonymous)];
    },
  },
  'GET /api/v1/users/me/courses': { class: 'own-read', probes: () => [read('my courses')] },

  // ---- runs
  'POST /api/v1/runs/sessions': {
    class: 'self',
    probes: (w) => [
      mine('a free run', [201], { body: { started_at: new Date(Date.now() - 60_000).toISOString() } }),
      mine('a run on the public course', [201], { body: { course_id: w.owner.publicCourse, started_at: new Date(Date.now() - 60_000).toISOString() } }),
      ...privateCourses(w).map(([label, id]) =>
        hidden(`a run on the ${label}`, {}, { body: { course_id: id, started_at: new Date(Date.now() - 60_000).toISOString() } }),
      ),
    ],
  },
  'POST /api/v1/runs/sessions/{session_id}/chunks': { class: 'owner-only', probes: (w) => eachSession(w, { body: chunk() }) },
  'POST /api/v1/runs/sessions/{session_id}/chunks/batch': { class: 'owner-only', probes: (w) => eachSession(w, { body: { chunks: [chunk()] } }) },
  'POST /api/v1/runs/sessions/{session_id}/complete': {
    class: 'owner-only',
    probes: (w) => [
      ...eachSession(w, { body: completionOf(sample()) }),
      // My own run over the owner's private courses: never matched or ranked there.
      ...(['private', 'turned'] as const).map((which, i) => {
        const points = runOver(w.owner.spots[which], Date.now() - 3600_000 + i * 600_000, 90 + i);
        return mine(`my own run over the owner's ${which} course`, [201], {
          body: completionOf(points),
          prepare: async (caller: TestUser) => {
            const res = await send(w.app, caller, { method: 'POST', url: '/api/v1/runs/sessions', body: { started_at: new Date(points[0]!.t).toISOString() } });
            return { session_id: (res.json() as { session_id: string }).session_id };
          },
          check: absent('ranking'),
        });
      }),
      mine("my own run counted on the owner's gear", [422], {
        body: completionOf(sample(), { gear_id: w.owner.gear.primary }),
        prepare: async (caller: TestUser) => {
          const res = await send(w.app, caller, { method: 'POST', url: '/api/v1/runs/sessions', body: { started_at: new Date(Date.now() - 900_000).toISOString() } });
          return { session_id: (res.json() as { session_id: string }).session_id };
        },
      }),
    ],
  },
  'POST /api/v1/runs/sessions/{session_id}/recover': {
    class: 'owner-only',
    probes: (w) => eachSession(w, { body: { finished_at: new Date().toISOString(), total_chunks: 1, uploaded_chunk_sequences: [0] } }),
  },
  'DELETE /api/v1/runs/sessions/{session_id}': { class: 'owner-only', probes: (w) => eachSession(w) },
  'DELETE /api/v1/runs/{run_id}': { class: 'owner-only', probes: (w) => eachRun(w) },
  'GET /api/v1/runs/{run_id}': {
    class: 'own-read',
    probes: (w) => [...eachRun(w), read('my run on a course made private since', { params: { run_id: myRunOnTurned(w) } })],
  },
  'GET /api/v1/users/me/runs': { class: 'own-read', probes: () => [read('my runs'), read('my longest', { query: { order_by: 'distance_meters', limit: 100 } })] },

  // ---- reviews
  'POST /api/v1/courses/{course_id}/reviews': {
    class: 'open',
    probes: (w) => [
      mine('review the public course', [201], {
        params: { course_id: w.owner.publicCourse },
        body: { rating: 1, content: 'meh' },
        prepare: (caller) => sql(w, 'DELETE FROM reviews WHERE user_id = $1 AND course_id = $2', [caller.id, w.owner.publicCourse]),
      }),
      ...hiddenCourses(w, { body: { rating: 1 } }, 'review the '),
    ],
  },
  'GET /api/v1/courses/{course_id}/reviews': { class: 'shared-read', probes: (w) => courseReads(w) },
  'GET /api/v1/courses/{course_id}/reviews/mine': { class: 'own-read', probes: (w) => courseReads(w) },
  'PATCH /api/v1/courses/reviews/{review_id}': {
    class: 'owner-only',
    probes: (w) => [
      refused("the owner's review of the public course", { review_id: w.owner.reviews.onPublic }, { body: { content: 'pwned' } }),
      refused("the friend's review", { review_id: w.owner.reviews.byFriend }, { body: { rating: 1 } }),
      hidden("the owner's review of the private course", { review_id: w.owner.reviews.onPrivate }, { body: { content: 'pwned' } }),
    ],
  },
  'DELETE /api/v1/courses/reviews/{review_id}': {
    class: 'owner-only',
    probes: (w) => [
      refused("the owner's review of the public course", { review_id: w.owner.reviews.onPublic }),
      refused("the friend's review", { review_id: w.owner.reviews.byFriend }),
      hidden("the owner's review of the private course", { review_id: w.owner.reviews.onPrivate }),
    ],
  },
  // ---- notification inbox (the friend's join request to the owner's gated crew is in the owner's inbox)
  'GET /api/v1/notifications': { class: 'own-read', probes: () => [read('my inbox', { query: { per_page: 100 } })] },
  'GET /api/v1/notifications/unread-count': { class: 'own-read', probes: () => [read('my unread count')] },
  'POST /api/v1/notifications/read-all': { class: 'self', probes: () => [mine('read all of mine', [204])] },
  'POST /api/v1/notifications/{notification_id}/read': {
    class: 'owner-only',
    probes: (w) => [hidden("an item of the owner's inbox", { notification_id: w.owner.inboxItem })],
  },

  // ---- course comments (the owner commented on their public and their private course)
  'GET /api/v1/courses/{course_id}/comments': { class: 'shared-read', probes: (w) => courseReads(w) },
  'POST /api/v1/courses/{course_id}/comments': {
    class: 'self',
    probes: (w) => [
      mine('a comment of my own on the public course', [201], { params: { course_id: w.owner.publicCourse }, body: { content: 'attacker comment' } }),
      ...hiddenCourses(w, { body: { content: 'pwned' } }, 'a comment on the owner\'s '),
      {
        label: "a reply to the owner's comment on the private course, through the public course",
        params: { course_id: w.owner.publicCourse },
        body: { content: 'pwned', parent_id: w.owner.courseComments.onPrivate },
        expect: [422],
        effect: 'none',
      },
    ],
  },
  'PATCH /api/v1/courses/{course_id}/comments/{comment_id}': {
    class: 'owner-only',
    probes: (w) => [
      refused("the owner's comment on the public course", { course_id: w.owner.publicCourse, comment_id: w.owner.courseComments.onPublic }, { body: { content: 'pwned' } }),
      hidden("the owner's comment on the private course", { course_id: w.owner.privateCourse, comment_id: w.owner.courseComments.onPrivate }, { body: { content: 'pwned' } }),
    ],
  },
  'DELETE /api/v1/courses/{course_id}/comments/{comment_id}': {
    class: 'owner-only',
    probes: (w) => [
      refused("the owner's comment on the public course", { course_id: w.owner.publicCourse, comment_id: w.owner.courseComments.onPublic }),
      hidden("the owner's comment on the private course", { course_id: w.owner.privateCourse, comment_id: w.owner.courseComments.onPrivate }),
      hidden("the owner's private comment, named under the public course", { course_id: w.owner.publicCourse, comment_id: w.owner.courseComments.onPrivate }),
    ],
  },
  'POST /api/v1/courses/{course_id}/reviews/{review_id}/reply': {
    class: 'owner-only',
    probes: (w) => [
      refused("reply on the owner's public course", { course_id: w.owner.publicCourse, review_id: w.owner.reviews.byFriend }, { body: { content: 'pwned' } }),
      hidden("reply on the owner's private course", { course_id: w.owner.privateCourse, review_id: w.owner.reviews.onPrivate }, { body: { content: 'pwned' } }),
      hidden("my course with a review of the owner's course", { course_id: w.attacker.course, review_id: w.owner.reviews.byFriend }, { body: { content: 'pwned' } }),
    ],
  },

  // ---- likes and favorites
  'POST /api/v1/courses/{course_id}/like': {
    class: 'open',
    probes: (w) => [mine('like the public course', [200], { params: { course_id: w.owner.publicCourse } }), ...hiddenCourses(w, {}, 'like the ')],
  },
  'GET /api/v1/courses/{course_id}/like/status': { class: 'own-read', probes: (w) => courseReads(w) },
  'POST /api/v1/favorites/courses/{course_id}': {
    class: 'open',
    probes: (w) => [
      mine('favorite the public course', [200], { params: { course_id: w.owner.publicCourse } }),
      ...hiddenCourses(w, {}, 'favorite the '),
    ],
  },
  'GET /api/v1/favorites/courses': { class: 'own-read', probes: () => [read('my favorites')] },
  'GET /api/v1/favorites/courses/{course_id}/status': { class: 'own-read', probes: (w) => courseReads(w) },

  // ---- map, weather
  'GET /api/v1/heatmap': {
    class: 'public',
    probes: (w) => [read("around the owner's private course", { query: around(w, 0.5) }), anonymous(read('around', { query: around(w, 0.5) }))],
  },
  'GET /api/v1/weather/current': { class: 'public', probes: (w) => [anonymous(read('here', { query: { lat: w.owner.privateStart.lat, lng: w.owner.privateStart.lng } }))] },

  // ---- events
  'GET /api/v1/events': { class: 'shared-read', probes: () => [read('active events', { query: { per_page: 100 } })] },
  'POST /api/v1/events': {
    class: 'self',
    probes: (w) => [
      mine('an event on the public course', [201], { body: newEvent(w.owner.publicCourse) }),
      ...privateCourses(w).map(([label, id]) => hidden(`an event on the ${label}`, {}, { body: newEvent(id) })),
    ],
  },
  'GET /api/v1/events/map-markers': { class: 'shared-read', probes: (w) => [read("around the owner's courses", { query: around(w, 0.5) })] },
  'GET /api/v1/events/{event_id}': {
    class: 'shared-read',
    probes: (w) => [
      read("the owner's event", { params: { event_id: w.owner.event } }),
      read("the owner's event on a course made private since", { params: { event_id: w.owner.turnedEvent } }),
    ],
  },
  'PATCH /api/v1/events/{event_id}': {
    class: 'owner-only',
    probes: (w) => [
      refused("the owner's event", { event_id: w.owner.event }, { body: { title: 'pwned', max_participants: 1 } }),
      refused("the owner's event on a course made private since", { event_id: w.owner.turnedEvent }, { body: { course_id: null } }),
      ...privateCourses(w).map(([label, id]) =>
        hidden(`my own event moved onto the owner's ${label}`, {}, {
          body: { course_id: id },
          prepare: async (caller) => {
            const res = await send(w.app, caller, { method: 'POST', url: '/api/v1/events', body: newEvent(w.owner.publicCourse) });
            return { event_id: (res.json() as { id: string }).id };
          },
        }),
      ),
    ],
  },
  'POST /api/v1/events/{event_id}/cancel': {
    class: 'owner-only',
    probes: (w) => [refused("the owner's event", { event_id: w.owner.event }), refused("the owner's other event", { event_id: w.owner.turnedEvent })],
  },
  'POST /api/v1/events/{event_id}/join': {
    class: 'open',
    probes: (w) => [
      mine("join the owner's event", [201], {
        params: { event_id: w.owner.event },
        prepare: (caller) => sql(w, 'DELETE FROM event_participants WHERE event_id = $1 AND user_id = $2', [w.owner.event, caller.id]),
      }),
    ],
  },
  'DELETE /api/v1/events/{event_id}/join': {
    class: 'open',
    probes: (w) => [
      hidden('leave an event I am not in', { event_id: w.owner.event }, {
        prepare: (caller) => sql(w, 'DELETE FROM event_participants WHERE event_id = $1 AND user_id = $2', [w.owner.event, caller.id]),
      }),
      mine('leave the event I joined', [204], {
        params: { event_id: w.owner.event },
        prepare: (caller) =>
          sql(w, 'INSERT INTO event_participants (event_id, user_id) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM event_participants WHERE event_id = $1 AND user_id = $2)', [w.owner.event, caller.id]),
      }),
    ],
  },

  // ---- crews
  'POST /api/v1/uploads/image': {
    class: 'self',
    probes: (w) => [mine('an image for a crew', [200], { file: { filename: 'logo.jpg', type: 'image/jpeg', data: w.image } })],
  },
  'POST /api/v1/crews': {
    class: 'self',
    probes: (w) => [
      mine('a crew of my own', [201], { body: { name: `Mine ${randomUUID().slice(0, 8)}` } }),
      { label: "a crew showing the owner's avatar file", body: { name: `Mine ${randomUUID().slice(0, 8)}`, logo_url: w.owner.avatarUrl }, expect: [422], effect: 'none' },
    ],
  },
  'GET /api/v1/crews': { class: 'shared-read', probes: () => [read('public crews', { query: { search: 'Hidden', per_page: 100 } })] },
  'GET /api/v1/crews/my': { class: 'own-read', probes: () => [read('my crews')] },
  'PUT /api/v1/crews/my/primary': {
    class: 'self',
    probes: (w) => [
      hidden("the owner's hidden crew as my primary crew", {}, { body: { crew_id: w.owner.crews.hidden } }),
      hidden("the owner's open crew, not being a member", {}, {
        body: { crew_id: w.owner.crews.open },
        prepare: (caller) => sql(w, 'DELETE FROM crew_members WHERE crew_id = $1 AND user_id = $2', [w.owner.crews.open, caller.id]),
      }),
    ],
  },
  'GET /api/v1/crews/{crew_id}': {
    class: 'shared-read',
    probes: (w) => [read("the owner's open crew", { params: { crew_id: w.owner.crews.open } }), hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden })],
  },
  'PATCH /api/v1/crews/{crew_id}': {
    class: 'owner-only',
    probes: (w) => [
      refused("the owner's open crew", { crew_id: w.owner.crews.open }, { body: { name: 'pwned', is_public: false } }),
      hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden }, { body: { description: 'pwned' } }),
    ],
  },
  'DELETE /api/v1/crews/{crew_id}': {
    class: 'owner-only',
    probes: (w) => [refused("the owner's open crew", { crew_id: w.owner.crews.open }), hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden })],
  },
  'POST /api/v1/crews/{crew_id}/join': {
    class: 'open',
    probes: (w) => [
      mine("join the owner's open crew", [200], {
        params: { crew_id: w.owner.crews.open },
        prepare: (caller) => sql(w, 'DELETE FROM crew_members WHERE crew_id = $1 AND user_id = $2', [w.owner.crews.open, caller.id]),
      }),
      hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden }),
    ],
  },
  'POST /api/v1/crews/{crew_id}/leave': {
    class: 'open',
    probes: (w) => [
      mine("leave the owner's crew I joined", [204], {
        params: { crew_id: w.owner.crews.open },
        prepare: (caller) =>
          sql(w, 'INSERT INTO crew_members (crew_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [w.owner.crews.open, caller.id]),
      }),
      hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden }),
    ],
  },
  'POST /api/v1/crews/{crew_id}/invite': {
    class: 'owner-only',
    probes: (w) => [
      refused("someone into the owner's gated crew", { crew_id: w.owner.crews.gated }, { body: { user_code: 'ABCDEFGH' } }),
      hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden }, { body: { user_code: 'ABCDEFGH' } }),
    ],
  },
  'GET /api/v1/crews/{crew_id}/members': {
    class: 'shared-read',
    probes: (w) => [read("the owner's open crew", { params: { crew_id: w.owner.crews.open } }), hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden })],
  },
  'DELETE /api/v1/crews/{crew_id}/members/{user_id}': {
    class: 'owner-only',
    probes: (w) => [
      refused("the friend from the owner's crew", { crew_id: w.owner.crews.open, user_id: w.owner.friend.id }),
      hidden("the owner from the hidden crew", { crew_id: w.owner.crews.hidden, user_id: w.owner.user.id }),
    ],
  },
  'PATCH /api/v1/crews/{crew_id}/members/{user_id}/role': {
    class: 'owner-only',
    probes: (w) => [
      refused("the owner's crew handed to the friend", { crew_id: w.owner.crews.open, user_id: w.owner.friend.id }, { body: { role: 'owner' } }),
      hidden('the hidden crew', { crew_id: w.owner.crews.hidden, user_id: w.owner.user.id }, { body: { role: 'member' } }),
    ],
  },
  'PATCH /api/v1/crews/{crew_id}/members/{user_id}/grade': {
    class: 'owner-only',
    probes: (w) => [refused("the friend's grade", { crew_id: w.owner.crews.open, user_id: w.owner.friend.id }, { body: { grade_level: 4 } })],
  },
  'POST /api/v1/crews/{crew_id}/join-requests': {
    class: 'open',
    probes: (w) => [
      mine("ask to join the owner's gated crew", [201], {
        params: { crew_id: w.owner.crews.gated },
        prepare: (caller) => sql(w, 'DELETE FROM crew_join_requests WHERE crew_id = $1 AND user_id = $2', [w.owner.crews.gated, caller.id]),
        body: { message: 'let me in' },
      }),
      hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden }, { body: {} }),
    ],
  },
  'GET /api/v1/crews/{crew_id}/join-requests': {
    class: 'owner-only',
    probes: (w) => [refused("the owner's gated crew", { crew_id: w.owner.crews.gated }), hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden })],
  },
  'GET /api/v1/crews/{crew_id}/join-requests/my': {
    class: 'own-read',
    probes: (w) => [read("the owner's gated crew", { params: { crew_id: w.owner.crews.gated } }), hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden })],
  },
  'GET /api/v1/crews/{crew_id}/join-requests/count': {
    class: 'owner-only',
    probes: (w) => [refused("the owner's gated crew", { crew_id: w.owner.crews.gated })],
  },
  'PATCH /api/v1/crews/{crew_id}/join-requests/{request_id}/approve': {
    class: 'owner-only',
    probes: (w) => [refused("the friend's request", { crew_id: w.owner.crews.gated, request_id: w.owner.crews.request })],
  },
  'PATCH /api/v1/crews/{crew_id}/join-requests/{request_id}/reject': {
    class: 'owner-only',
    probes: (w) => [refused("the friend's request", { crew_id: w.owner.crews.gated, request_id: w.owner.crews.request })],
  },
  'DELETE /api/v1/crews/{crew_id}/join-requests/{request_id}': {
    class: 'owner-only',
    probes: (w) => [hidden("the friend's request", { crew_id: w.owner.crews.gated, request_id: w.owner.crews.request })],
  },
  'GET /api/v1/crews/{crew_id}/weekly-ranking': {
    class: 'shared-read',
    probes: (w) => [read("the owner's open crew", { params: { crew_id: w.owner.crews.open } }), hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden })],
  },
  'GET /api/v1/crews/{crew_id}/active-courses': {
    class: 'shared-read',
    probes: (w) => [read("the owner's open crew", { params: { crew_id: w.owner.crews.open } }), hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden })],
  },
  'GET /api/v1/crews/{crew_id}/management/stats': {
    class: 'owner-only',
    probes: (w) => [refused("the owner's open crew", { crew_id: w.owner.crews.open }), hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden })],
  },

  // crew chat: members only (the attacker is in none of the owner's crews)
  'GET /api/v1/crews/my-unread': { class: 'own-read', probes: () => [read('my unread chat counts')] },
  'GET /api/v1/crews/{crew_id}/chat/messages': {
    class: 'owner-only',
    probes: (w) => [refused("the owner's open crew's chat", { crew_id: w.owner.crews.open }), hidden("the owner's hidden crew's chat", { crew_id: w.owner.crews.hidden })],
  },
  'POST /api/v1/crews/{crew_id}/chat/messages': {
    class: 'owner-only',
    probes: (w) => [
      refused("a message to the owner's open crew", { crew_id: w.owner.crews.open }, { body: { content: 'pwned' } }),
      hidden("a message to the owner's hidden crew", { crew_id: w.owner.crews.hidden }, { body: { content: 'pwned' } }),
    ],
  },
  'POST /api/v1/crews/{crew_id}/chat/read': {
    class: 'owner-only',
    probes: (w) => [refused("the owner's open crew's chat read", { crew_id: w.owner.crews.open }), hidden("the owner's hidden crew's chat read", { crew_id: w.owner.crews.hidden })],
  },

  'POST /api/v1/crews/{crew_id}/challenges': {
    class: 'owner-only',
    probes: (w) => [
      refused("a challenge in the owner's open crew", { crew_id: w.owner.crews.open }, { body: { course_id: w.attacker.course } }),
      hidden("a challenge in the owner's hidden crew", { crew_id: w.owner.crews.hidden }, { body: { course_id: w.attacker.course } }),
    ],
  },
  'GET /api/v1/crews/{crew_id}/challenges/active': {
    class: 'shared-read',
    probes: (w) => [
      read("the owner's open crew", { params: { crew_id: w.owner.crews.open }, check: field('id', w.owner.challenges.active) }),
      hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden }),
    ],
  },
  'POST /api/v1/crews/{crew_id}/challenges/{challenge_id}/end': {
    class: 'owner-only',
    probes: (w) => [
      refused("the open crew's challenge", { crew_id: w.owner.crews.open, challenge_id: w.owner.challenges.active }),
      hidden("the hidden crew's challenge", { crew_id: w.owner.crews.hidden, challenge_id: w.owner.challenges.hidden }),
    ],
  },
  // The open crew's ended challenge is on the course made private since: it is left out for others.
  'GET /api/v1/crews/{crew_id}/challenges/history': {
    class: 'shared-read',
    probes: (w) => [
      read("the owner's open crew", { params: { crew_id: w.owner.crews.open }, check: field('total_count', 0) }),
      hidden("the owner's hidden crew", { crew_id: w.owner.crews.hidden }),
    ],
  },
  'GET /api/v1/courses/{course_id}/crew-rankings': { class: 'shared-read', probes: (w) => courseReads(w) },
  // ---- group runs (seen by their participants only; the attacker is made an invitee where a probe needs it)
  'POST /api/v1/group-runs': {
    class: 'self',
    probes: (w) => [
      mine("a group run of my own on the owner's public course, inviting the owner", [201], {
        body: { name: 'Mine', course_id: w.owner.publicCourse, invite_user_ids: [w.owner.user.id] },
      }),
      ...privateCourses(w).map(([label, id]) => hidden(`a group run on the ${label}`, {}, { body: { name: 'Mine', course_id: id, invite_user_ids: [w.owner.user.id] } })),
    ],
  },
  'GET /api/v1/group-runs/my': {
    class: 'own-read',
    probes: (w) => [
      read('my group runs', {
        query: { per_page: 100 },
        prepare: outOfGroupRun(w),
        check: (body) => ((body as { data: { id: string }[] }).data.some((g) => g.id === w.owner.groupRun) ? "lists the owner's group run" : undefined),
      }),
    ],
  },
  'GET /api/v1/group-runs/{group_run_id}': {
    class: 'shared-read',
    probes: (w) => [hidden("the owner's group run", { group_run_id: w.owner.groupRun }, { prepare: outOfGroupRun(w) })],
  },
  'DELETE /api/v1/group-runs/{group_run_id}': {
    class: 'owner-only',
    probes: (w) => [
      hidden("the owner's group run", { group_run_id: w.owner.groupRun }, { prepare: outOfGroupRun(w) }),
      refused("the owner's group run I accepted", { group_run_id: w.owner.groupRun }, { expect: [403], prepare: inGroupRun(w, 'accepted') }),
    ],
  },
  'POST /api/v1/group-runs/{group_run_id}/invite': {
    class: 'owner-only',
    probes: (w) => [
      hidden("someone into the owner's group run", { group_run_id: w.owner.groupRun }, { body: { user_ids: [w.owner.friend.id] }, prepare: outOfGroupRun(w) }),
      refused("someone into the owner's group run I accepted", { group_run_id: w.owner.groupRun }, {
        expect: [403], body: { user_ids: [w.owner.friend.id] }, prepare: inGroupRun(w, 'accepted'),
      }),
    ],
  },
  'POST /api/v1/group-runs/{group_run_id}/accept': {
    class: 'open',
    probes: (w) => [
      hidden("the owner's group run, not invited", { group_run_id: w.owner.groupRun }, { prepare: outOfGroupRun(w) }),
      mine("my invitation to the owner's group run", [200], { params: { group_run_id: w.owner.groupRun }, prepare: inGroupRun(w, 'invited') }),
    ],
  },
  'POST /api/v1/group-runs/{group_run_id}/decline': {
    class: 'open',
    probes: (w) => [
      hidden("the owner's group run, not invited", { group_run_id: w.owner.groupRun }, { prepare: outOfGroupRun(w) }),
      mine("my invitation to the owner's group run", [204], { params: { group_run_id: w.owner.groupRun }, prepare: inGroupRun(w, 'invited') }),
    ],
  },
  'POST /api/v1/group-runs/{group_run_id}/leave': {
    class: 'open',
    probes: (w) => [
      hidden("the owner's group run, not in it", { group_run_id: w.owner.groupRun }, { prepare: outOfGroupRun(w) }),
      mine("the owner's group run I accepted", [204], { params: { group_run_id: w.owner.groupRun }, prepare: inGroupRun(w, 'accepted') }),
    ],
  },

  // ---- challenges (made by operators, the same for everyone; the owner joined the open one and has progress in it)
  'GET /api/v1/challenges': {
    class: 'shared-read',
    probes: (w) => [
      read('open challenges', {
        query: { per_page: 100 },
        check: (body) => {
          const open = (body as { data: { id: string; is_joined: boolean }[] }).data.find((c) => c.id === w.owner.goalChallenges.open);
          return open?.is_joined ? "shows the owner's participation as mine" : undefined;
        },
      }),
    ],
  },
  'GET /api/v1/challenges/{challenge_id}': {
    class: 'shared-read',
    probes: (w) => [
      read("a challenge the owner joined, I did not", {
        params: { challenge_id: w.owner.goalChallenges.open },
        prepare: outOfChallenge(w),
        check: (body) => ((body as { my_progress: unknown }).my_progress === null ? undefined : "shows the owner's progress"),
      }),
      read('an ended challenge', { params: { challenge_id: w.owner.goalChallenges.ended } }),
    ],
  },
  'POST /api/v1/challenges/{challenge_id}/join': {
    class: 'open',
    probes: (w) => [
      mine("join the challenge the owner joined", [201], {
        params: { challenge_id: w.owner.goalChallenges.open },
        prepare: outOfChallenge(w),
      }),
      { label: 'join an ended challenge', params: { challenge_id: w.owner.goalChallenges.ended }, expect: [422], effect: 'none' },
    ],
  },
  // ---- live group runs (anyone signed in sees and joins a run on a course they can see; only the host starts it;
  // only participants open its socket, which takes the token from the query or a bearer header)
  'POST /api/v1/live-group-runs': {
    class: 'self',
    probes: (w) => [
      mine("a live group run of my own on the owner's public course", [201], { body: { title: 'Mine', course_id: w.owner.publicCourse } }),
      ...privateCourses(w).map(([label, id]) => hidden(`a live group run on the ${label}`, {}, { body: { title: 'Mine', course_id: id } })),
    ],
  },
  'GET /api/v1/live-group-runs': {
    class: 'shared-read',
    probes: (w) => [
      read('open live group runs', {
        query: { per_page: 100 },
        check: (body) => ((body as { items: { id: string }[] }).items.some((r) => r.id === w.owner.liveRuns.onPrivate) ? 'lists the run on the private course' : undefined),
      }),
    ],
  },
  'GET /api/v1/live-group-runs/{live_group_run_id}': {
    class: 'shared-read',
    probes: (w) => [
      read("the owner's live group run", { params: { live_group_run_id: w.owner.liveRuns.open } }),
      hidden("the owner's live group run on the private course", { live_group_run_id: w.owner.liveRuns.onPrivate }),
    ],
  },
  'POST /api/v1/live-group-runs/{live_group_run_id}/join': {
    class: 'open',
    probes: (w) => [
      mine("the owner's live group run", [200], { params: { live_group_run_id: w.owner.liveRuns.open }, prepare: outOfLiveRun(w) }),
      hidden("the owner's live group run on the private course", { live_group_run_id: w.owner.liveRuns.onPrivate }),
    ],
  },
  'POST /api/v1/live-group-runs/{live_group_run_id}/start': {
    class: 'owner-only',
    probes: (w) => [
      hidden("the owner's live group run, not in it", { live_group_run_id: w.owner.liveRuns.open }, { prepare: outOfLiveRun(w) }),
      refused("the owner's live group run I joined", { live_group_run_id: w.owner.liveRuns.open }, { expect: [403], prepare: inLiveRun(w) }),
      hidden("the owner's live group run on the private course", { live_group_run_id: w.owner.liveRuns.onPrivate }),
    ],
  },
  // Not an upgrade here (inject): what is checked is who may get as far as the upgrade.
  'GET /api/v1/live-group-runs/{live_group_run_id}/ws': {
    class: 'shared-read',
    probes: (w) => [
      refused("the socket of the owner's live group run, not in it", { live_group_run_id: w.owner.liveRuns.open }, { expect: [403], prepare: outOfLiveRun(w) }),
      hidden("the socket of the owner's live group run on the private course", { live_group_run_id: w.owner.liveRuns.onPrivate }),
    ],
  },

  // ---- community
  'GET /api/v1/community/posts': {
    class: 'shared-read',
    probes: (w) => [
      read('the community feed', { query: { page: 0, per_page: 100 } }),
      read("the board of the owner's open crew", { query: { crew_id: w.owner.crews.open } }),
      hidden("the board of the owner's hidden crew", {}, { query: { crew_id: w.owner.crews.hidden } }),
    ],
  },
  'POST /api/v1/community/posts': {
    class: 'self',
    probes: (w) => [
      mine('a post of my own', [201], { body: { content: 'attacker post', post_type: 'general' } }),
      hidden("a post on the owner's hidden crew's board", {}, { body: { content: 'x', post_type: 'general', crew_id: w.owner.crews.hidden } }),
      refused("a post on the owner's open crew's board, not being a member", {}, {
        body: { content: 'x', post_type: 'general', crew_id: w.owner.crews.open },
        expect: [403],
        prepare: (caller) => sql(w, 'DELETE FROM crew_members WHERE crew_id = $1 AND user_id = $2', [w.owner.crews.open, caller.id]),
      }),
      ...privateCourses(w).map(([label, id]) => hidden(`a post about the owner's ${label}`, {}, { body: { content: 'x', post_type: 'general', course_id: id } })),
      { label: "a post showing the owner's avatar file", body: { content: 'x', post_type: 'general', image_urls: [w.owner.avatarUrl] }, expect: [422], effect: 'none' },
    ],
  },
  'GET /api/v1/community/posts/{post_id}': {
    class: 'shared-read',
    probes: (w) => [
      read("the owner's post", { params: { post_id: w.owner.community.post } }),
      hidden("the owner's post on the hidden crew's board", { post_id: w.owner.community.crewPost }),
    ],
  },
  'PATCH /api/v1/community/posts/{post_id}': {
    class: 'owner-only',
    probes: (w) => [
      refused("the owner's post", { post_id: w.owner.community.post }, { body: { content: 'pwned' } }),
      hidden("the owner's post on the hidden crew's board", { post_id: w.owner.community.crewPost }, { body: { content: 'pwned' } }),
    ],
  },
  'DELETE /api/v1/community/posts/{post_id}': {
    class: 'owner-only',
    probes: (w) => [
      refused("the owner's post", { post_id: w.owner.community.post }),
      hidden("the owner's post on the hidden crew's board", { post_id: w.owner.community.crewPost }),
    ],
  },
  'POST /api/v1/community/posts/{post_id}/like': {
    class: 'open',
    probes: (w) => [
      mine("like or unlike the owner's post", [200], { params: { post_id: w.owner.community.post } }),
      hidden("the owner's post on the hidden crew's board", { post_id: w.owner.community.crewPost }),
    ],
  },
  'GET /api/v1/community/posts/{post_id}/comments': {
    class: 'shared-read',
    probes: (w) => [
      read("the comments of the owner's post", { params: { post_id: w.owner.community.post } }),
      hidden("the comments of the owner's post on the hidden crew's board", { post_id: w.owner.community.crewPost }),
    ],
  },
  'POST /api/v1/community/posts/{post_id}/comments': {
    class: 'open',
    probes: (w) => [
      mine("a comment on the owner's post", [201], { params: { post_id: w.owner.community.post }, body: { content: 'attacker comment' } }),
      hidden("the owner's post on the hidden crew's board", { post_id: w.owner.community.crewPost }, { body: { content: 'x' } }),
    ],
  },
  'DELETE /api/v1/community/posts/{post_id}/comments/{comment_id}': {
    class: 'owner-only',
    probes: (w) => [
      refused("the owner's comment", { post_id: w.owner.community.post, comment_id: w.owner.community.comment }),
      hidden("the owner's comment on the hidden crew's board", { post_id: w.owner.community.crewPost, comment_id: w.owner.community.crewComment }),
      hidden("the owner's hidden comment named under the owner's visible post", { post_id: w.owner.community.post, comment_id: w.owner.community.crewComment }),
    ],
  },
  'POST /api/v1/community/posts/{post_id}/report': {
    class: 'open',
    probes: (w) => [
      mine("report the owner's post", [204], { params: { post_id: w.owner.community.post }, body: { reason: 'spam' } }),
      hidden("the owner's post on the hidden crew's board", { post_id: w.owner.community.crewPost }, { body: { reason: 'spam' } }),
    ],
  },
  'POST /api/v1/community/posts/{post_id}/comments/{comment_id}/report': {
    class: 'open',
    probes: (w) => [
      mine("report the owner's comment", [204], { params: { post_id: w.owner.community.post, comment_id: w.owner.community.comment }, body: { reason: 'rude' } }),
      hidden("the owner's comment on the hidden crew's board", { post_id: w.owner.community.crewPost, comment_id: w.owner.community.crewComment }, { body: { reason: 'rude' } }),
    ],
  },
  // Administrators only (users.is_admin): everyone else is refused and nothing changes.
  'GET /api/v1/admin/community/reports/posts': {
    class: 'owner-only',
    probes: () => [{ label: 'reported posts, not an administrator', query: { per_page: 100 }, expect: [403], effect: 'none' }],
  },
  'GET /api/v1/admin/community/reports/comments': {
    class: 'owner-only',
    probes: () => [{ label: 'reported comments, not an administrator', query: { per_page: 100 }, expect: [403], effect: 'none' }],
  },
  'DELETE /api/v1/admin/community/posts/{post_id}': {
    class: 'owner-only',
    probes: (w) => [refused("remove the owner's post, not an administrator", { post_id: w.owner.community.post }, { expect: [403] })],
  },
  'DELETE /api/v1/admin/community/comments/{comment_id}': {
    class: 'owner-only',
    probes: (w) => [refused("remove the owner's comment, not an administrator", { comment_id: w.owner.community.comment }, { expect: [403] })],
  },
  // ---- announcements: the owner is an administrator who wrote a published and an unpublished one
  'GET /api/v1/announcements': {
    class: 'shared-read',
    probes: (w) => [
      read('the announcements shown now (not the unpublished one)', {
        query: { limit: 50 },
        check: (body) => ((body as { data: { id: string }[] }).data.some((a) => a.id === w.owner.announcements.published) ? undefined : 'the published one is missing'),
      }),
    ],
  },
  'GET /api/v1/admin/announcements': { class: 'admin', probes: () => [adminOnly('every announcement', { query: { per_page: 100 } })] },
  'POST /api/v1/admin/announcements': {
    class: 'admin',
    probes: () => [adminOnly('write one', { body: { title: 'attacker notice', priority: 100 } }), adminOnly('an invalid one', { body: { title: '' } })],
  },
  'GET /api/v1/admin/announcements/{announcement_id}': {
    class: 'admin',
    probes: (w) => [
      adminOnly('the unpublished one', { params: { announcement_id: w.owner.announcements.unpublished } }),
      adminOnly('one that does not exist', { params: { announcement_id: randomUUID() } }),
    ],
  },
  'PATCH /api/v1/admin/announcements/{announcement_id}': {
    class: 'admin',
    probes: (w) => [
      adminOnly('publish the unpublished one', { params: { announcement_id: w.owner.announcements.unpublished }, body: { is_published: true } }),
      adminOnly('deface the published one', { params: { announcement_id: w.owner.announcements.published }, body: { title: 'defaced', link_type: 'url', link_value: 'https://evil.example.com/' } }),
    ],
  },
  'DELETE /api/v1/admin/announcements/{announcement_id}': {
    class: 'admin',
    probes: (w) => [
      adminOnly('the published one', { params: { announcement_id: w.owner.announcements.published } }),
      adminOnly('the unpublished one', { params: { announcement_id: w.owner.announcements.unpublished } }),
    ],
  },

  // ---- contacts (the owner registered their own number: consent to be found by people who have it)
  'PUT /api/v1/contacts/phone-hash': {
    class: 'self',
    probes: (w) => [
      mine('a number of my own', [200], { body: { phone_hash: createHash('sha256').update(randomUUID()).digest('hex') } }),
      { label: "the owner's number: theirs stays theirs", body: { phone_hash: w.owner.phoneHash }, expect: [409], effect: 'none' },
    ],
  },
  'DELETE /api/v1/contacts/phone-hash': {
    class: 'self',
    probes: (w) => [
      mine('remove my number (the owner keeps theirs)', [204], {
        prepare: (caller) =>
          sql(w, "INSERT INTO contact_phone_hashes (user_id, keyed_hash) VALUES ($1::uuid, sha256(convert_to($1::text, 'UTF8'))) ON CONFLICT (user_id) DO NOTHING", [caller.id]),
      }),
    ],
  },
  'GET /api/v1/contacts/phone-hash-status': {
    class: 'own-read',
    probes: (w) => [
      read('mine, not the owner’s', {
        prepare: (caller) => sql(w, 'DELETE FROM contact_phone_hashes WHERE user_id = $1', [caller.id]),
        check: field('has_phone_hash', false),
      }),
    ],
  },
  'POST /api/v1/contacts/match': {
    class: 'self',
    probes: (w) => [
      {
        label: "the owner's number finds the owner (who opted in) and changes nothing",
        body: { contact_hashes: [w.owner.phoneHash] },
        expect: [200],
        effect: 'none',
        prepare: (caller) => sql(w, 'DELETE FROM follows WHERE follower_id = $1 AND following_id = $2', [caller.id, w.owner.user.id]),
        check: (body) => {
          const ids = (body as { matches?: { id: string }[] } | undefined)?.matches?.map((m) => m.id);
          return JSON.stringify(ids) === JSON.stringify([w.owner.user.id]) ? undefined : `matches should be the owner alone, not ${JSON.stringify(ids)}`;
        },
      },
    ],
  },

  // ---- feed
  // As a follower of the owner, who is running on their private course and has runs that others may not see.
  'GET /api/v1/follows/friends-running': { class: 'shared-read', probes: (w) => [read('who I follow is running', { prepare: followOwner(w) })] },
  'GET /api/v1/follows/activity-feed': {
    class: 'shared-read',
    probes: (w) => [read('what those I follow did', { query: { limit: 50 }, prepare: followOwner(w) })],
  },

  // ---- imports
  'POST /api/v1/imports/upload': {
    class: 'self',
    probes: (w) => [mine("the owner's file, uploaded as mine", [201], { file: { filename: 'theirs.gpx', type: 'application/gpx+xml', data: w.owner.gpx } })],
  },
  'GET /api/v1/imports/{import_id}': {
    class: 'own-read',
    probes: (w) => [
      hidden("the owner's import", { import_id: w.owner.importId }),
      read('my import of a run on a course made private since', { params: { import_id: w.owner.audienceImports[w.attacker.user.id]! } }),
    ],
  },
  'DELETE /api/v1/imports/{import_id}': { class: 'owner-only', probes: (w) => [hidden("the owner's import", { import_id: w.owner.importId })] },
  'GET /api/v1/imports': { class: 'own-read', probes: () => [read('my imports', { query: { per_page: 100 } })] },

  // ---- gear: anyone's list is shared (without their Strava runs' distance); changes are the owner's alone
  'GET /api/v1/gear/brands': { class: 'shared-read', probes: () => [read('the brands')] },
  'GET /api/v1/gear': { class: 'own-read', probes: () => [read('my gear')] },
  'POST /api/v1/gear': {
    class: 'self',
    probes: (w) => [
      mine('primary gear of my own', [201], { body: { brand: 'Nike', model_name: `Mine ${randomUUID().slice(0, 8)}`, is_primary: true } }),
      { label: "gear showing the owner's avatar file", body: { brand: 'Nike', model_name: 'x', image_url: w.owner.avatarUrl }, expect: [422], effect: 'none' },
    ],
  },
  'PATCH /api/v1/gear/{gear_id}': {
    class: 'owner-only',
    probes: (w) => [
      hidden("the owner's primary gear", { gear_id: w.owner.gear.primary }, { body: { model_name: 'pwned', is_primary: false, is_retired: true } }),
      hidden("the owner's retired gear, made primary", { gear_id: w.owner.gear.retired }, { body: { is_retired: false, is_primary: true } }),
    ],
  },
  'DELETE /api/v1/gear/{gear_id}': {
    class: 'owner-only',
    probes: (w) => [hidden("the owner's primary gear", { gear_id: w.owner.gear.primary }), hidden("the owner's retired gear", { gear_id: w.owner.gear.retired })],
  },
  'GET /api/v1/users/{user_id}/gear': {
    class: 'shared-read',
    probes: (w) => [
      read("the owner's gear, without their Strava run's distance", {
        params: { user_id: w.owner.user.id },
        check: (body) => {
          const primary = (body as { id: string; total_distance_meters: number }[]).find((g) => g.id === w.owner.gear.primary);
          return primary?.total_distance_meters === w.owner.gear.othersSee ? undefined : `the primary gear should show ${w.owner.gear.othersSee} m`;
        },
      }),
    ],
  },

  // ---- Strava (its servers are unreachable here: nothing that needs them can succeed)
  'GET /api/v1/strava/auth-url': { class: 'own-read', probes: () => [read('a state of my own')] },
  'POST /api/v1/strava/callback': {
    class: 'self',
    probes: (w) => [{ label: "the owner's OAuth state", body: { code: 'stolen', state: w.owner.stravaState }, expect: [403], effect: 'none' }],
  },
  'GET /api/v1/strava/status': { class: 'own-read', probes: () => [read('my connection', { check: field('connected', false) })] },
  'GET /api/v1/strava/activities': { class: 'own-read', probes: () => [{ label: 'my Strava runs (not connected)', expect: [400], effect: 'none' }] },
  'POST /api/v1/strava/sync': {
    class: 'self',
    probes: (w) => [{ label: "an activity of the owner's athlete", body: { strava_activity_id: Number(w.owner.athleteId) + 1 }, expect: [400], effect: 'none' }],
  },
  'POST /api/v1/strava/sync-all': { class: 'self', probes: () => [{ label: 'sync (not connected)', expect: [400], effect: 'none' }] },
  'DELETE /api/v1/strava/disconnect': { class: 'self', probes: () => [{ label: 'disconnect (not connected)', expect: [204], effect: 'none' }] },
  'GET /api/v1/strava/webhook': {
    class: 'public',
    probes: () => [anonymous({ label: 'a guessed verify token', query: { 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': 'c' }, expect: [403], effect: 'none' })],
  },
  'POST /api/v1/strava/webhook': {
    class: 'public',
    // Events are only hints: they queue a job that asks Strava, and change no table themselves.
    probes: (w) => [
      anonymous({
        label: "a forged deletion of the owner's activity",
        body: { object_type: 'activity', object_id: 1, aspect_type: 'delete', owner_id: Number(w.owner.athleteId), subscription_id: 1 },
        expect: [200], effect: 'none',
      }),
      anonymous({
        label: "a forged deauthorisation of the owner's athlete",
        body: { object_type: 'athlete', object_id: Number(w.owner.athleteId), aspect_type: 'update', owner_id: Number(w.owner.athleteId), subscription_id: 1, updates: { authorized: 'false' } },
        expect: [200], effect: 'none',
      }),
    ],
  },
};

// ---------------------------------------------------------------- the server's own list of routes

/** `METHOD /path/{param}` of the routes in a tree printed by the router (HEAD and OPTIONS aside). */
function printedRoutes(printed: string, only?: string): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    stack.length = m[1]!.length / 4;
    stack.push(m[2]!);
    for (const method of m[3]?.split(', ') ?? []) {
      if (method !== 'HEAD' && method !== 'OPTIONS' && (!only || method === only)) out.push(`${method} ${stack.join('').replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return out;
}

/**
 * Every route the router holds, from its printed tree. Where methods name a parameter at one position differently
 * (`:user_id|:request_id`), the tree of that method alone names it as its route does.
 */
export function routerRoutes(app: FastifyInstance): string[] {
  return printedRoutes(app.printRoutes({ commonPrefix: false })).flatMap((key) => {
    if (!key.includes('}|{')) return [key];
    const method = key.slice(0, key.indexOf(' '));
    const parts = key.split('/');
    const matches = (candidate: string) => {
      const other = candidate.split('/');
      return other.length === parts.length && parts.every((part, i) => part.split('|').includes(other[i]!));
    };
    return printedRoutes(app.printRoutes({ commonPrefix: false, method }), method).filter(matches);
  });
}

/** The web pages: HTML for browsers, not API operations, so outside the OpenAPI document (and classified here). */
const isWebPage = (key: string) => /^(GET|POST) \//.test(key) && !/^(GET|POST) \/(api|health|docs)(\/|$)/.test(key);

/** Routes that upgrade to a WebSocket: outside the OpenAPI document. */
const WEBSOCKET_ROUTES = new Set(['GET /api/v1/live-group-runs/{live_group_run_id}/ws']);

/** The documented routes with whether each is public (no bearerAuth). */
export async function documentedRoutes(app: FastifyInstance): Promise<Map<string, boolean>> {
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  const doc = res.json() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
  const routes = new Map<string, boolean>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) routes.set(`${method.toUpperCase()} ${path}`, op.security === undefined);
  }
  return routes;
}

/** What keeps the table and the server apart; empty when every route is classified as it behaves. */
export async function classificationProblems(app: FastifyInstance): Promise<string[]> {
  const documented = await documentedRoutes(app);
  // The docs UI's own routes are the only ones outside the document.
  // Static files (uploads, the web client's script) are served by wildcard routes.
  const routed = routerRoutes(app).filter((key) => !/^GET \/docs(\/|\*|$)/.test(key) && !key.endsWith('*'));
  const problems: string[] = [];
  // WebSocket routes are left out of the document by @fastify/websocket (the README describes them); they are classified.
  for (const key of routed) if (!documented.has(key) && !WEBSOCKET_ROUTES.has(key) && !isWebPage(key)) problems.push(`${key} is served but missing from the OpenAPI document`);
  for (const key of new Set([...routed, ...documented.keys()])) {
    const entry = ROUTES[key];
    if (!entry) {
      problems.push(`${key} is not classified in the authorisation matrix (test/helpers/authz-matrix.ts ROUTES)`);
      continue;
    }
    const isPublic = documented.get(key);
    if (isPublic !== undefined && isPublic !== (entry.class === 'public')) {
      problems.push(`${key} is classified ${entry.class} but the server ${isPublic ? 'serves it without a token' : 'requires a token'}`);
    }
  }
  for (const key of Object.keys(ROUTES)) if (!documented.has(key) && !routed.includes(key)) problems.push(`${key} is in the matrix but no longer served`);
  return problems;
}

/** Table rules that do not depend on the server. */
export function tableProblems(w: World): string[] {
  const problems: string[] = [];
  for (const [key, entry] of Object.entries(ROUTES)) {
    const probes = entry.probes(w);
    if (probes.length === 0) problems.push(`${key} has no probe`);
    for (const p of probes) {
      const where = `${key} [${p.label}]`;
      if (entry.class === 'owner-only' && p.effect === 'none' && p.expect.some((s) => s !== 403 && s !== 404)) {
        problems.push(`${where}: on someone else's object an owner-only route may only refuse (403/404)`);
      }
      if ((entry.class === 'own-read' || entry.class === 'shared-read' || entry.class === 'public') && key.startsWith('GET ') && p.effect !== 'none') {
        problems.push(`${where}: a read changes nothing`);
      }
      if (entry.class !== 'public' && p.as === 'anonymous') problems.push(`${where}: only public routes are probed without a token`);
      if (entry.class === 'admin' && (p.effect !== 'none' || p.expect.some((status) => status !== 403))) {
        problems.push(`${where}: a non-administrator on an administrators' route is refused (403) and changes nothing`);
      }
      for (const name of key.match(/\{(\w+)\}/g) ?? []) {
        if (!p.params?.[name.slice(1, -1)] && !p.prepare) problems.push(`${where}: no value for ${name}`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------- database snapshots

const SKIPPED_TABLES = new Set(['schema_migrations', 'spatial_ref_sys']);
/** Outbox logs: what others are told of the caller's action (a new follower, a review) lands here by design. */
const PUSH_TABLES = new Set(['push_notifications', 'push_deliveries']);

export type Snapshot = Map<string, { rows: number; hash: string }>;

/** Columns that name a row's owner: the user it belongs to, or (users) the user it is, or (crews) the crew they own. */
const OWNER_COLUMNS = ['user_id', 'follower_id', 'creator_id'];

/** The condition "the row belongs to user $1" in `table`, from its columns; null when no row belongs to anyone. */
function ownedBy(table: string, columns: string[]): string | null {
  const own = OWNER_COLUMNS.filter((c) => columns.includes(c)).map((c) => `x.${c} = $1::uuid`);
  if (table === 'users') own.push('x.id = $1::uuid');
  if (table === 'crews') own.push('x.id IN (SELECT crew_id FROM crew_members WHERE user_id = $1::uuid AND grade_level = 5)');
  // The invitations of a group run belong to its host.
  if (table === 'group_run_members') own.push('x.group_run_id IN (SELECT id FROM group_runs WHERE creator_id = $1::uuid)');
  // A friend request or friendship belongs to both its users.
  if (table === 'friendships') own.push('x.requester_id = $1::uuid', 'x.recipient_id = $1::uuid');
  // An inbox item tells its user what its actor did: the actor's doing, like the push outbox.
  if (table === 'notifications') own.push('x.actor_id = $1::uuid');
  // A live group run belongs to its host.
  if (table === 'live_group_runs') own.push('x.host_user_id = $1::uuid');
  // Chunks belong to their session.
  if (own.length === 0 && columns.includes('session_id')) own.push('x.session_id IN (SELECT id FROM run_sessions WHERE user_id = $1::uuid)');
  return own.length > 0 ? own.map((c) => `coalesce(${c}, false)`).join(' OR ') : null;
}

/**
 * One hash per table of all its row versions (pgboss's queue is another schema). With `except` (a user id), the rows that
 * user owns and the push outbox are left out: what remains must not change when that user acts on their own.
 */
export async function snapshot(db: Queryable, except: string | null = null): Promise<Snapshot> {
  const { rows: columns } = await db.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'`,
  );
  const tables = new Map<string, string[]>();
  for (const c of columns) tables.set(c.table_name, [...(tables.get(c.table_name) ?? []), c.column_name]);
  const names = [...tables.keys()].filter((n) => !SKIPPED_TABLES.has(n) && !(except && PUSH_TABLES.has(n))).sort();
  const sqlText = names
    .map((n) => {
      const owned = except ? ownedBy(n, tables.get(n)!) : null;
      // Every write leaves a new row version (a new ctid and xmin), so the versions are hashed, not the contents:
      // large rows (chunks, routes) are never read.
      return `SELECT '${n}' AS name, count(*)::int AS rows, coalesce(md5(string_agg(x.ctid::text || x.xmin::text, ',' ORDER BY x.ctid)), '') AS hash
                FROM "${n}" x ${owned ? `WHERE NOT (${owned})` : ''}`;
    })
    .join(' UNION ALL ');
  const { rows } = await db.query<{ name: string; rows: number; hash: string }>(sqlText, except ? [except] : []);
  return new Map(rows.map((r) => [r.name, { rows: r.rows, hash: r.hash }]));
}

export function changedTables(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const [name, b] of before) {
    const a = after.get(name);
    if (!a || a.hash !== b.hash) out.push(`${name} (${b.rows} → ${a?.rows ?? '?'} rows)`);
  }
  return out;
}

// ---------------------------------------------------------------- running the probes

export interface ProbeOutcome {
  requests: number;
  failures: string[];
}

const isParams = (v: unknown): v is Record<string, string> => typeof v === 'object' && v !== null;

/** The files of a ZIP answer, as text. */
async function unzip(zip: Buffer): Promise<string[]> {
  const zipfile = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z))),
  );
  const files: string[] = [];
  await new Promise<void>((resolve, reject) => {
    zipfile.on('error', reject);
    zipfile.on('end', resolve);
    zipfile.on('entry', (entry: yauzl.Entry) => {
      zipfile.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', reject);
        stream.on('end', () => {
          files.push(`${entry.fileName}\n${Buffer.concat(chunks).toString('utf8')}`);
          zipfile.readEntry();
        });
      });
    });
    zipfile.readEntry();
  });
  return files;
}

const urlOf = (key: string, params: Record<string, string> = {}) => key.slice(key.indexOf(' ') + 1).replace(/\{(\w+)\}/g, (_, p: string) => params[p]!);

/** Sends every probe of `keys` (in that order) and checks status, database effect and leaks. */
export async function runProbes(w: World, keys: string[]): Promise<ProbeOutcome> {
  const { app, owner, attacker } = w;
  const db = app.deps.db;
  const privateValues = new Set(owner.ownIds);
  const secrets = [...owner.secrets, ...w.others.flatMap((o) => o.secrets)];
  const failures: string[] = [];
  let requests = 0;
  // The snapshot after a probe is the one before the next, unless something ran in between.
  let last: { except: string | null; snapshot: Snapshot } | undefined;
  for (const key of keys) {
    const entry = ROUTES[key]!;
    for (const p of entry.probes(w)) {
      const where = `${key} [${p.label}]`;
      const caller = p.as === 'fresh' ? await createUser(db, app.deps.config) : p.as === 'anonymous' ? undefined : attacker.user;
      const prepared = caller && p.prepare ? await p.prepare(caller) : undefined;
      const params = { ...p.params, ...(isParams(prepared) ? prepared : {}) };
      const except = p.effect === 'mine' ? caller!.id : null;
      const before = !p.prepare && p.as !== 'fresh' && last?.except === except ? last.snapshot : await snapshot(db, except);
      const res = await send(app, caller, { method: key.split(' ')[0]!, url: urlOf(key, params), query: p.query, body: p.body, file: p.file });
      requests++;
      const after = await snapshot(db, except);
      last = { except, snapshot: after };
      const text = res.headers['content-type'] === 'application/zip' ? [...(await unzip(res.rawPayload)).values()].join('\n') : res.body;

      if (!p.expect.includes(res.statusCode)) failures.push(`${where}: ${res.statusCode} instead of ${p.expect.join('/')}: ${res.body.slice(0, 200)}`);
      const changed = changedTables(before, after);
      if (changed.length > 0) {
        failures.push(`${where}: ${p.effect === 'none' ? 'changed' : "changed rows not the caller's in"} ${changed.join(', ')}`);
      }
      if (res.statusCode === 403 && Object.values(params).some((v) => privateValues.has(v))) {
        failures.push(`${where}: 403 for a private object tells that it exists (should be 404)`);
      }
      const leaked = secrets.filter((s) => text.includes(s));
      if (leaked.length > 0) failures.push(`${where}: the answer holds private data of an owner: ${leaked.join(', ')}`);
      if (entry.class === 'own-read') {
        const foreign = owner.ownIds.filter((id) => !owner.secrets.includes(id) && text.includes(id));
        if (foreign.length > 0) failures.push(`${where}: "my" answer holds the owner's ${foreign.join(', ')}`);
      }
      if (p.check && res.statusCode < 300) {
        const problem = p.check(res.body ? res.json() : undefined);
        if (problem) failures.push(`${where}: ${problem}`);
      }
    }
  }
  return { requests, failures };
}

/** Without a token every non-public route is 401 and changes nothing, whatever ids it is given. */
export async function runAnonymous(w: World, keys: string[]): Promise<ProbeOutcome> {
  const db = w.app.deps.db;
  const failures: string[] = [];
  let requests = 0;
  let last: Snapshot | undefined;
  for (const key of keys) {
    const entry = ROUTES[key]!;
    if (entry.class === 'public') continue;
    const [method, path] = key.split(' ') as [string, string];
    // The owner's real ids, so a check that ran after loading the object would show.
    const p = entry.probes(w).find((probe) => (path.match(/\{\w+\}/g) ?? []).every((name) => probe.params?.[name.slice(1, -1)]))!;
    for (const m of method === 'GET' ? ['GET', 'HEAD'] : [method]) {
      for (const authorization of [undefined, 'Bearer not-a-token']) {
        const before = last ?? (await snapshot(db));
        const res = await send(w.app, authorization ? { auth: { authorization } } : undefined, {
          method: m, url: urlOf(key, p.params), query: p.query, body: p.body, file: p.file,
        });
        requests++;
        const how = `${m} ${path} ${authorization ? 'with a bad token' : 'without a token'}`;
        if (res.statusCode !== 401) failures.push(`${how}: ${res.statusCode} instead of 401`);
        last = await snapshot(db);
        const changed = changedTables(before, last);
        if (changed.length > 0) failures.push(`${how} changed ${changed.join(', ')}`);
      }
    }
  }
  return { requests, failures };
}

/** After everything: the owner's files are all still there, and the owner still sees their objects. */
export async function ownerIntact(w: World): Promise<string[]> {
  const { app, owner } = w;
  const failures: string[] = [];
  for (const key of owner.files) {
    await app.deps.storage.get(key).catch(() => failures.push(`the owner's file ${key} is gone`));
  }
  const reads = [
    ...Object.values(owner.runs).map((id) => `/api/v1/runs/${id}`),
    `/api/v1/courses/${owner.privateCourse}`,
    `/api/v1/imports/${owner.importId}`,
    `/api/v1/events/${owner.event}`,
    `/api/v1/crews/${owner.crews.hidden}`,
    `/api/v1/group-runs/${owner.groupRun}`,
    `/api/v1/live-group-runs/${owner.liveRuns.onPrivate}`,
    `/api/v1/community/posts/${owner.community.crewPost}`,
    `/api/v1/admin/announcements/${owner.announcements.unpublished}`,
  ];
  for (const url of reads) {
    const res = await send(app, owner.user, { method: 'GET', url });
    if (res.statusCode !== 200) failures.push(`the owner now gets ${res.statusCode} for ${url}`);
  }
  return failures;
}
