// Live group runs across two real server processes sharing PostgreSQL and Redis: a position sent to one process
// reaches a participant connected to the other, the host's start on one is heard on the other, and a finish sent
// to both processes at once is recorded once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { soakToken } from '../scripts/soak/_run-load.js';
import { portAnswers, serverProblems, startServerProcesses, type ServerProcess } from '../scripts/soak/_server-process.js';
import type { Database } from '../src/infra/db/database.js';
import { createTestApp, openTestDatabase, testConfig, usingEmbeddedDb } from './helpers/app.js';
import { insertCourse } from './helpers/run-records.js';
import { createUser, uniqueNickname } from './helpers/users.js';
import { TestSocket, type Message } from './helpers/ws.js';

const REDIS_URL = process.env.REDIS_URL;

const skip = usingEmbeddedDb
  ? 'needs a real PostgreSQL (DATABASE_URL): the servers run in processes of their own'
  : !REDIS_URL
    ? 'REDIS_URL is not set (run with REDIS_URL=redis://127.0.0.1:6379)'
    : !(await portAnswers(new URL(REDIS_URL).hostname, Number(new URL(REDIS_URL).port || 6379)))
      ? `no Redis answers at ${REDIS_URL}`
      : false;

type Participant = { user_id: string; status: string; current_distance_m: number; last_lat: number | null };
const isSnapshot = (m: Message) => m.type === 'participants';
const standing = (m: Message, userId: string) => (m.data as Participant[]).find((p) => p.user_id === userId);

describe('live group runs on two processes through Redis', { skip }, () => {
  let db: Database;
  let one: ServerProcess;
  let two: ServerProcess;
  before(async () => {
    db = await openTestDatabase(testConfig());
    const env = { DATABASE_URL: process.env.DATABASE_URL!, REDIS_URL: REDIS_URL!, RUN_WORKERS: 'false', MAX_EVENT_LOOP_DELAY_MS: '0' };
    [one, two] = await startServerProcesses([env, env]);
  });
  after(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
    await db?.close();
  });

  const runner = async () => {
    const { rows } = await db.query<{ id: string }>('INSERT INTO users (nickname) VALUES ($1) RETURNING id', [uniqueNickname('lr')]);
    const id = rows[0]!.id;
    return { id, token: await soakToken(id) };
  };
  const post = async (server: ServerProcess, path: string, token: string, body?: object) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const socket = (server: ServerProcess, runId: string, token: string) =>
    TestSocket.open(`${server.url.replace(/^http/, 'ws')}/api/v1/live-group-runs/${runId}/ws?token=${token}`);

  it('fans the start, positions and a once-only finish out between the processes', async () => {
    const [host, b] = [await runner(), await runner()];
    const course = await insertCourse(db, host.id);
    const created = await post(one, '/live-group-runs', host.token, { course_id: course, title: 'Two processes' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const runId = String(created.body.id);
    assert.equal((await post(two, `/live-group-runs/${runId}/join`, b.token)).status, 200);

    const hostOnOne = await socket(one, runId, host.token);
    const bOnTwo = await socket(two, runId, b.token);
    await Promise.all([hostOnOne.next(isSnapshot), bOnTwo.next(isSnapshot)]);

    // The host starts through process two; the host's socket is on process one.
    assert.equal((await post(two, `/live-group-runs/${runId}/start`, host.token)).status, 200);
    await hostOnOne.next((m) => m.type === 'started', 'started heard on process one');

    // A position sent to process one reaches the participant on process two.
    hostOnOne.send({ type: 'location', lat: 37.5665, lng: 126.978 });
    hostOnOne.send({ type: 'location', lat: 37.5666, lng: 126.978 });
    const seen = await bOnTwo.next((m) => isSnapshot(m) && standing(m, host.id)?.last_lat === 37.5666, 'the host’s position on process two');
    assert.ok(standing(seen, host.id)!.current_distance_m > 10);

    // b finishes on both processes at once: one run, one `completed`.
    const bOnOne = await socket(one, runId, b.token);
    await bOnOne.next(isSnapshot);
    const settled = (s: TestSocket) => s.upcoming((m) => isSnapshot(m) && standing(m, b.id)?.status === 'completed', 'b completed');
    const [onTwo, onOneB] = [settled(bOnTwo), settled(bOnOne)];
    bOnTwo.send({ type: 'finish' });
    bOnOne.send({ type: 'finish' });
    await Promise.all([onTwo, onOneB]);
    // Each socket's messages are handled in order: the answer to a later position means its finish is done.
    const drained = (s: TestSocket) => {
      const refused = s.upcoming((m) => m.type === 'error' && m.code === 'NOT_RUNNING', 'the position after the finish refused');
      s.send({ type: 'location', lat: 37.5667, lng: 126.978 });
      return refused;
    };
    await Promise.all([drained(bOnTwo), drained(bOnOne)]);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM run_records WHERE user_id = $1', [b.id]);
    assert.equal(rows[0]!.n, 1, 'one run for two finishes on two processes');
    await hostOnOne.next((m) => m.type === 'completed' && m.user_id === b.id, 'completed heard by the host');
    await bOnOne.next((m) => m.type === 'completed' && m.user_id === b.id, 'completed heard on process one');
    await bOnTwo.next((m) => m.type === 'completed' && m.user_id === b.id, 'completed heard on process two');
    // One `completed` broadcast, not one per finish (both finishes were handled above, their broadcasts published first).
    for (const s of [hostOnOne, bOnOne, bOnTwo]) {
      assert.equal(s.messages.filter((m) => m.type === 'completed' && m.user_id === b.id).length, 1);
    }

    await Promise.all([hostOnOne.close(), bOnTwo.close(), bOnOne.close()]);
    assert.deepEqual([...serverProblems(one), ...serverProblems(two)], []);
  });
});

describe('live group runs with Redis unreachable', () => {
  it('still fans messages out to the sockets of the process, and says so once in the log', async () => {
    // A port that was just free: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const t = await createTestApp({ REDIS_URL: `redis://127.0.0.1:${port}` });
    try {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const base = `ws://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/api/v1/live-group-runs`;
      const [host, b] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
      const course = await insertCourse(t.db, host.id);
      const post = (url: string, who: { auth: { authorization: string } }, payload?: object) =>
        t.app.inject({ method: 'POST', url: `/api/v1/live-group-runs${url}`, headers: who.auth, ...(payload ? { payload } : {}) });
      const runId = (await post('', host, { course_id: course, title: 'No Redis' })).json().id as string;
      assert.equal((await post(`/${runId}/join`, b)).statusCode, 200);
      const sh = await TestSocket.open(`${base}/${runId}/ws?token=${host.token}`);
      const sb = await TestSocket.open(`${base}/${runId}/ws?token=${b.token}`);
      await Promise.all([sh.next(isSnapshot), sb.next(isSnapshot)]);
      assert.equal((await post(`/${runId}/start`, host)).statusCode, 200);
      await sb.next((m) => m.type === 'started', 'started without Redis');
      sh.send({ type: 'location', lat: 37.5665, lng: 126.978 });
      await sb.next((m) => isSnapshot(m) && standing(m, host.id)?.last_lat === 37.5665, 'the position without Redis');
      await Promise.all([sh.close(), sb.close()]);
      const warnings = t.logs.records.filter((r) => r.level === 'warn' && /live group runs: Redis is down/.test(String(r.message)));
      assert.equal(warnings.length, 1);
    } finally {
      await t.close();
    }
  });
});
