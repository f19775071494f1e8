import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { insertCourse } from './helpers/run-records.js';
import { TestSocket, waitClosed, type Message } from './helpers/ws.js';
import { finish, recordPosition } from '../src/features/live-group-runs/service.js';
import { deleteAccount } from '../src/features/users/service.js';
import { LiveHub, MAX_BUFFERED_BYTES } from '../src/features/live-group-runs/hub.js';
import { expireStaleLiveGroupRuns } from '../src/features/live-group-runs/expiry.js';
import type { WebSocket } from 'ws';

type Participant = {
  user_id: string; nickname: string | null; avatar_url: string | null; status: string;
  current_distance_m: number; current_duration_s: number; last_lat: number | null; last_lng: number | null;
};
type Detail = {
  id: string; title: string; status: string; course_id: string; course_name: string; host_user_id: string; host_nickname: string;
  host_avatar_url: string | null; max_participants: number; scheduled_at: string | null; participants: Participant[];
};

const LAT = 37.5665;
const LNG = 126.978;
/** About 11 m of latitude. */
const STEP = 0.0001;

describe('live group runs', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    // A fast heartbeat and a short idle time, so the ping tests do not wait; ordinary clients answer pings by
    // themselves, which keeps them from being idle.
    t = await createTestApp({ LIVE_WS_HEARTBEAT_SECONDS: '0.25', LIVE_WS_IDLE_SECONDS: '3' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `ws://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/api/v1/live-group-runs`;
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST', url: string, who: TestUser, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: who.auth, ...(payload ? { payload } : {}) });
  const user = () => createUser(t.db, t.config);
  async function create(host: TestUser, extra: object = {}): Promise<string> {
    const course = await insertCourse(t.db, host.id);
    const res = await call('POST', '/live-group-runs', host, { course_id: course, title: `Live ${randomUUID().slice(0, 6)}`, ...extra });
    assert.equal(res.statusCode, 201, res.body);
    return (res.json() as { id: string }).id;
  }
  const join = async (runId: string, who: TestUser) => assert.equal((await call('POST', `/live-group-runs/${runId}/join`, who)).statusCode, 200);
  const start = async (runId: string, host: TestUser) => assert.equal((await call('POST', `/live-group-runs/${runId}/start`, host)).statusCode, 200);
  const connect = (runId: string, who: TestUser | string) => TestSocket.open(`${base}/${runId}/ws?token=${typeof who === 'string' ? who : who.token}`);
  /** Host and one participant, both connected, the run started. */
  async function running() {
    const [host, b] = [await user(), await user()];
    const runId = await create(host);
    await join(runId, b);
    const sh = await connect(runId, host);
    const sb = await connect(runId, b);
    await Promise.all([sh.next(isSnapshot, 'host snapshot'), sb.next(isSnapshot, 'b snapshot')]);
    await start(runId, host);
    await Promise.all([sh.next((m) => m.type === 'started', 'started'), sb.next((m) => m.type === 'started', 'started')]);
    return { host, b, runId, sh, sb };
  }
  const isSnapshot = (m: Message) => m.type === 'participants';
  const standing = (m: Message, userId: string) => (m.data as Participant[]).find((p) => p.user_id === userId);
  const runsOf = async (userId: string) =>
    (await t.db.query<{ id: string; distance_meters: number }>('SELECT id, distance_meters FROM run_records WHERE user_id = $1', [userId])).rows;

  describe('REST', () => {
    it('creates a run with the app’s keys; the host takes part; it is listed and read with its participants', async () => {
      const host = await user();
      const course = await insertCourse(t.db, host.id);
      const res = await call('POST', '/live-group-runs', host, { course_id: course, title: '  Han river  ', max_participants: 4 });
      assert.equal(res.statusCode, 201, res.body);
      const created = res.json() as Record<string, unknown>;
      assert.deepEqual(created, { id: created.id, course_id: course, host_user_id: host.id, title: 'Han river', status: 'waiting', max_participants: 4 });

      const other = await user();
      const list = (await call('GET', '/live-group-runs', other)).json() as { items: Record<string, unknown>[] };
      const item = list.items.find((i) => i.id === created.id);
      assert.ok(item, 'listed to anyone signed in');
      assert.deepEqual(
        { ...item, created_at: undefined },
        { id: created.id, title: 'Han river', status: 'waiting', course_name: 'Test course', host_nickname: host.nickname, host_avatar_url: null,
          participant_count: 1, max_participants: 4, scheduled_at: null, created_at: undefined },
      );
      const detail = (await call('GET', `/live-group-runs/${String(created.id)}`, other)).json() as Detail;
      assert.equal(detail.host_user_id, host.id);
      assert.equal(detail.course_id, course);
      assert.deepEqual(detail.participants, [
        { user_id: host.id, nickname: host.nickname, avatar_url: null, status: 'waiting', current_distance_m: 0, current_duration_s: 0, last_lat: null, last_lng: null },
      ]);
    });

    it('refuses a course the host cannot see (404) and out-of-range values (422)', async () => {
      const [host, other] = [await user(), await user()];
      const theirs = await insertCourse(t.db, other.id, { isPublic: false });
      assert.equal((await call('POST', '/live-group-runs', host, { course_id: theirs, title: 'x' })).statusCode, 404);
      const own = await insertCourse(t.db, host.id);
      for (const body of [{ title: 'x', max_participants: 1 }, { title: 'x', max_participants: 51 }, { title: '   ' }, { title: 'x', scheduled_at: '2001-01-01T00:00:00Z' }]) {
        const res = await call('POST', '/live-group-runs', host, { course_id: own, ...body });
        assert.equal(res.statusCode, 422, JSON.stringify(body));
      }
      assert.equal((await call('GET', `/live-group-runs/${randomUUID()}`, host)).statusCode, 404);
    });

    it('joins once (joining again answers the same); a run is full at max_participants, even under concurrent joins', async () => {
      const host = await user();
      const runId = await create(host, { max_participants: 3 });
      const a = await user();
      await join(runId, a);
      await join(runId, a);
      const others = await Promise.all(Array.from({ length: 6 }, () => user()));
      const answers = await Promise.all(others.map((u) => call('POST', `/live-group-runs/${runId}/join`, u)));
      const codes = answers.map((r) => r.statusCode).sort();
      assert.deepEqual(codes, [200, 409, 409, 409, 409, 409], 'exactly one seat was left');
      assert.ok(answers.filter((r) => r.statusCode === 409).every((r) => (r.json() as { code: string }).code === 'LIVE_GROUP_RUN_FULL'));
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM live_group_run_participants WHERE live_group_run_id = $1', [runId]);
      assert.equal(rows[0]!.n, 3);
    });

    it('only the host starts, only once, with at least two participants; nobody joins a started run', async () => {
      const [host, a, outsider, late] = [await user(), await user(), await user(), await user()];
      const runId = await create(host);
      const alone = await call('POST', `/live-group-runs/${runId}/start`, host);
      assert.equal(alone.statusCode, 409);
      assert.equal((alone.json() as { code: string }).code, 'NOT_ENOUGH_PARTICIPANTS');
      await join(runId, a);
      const byParticipant = await call('POST', `/live-group-runs/${runId}/start`, a);
      assert.equal(byParticipant.statusCode, 403);
      assert.equal((byParticipant.json() as { code: string }).code, 'NOT_HOST');
      assert.equal((await call('POST', `/live-group-runs/${runId}/start`, outsider)).statusCode, 404);

      const started = await call('POST', `/live-group-runs/${runId}/start`, host);
      assert.equal(started.statusCode, 200, started.body);
      const detail = started.json() as Detail;
      assert.equal(detail.status, 'running');
      assert.deepEqual(detail.participants.map((p) => p.status), ['running', 'running']);
      const again = await call('POST', `/live-group-runs/${runId}/start`, host);
      assert.equal(again.statusCode, 409);
      assert.equal((again.json() as { code: string }).code, 'ALREADY_STARTED');
      const tooLate = await call('POST', `/live-group-runs/${runId}/join`, late);
      assert.equal(tooLate.statusCode, 409);
      assert.equal((tooLate.json() as { code: string }).code, 'LIVE_GROUP_RUN_STARTED');
    });
  });

  describe('expiry', () => {
    it('closes a lobby a day past its time and a run nobody was heard from; keeps the others', async () => {
      const hour = 3600_000;
      const now = new Date();
      const ago = (h: number) => new Date(now.getTime() - h * hour);
      const host = await user();
      const lobby = await create(host);
      const scheduled = await create(host);
      const silent = await create(host);
      const alive = await create(host);
      const b = await user();
      for (const id of [silent, alive]) {
        await join(id, b);
        await start(id, host);
        await t.db.query('UPDATE live_group_runs SET started_at = $2 WHERE id = $1', [id, ago(13)]);
      }
      await t.db.query('UPDATE live_group_runs SET created_at = $2 WHERE id = ANY($1)', [[lobby, scheduled], ago(25)]);
      await t.db.query('UPDATE live_group_runs SET scheduled_at = $2 WHERE id = $1', [scheduled, new Date(now.getTime() + 2 * hour)]);
      assert.equal(await recordPosition(t.app.deps, silent, b.id, LAT, LNG, ago(13)), 'recorded');
      assert.equal(await recordPosition(t.app.deps, alive, b.id, LAT, LNG, ago(1)), 'recorded');

      await expireStaleLiveGroupRuns(t.db, 12, now);
      const { rows } = await t.db.query<{ id: string; status: string }>('SELECT id, status FROM live_group_runs WHERE id = ANY($1)', [[lobby, scheduled, silent, alive]]);
      const status = Object.fromEntries(rows.map((r) => [r.id, r.status]));
      assert.deepEqual([status[lobby], status[scheduled], status[silent], status[alive]], ['completed', 'waiting', 'completed', 'running']);
      const listed = ((await call('GET', '/live-group-runs?per_page=100', b)).json() as { items: { id: string }[] }).items.map((i) => i.id);
      assert.ok(!listed.includes(lobby) && !listed.includes(silent), 'closed runs are not listed');
      assert.ok(listed.includes(scheduled) && listed.includes(alive));
      // The closed run takes no more positions; a participant's late finish is still recorded, once.
      assert.equal(await recordPosition(t.app.deps, silent, b.id, LAT + STEP, LNG), 'not_running');
      assert.equal((await finish(t.app.deps, silent, b.id)).kind, 'finished');
      assert.equal((await finish(t.app.deps, silent, b.id)).kind, 'already_finished');
    });
  });

  describe('account deletion', () => {
    it('takes the participant’s rows and positions with their account, the host’s runs with theirs, never another runner’s run', async () => {
      const [host, a, b] = [await user(), await user(), await user()];
      const runId = await create(host);
      await join(runId, a);
      await join(runId, b);
      await start(runId, host);
      for (const who of [a, b]) {
        assert.equal(await recordPosition(t.app.deps, runId, who.id, LAT, LNG), 'recorded');
        assert.equal(await recordPosition(t.app.deps, runId, who.id, LAT + STEP, LNG), 'recorded');
      }
      assert.equal((await finish(t.app.deps, runId, a.id)).kind, 'finished');
      const count = async (table: string, userId: string) =>
        (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [userId])).rows[0]!.n;

      await deleteAccount(t.app.deps, t.app.deps.logger, b.id);
      assert.equal(await count('live_group_run_participants', b.id), 0);
      assert.equal(await count('live_group_run_positions', b.id), 0);
      assert.equal(await count('live_group_run_positions', a.id), 2, 'a’s positions stay');
      assert.deepEqual((await (await call('GET', `/live-group-runs/${runId}`, a)).json() as Detail).participants.map((p) => p.user_id).sort(), [host.id, a.id].sort());

      await deleteAccount(t.app.deps, t.app.deps.logger, host.id);
      assert.equal((await call('GET', `/live-group-runs/${runId}`, a)).statusCode, 404, 'the host’s run went with their account');
      assert.equal((await runsOf(a.id)).length, 1, 'a’s recorded run is a’s and stays');
    });
  });

  describe('socket', () => {
    it('refuses the upgrade with 401 for a bad or expired token, 403 for a non-participant, 404 for no run', async () => {
      const [host, outsider] = [await user(), await user()];
      const runId = await create(host);
      const expired = await new SignJWT({ type: 'access' })
        .setProtectedHeader({ alg: t.config.JWT_ALGORITHM })
        .setSubject(host.id)
        .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(new TextEncoder().encode(t.config.JWT_SECRET_KEY));
      const cases: [string, string, number][] = [
        ['no token', `${base}/${runId}/ws`, 401],
        ['garbage token', `${base}/${runId}/ws?token=not-a-jwt`, 401],
        ['expired token', `${base}/${runId}/ws?token=${expired}`, 401],
        ['non-participant', `${base}/${runId}/ws?token=${outsider.token}`, 403],
        ['unknown run', `${base}/${randomUUID()}/ws?token=${host.token}`, 404],
        ['malformed run id', `${base}/not-a-uuid/ws?token=${host.token}`, 422],
        ['malformed run id, no token', `${base}/not-a-uuid/ws`, 401],
      ];
      for (const [label, url, status] of cases) {
        await assert.rejects(TestSocket.open(url), (err: { statusCode?: number }) => err.statusCode === status, label);
      }
    });

    it('sends a snapshot on connect, then everyone hears joins and the start', async () => {
      const [host, b] = [await user(), await user()];
      const runId = await create(host);
      const sh = await connect(runId, host);
      const first = await sh.next(isSnapshot, 'snapshot');
      assert.equal(first.status, 'waiting');
      assert.deepEqual((first.data as Participant[]).map((p) => p.user_id), [host.id]);
      const joined = sh.upcoming((m) => isSnapshot(m) && (m.data as Participant[]).length === 2, 'the join');
      await join(runId, b);
      await joined;
      // The id in upper case is the same run, and the same room.
      const sb = await TestSocket.open(`${base}/${runId.toUpperCase()}/ws?token=${b.token}`);
      assert.equal((await sb.next(isSnapshot, 'snapshot')).status, 'waiting');
      await start(runId, host);
      await Promise.all([sh.next((m) => m.type === 'started'), sb.next((m) => m.type === 'started')]);
      await Promise.all([sh.close(), sb.close()]);
    });

    it('pings its sockets (heartbeat)', async () => {
      const host = await user();
      const runId = await create(host);
      const s = await connect(runId, host);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no ping')), 10_000);
        s.ws.once('ping', () => (clearTimeout(timer), resolve()));
      });
      await s.close();
    });

    it('drops a socket that answers no ping and sends nothing; one that answers stays', async () => {
      const host = await user();
      const runId = await create(host);
      const answering = await connect(runId, host);
      const s = await TestSocket.open(`${base}/${runId}/ws?token=${host.token}`, { autoPong: false });
      await s.next(isSnapshot);
      assert.equal((await waitClosed(s)).code, 1006, 'terminated, without a closing handshake');
      // Connected before it and idle as long, but answering pings: still open, and still hearing the room.
      assert.equal(answering.ws.readyState, answering.ws.OPEN);
      const b = await user();
      const heard = answering.upcoming((m) => isSnapshot(m) && (m.data as Participant[]).length === 2, 'the join');
      await join(runId, b);
      await heard;
      await answering.close();
    });

    it('drops a slow consumer instead of buffering for it', async () => {
      const hub = await LiveHub.create({ redisUrl: '', logger: t.app.deps.logger, heartbeatMs: 60_000, idleMs: 60_000 });
      const socket = (bufferedAmount: number) => {
        const sent: string[] = [];
        let terminated = false;
        const fake = { OPEN: 1, readyState: 1, bufferedAmount, send: (x: string) => sent.push(x), terminate: () => (terminated = true) };
        return { fake: fake as unknown as WebSocket, sent, terminated: () => terminated };
      };
      const fast = socket(0);
      const slow = socket(MAX_BUFFERED_BYTES + 1);
      hub.send(fast.fake, { type: 'started' });
      hub.send(slow.fake, { type: 'started' });
      assert.deepEqual(fast.sent, ['{"type":"started"}']);
      assert.equal(fast.terminated(), false);
      assert.deepEqual(slow.sent, []);
      assert.equal(slow.terminated(), true);
      await hub.close();
    });

    it('fans positions out with standings computed by the server: the client’s distance is ignored, an impossible jump is not credited', async () => {
      const { host, b, runId, sh, sb } = await running();
      sh.send({ type: 'location', lat: LAT, lng: LNG, distance_m: 99_999, duration_s: 5000 });
      let seen = await sb.next((m) => isSnapshot(m) && standing(m, host.id)?.last_lat === LAT, 'the host’s first position');
      assert.equal(standing(seen, host.id)!.current_distance_m, 0, 'one position is no distance');
      sh.send({ type: 'location', lat: LAT + STEP, lng: LNG, distance_m: 99_999 });
      seen = await sb.next((m) => isSnapshot(m) && standing(m, host.id)?.last_lat === LAT + STEP, 'the second position');
      const afterStep = standing(seen, host.id)!.current_distance_m;
      assert.ok(afterStep > 10 && afterStep < 12.5, `about 11 m, got ${afterStep}`);
      // 5 km a moment later: the position moves, the distance does not.
      sh.send({ type: 'location', lat: LAT + STEP + 0.045, lng: LNG });
      seen = await sb.next((m) => isSnapshot(m) && standing(m, host.id)?.last_lat === LAT + STEP + 0.045, 'the jump');
      assert.equal(standing(seen, host.id)!.current_distance_m, afterStep);
      assert.equal(standing(seen, host.id)!.status, 'running');
      assert.equal(standing(seen, b.id)!.current_distance_m, 0);
      // The host sees it too, and the REST detail agrees.
      await sh.next((m) => isSnapshot(m) && standing(m, host.id)?.last_lat === LAT + STEP + 0.045, 'the host’s own jump');
      const detail = (await call('GET', `/live-group-runs/${runId}`, b)).json() as Detail;
      assert.equal(detail.participants[0]!.user_id, host.id, 'the leader first');
      assert.equal(detail.participants[0]!.current_distance_m, afterStep);
      await Promise.all([sh.close(), sb.close()]);
    });

    it('refuses positions before the start, invalid messages, and closes on an oversize frame', async () => {
      const [host, b] = [await user(), await user()];
      const runId = await create(host);
      await join(runId, b);
      const s = await connect(runId, b);
      await s.next(isSnapshot);
      s.send({ type: 'location', lat: LAT, lng: LNG });
      assert.equal((await s.upcoming((m) => m.type === 'error', 'error')).code, 'NOT_RUNNING');
      for (const bad of ['not json', { type: 'teleport' }, { type: 'location', lat: 500, lng: LNG }, { type: 'location', lat: 'x', lng: LNG }]) {
        const err = s.upcoming((m) => m.type === 'error', JSON.stringify(bad));
        s.send(bad);
        assert.equal((await err).code, 'INVALID_MESSAGE', JSON.stringify(bad));
      }
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM live_group_run_positions WHERE live_group_run_id = $1', [runId]);
      assert.equal(rows[0]!.n, 0);
      s.send({ type: 'location', lat: LAT, lng: LNG, pad: 'x'.repeat(2000) });
      assert.equal((await waitClosed(s)).code, 1009);
    });

    it('closes a socket that floods it (per-socket rate limit)', async () => {
      const [host, b] = [await user(), await user()];
      const runId = await create(host);
      await join(runId, b);
      const s = await connect(runId, b);
      await s.next(isSnapshot);
      for (let i = 0; i < 200 && s.ws.readyState === s.ws.OPEN; i++) s.send({ type: 'finish' });
      assert.ok(s.messages.length >= 1);
      assert.equal((await waitClosed(s)).code, 1008);
      assert.ok(s.messages.some((m) => m.type === 'error' && m.code === 'RATE_LIMITED'));
      // Another socket of the same user is not affected.
      const other = await connect(runId, b);
      await other.next(isSnapshot);
      await other.close();
    });

    it('keeps a bounded backlog per socket: positions beyond it are skipped with BUSY, a finish still waits its turn', async () => {
      const { b, runId, sh, sb } = await running();
      for (let i = 0; i < 15; i++) sb.send({ type: 'location', lat: LAT + i * STEP, lng: LNG });
      sb.send({ type: 'finish' });
      assert.equal((await sb.next((m) => m.type === 'error' && m.code === 'BUSY', 'BUSY')).type, 'error');
      await sh.next((m) => m.type === 'completed' && m.user_id === b.id, 'b’s finish, after the backlog');
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM live_group_run_positions WHERE live_group_run_id = $1 AND user_id = $2', [runId, b.id]);
      assert.ok(rows[0]!.n >= 1 && rows[0]!.n < 15, `${rows[0]!.n} of 15 positions recorded`);
      assert.equal((await runsOf(b.id)).length, 1);
      await Promise.all([sh.close(), sb.close()]);
    });

    it('records a finish once through the run pipeline, whatever is sent twice and from two sockets', async () => {
      const { host, b, runId, sh, sb } = await running();
      for (let i = 0; i < 3; i++) sb.send({ type: 'location', lat: LAT + i * STEP, lng: LNG });
      await sh.next((m) => isSnapshot(m) && standing(m, b.id)?.last_lat === LAT + 2 * STEP, 'b’s last position');
      const second = await connect(runId, b);
      await second.next(isSnapshot);
      const heard = sh.upcoming((m) => m.type === 'completed', 'completed');
      sb.send({ type: 'completed' });
      sb.send({ type: 'completed' });
      second.send({ type: 'finish' });
      assert.equal((await heard).user_id, b.id);
      const done = await sh.next((m) => isSnapshot(m) && standing(m, b.id)?.status === 'completed', 'b completed in the standings');
      // And directly, three at once (as two processes would): still one run.
      const outcomes = await Promise.all([finish(t.app.deps, runId, b.id), finish(t.app.deps, runId, b.id), finish(t.app.deps, runId, b.id)]);
      assert.deepEqual(outcomes.map((o) => o.kind), ['already_finished', 'already_finished', 'already_finished']);
      // The duplicates' messages are handled in order after the first; a snapshot after them shows nothing new.
      const reconnect = await connect(runId, b);
      await reconnect.next(isSnapshot);
      const runs = await runsOf(b.id);
      assert.equal(runs.length, 1, 'one run');
      const b2 = standing(done, b.id)!;
      assert.equal(runs[0]!.distance_meters, Math.round(b2.current_distance_m));
      const { rows } = await t.db.query<{ status: string; run_session_id: string; source: string; session_status: string }>(
        `SELECT p.status, p.run_session_id, r.source, s.status AS session_status FROM live_group_run_participants p
           JOIN run_records r ON r.session_id = p.run_session_id JOIN run_sessions s ON s.id = p.run_session_id
          WHERE p.live_group_run_id = $1 AND p.user_id = $2`,
        [runId, b.id],
      );
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.status, 'completed');
      assert.equal(rows[0]!.session_status, 'completed');
      const stats = await t.db.query<{ total_runs: number }>('SELECT total_runs FROM users WHERE id = $1', [b.id]);
      assert.equal(stats.rows[0]!.total_runs, 1, 'the runner’s counters moved once');
      // Positions after the finish are refused; the run completes when the host finishes too.
      const refused = reconnect.upcoming((m) => m.type === 'error');
      reconnect.send({ type: 'location', lat: LAT, lng: LNG });
      assert.equal((await refused).code, 'NOT_RUNNING');
      const over = sb.upcoming((m) => isSnapshot(m) && m.status === 'completed', 'the run completed');
      sh.send({ type: 'finish' });
      await over;
      assert.equal((await runsOf(host.id)).length, 1);
      await Promise.all([sh.close(), sb.close(), second.close(), reconnect.close()]);
    });

    it('resumes the room’s state on reconnect', async () => {
      const { host, b, runId, sh, sb } = await running();
      sb.send({ type: 'location', lat: LAT, lng: LNG });
      sb.send({ type: 'location', lat: LAT + STEP, lng: LNG });
      const seen = await sh.next((m) => isSnapshot(m) && standing(m, b.id)?.last_lat === LAT + STEP, 'b’s positions');
      await sb.close();
      const again = await connect(runId, b);
      const snap = await again.next(isSnapshot, 'snapshot');
      assert.equal(snap.status, 'running');
      assert.deepEqual({ ...standing(snap, b.id), current_duration_s: 0 }, { ...standing(seen, b.id), current_duration_s: 0 });
      assert.ok(standing(snap, b.id)!.current_distance_m > 10);
      await again.next((m) => m.type === 'started', 'started, for the app’s status');
      // It goes on from there: the next step adds to the distance it had.
      again.send({ type: 'location', lat: LAT + 2 * STEP, lng: LNG });
      const moved = await sh.next((m) => isSnapshot(m) && standing(m, b.id)?.last_lat === LAT + 2 * STEP, 'the next step');
      assert.ok(standing(moved, b.id)!.current_distance_m > 20);
      assert.equal(standing(moved, host.id)!.status, 'running');
      await Promise.all([sh.close(), again.close()]);
    });
  });
});
