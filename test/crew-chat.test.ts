// Crew chat (issue 12 item 6): members read and send, outsiders are refused on every read and write (404 for a
// hidden crew), pages go back without gaps or repeats, a retried send is one message, unread counts follow reads.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { multipart, smallJpeg } from './helpers/authz-world.js';

type Message = { id: string; crew_id: string; event_id: string; user_id: string | null; nickname: string | null; avatar_url: string | null; content: string; message_type: string; created_at: string };

describe('crew chat', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST', url: string, user: TestUser, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: user.auth, ...(payload ? { payload } : {}) });
  async function crewWith(members: number, extra: object = {}) {
    const owner = await createUser(t.db, t.config);
    const res = await call('POST', '/crews', owner, { name: `Chat ${randomUUID().slice(0, 8)}`, ...extra });
    assert.equal(res.statusCode, 201, res.body);
    const crewId = (res.json() as { id: string }).id;
    const others: TestUser[] = [];
    for (let i = 0; i < members; i++) {
      const u = await createUser(t.db, t.config);
      await t.db.query('INSERT INTO crew_members (crew_id, user_id) VALUES ($1, $2)', [crewId, u.id]);
      others.push(u);
    }
    return { crewId, owner, members: others };
  }
  const send = async (crewId: string, user: TestUser, content: string, extra: object = {}) => {
    const res = await call('POST', `/crews/${crewId}/chat/messages`, user, { content, ...extra });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as Message;
  };
  const unreadOf = async (user: TestUser, crewId: string) =>
    ((await call('GET', '/crews/my-unread', user)).json() as { crews: { crew_id: string; unread_count: number }[] }).crews.find((c) => c.crew_id === crewId)
      ?.unread_count;

  it('sends and lists messages with the keys of the app’s CrewMessageItem, newest first', async () => {
    const { crewId, owner, members } = await crewWith(1);
    const first = await send(crewId, owner, '  Sunday 7am at the river  ');
    assert.deepEqual(Object.keys(first).sort(), ['avatar_url', 'content', 'created_at', 'crew_id', 'event_id', 'id', 'message_type', 'nickname', 'user_id']);
    assert.equal(first.content, 'Sunday 7am at the river');
    assert.equal(first.message_type, 'text');
    assert.equal(first.event_id, crewId);
    assert.equal(first.user_id, owner.id);
    assert.equal(first.nickname, owner.nickname);
    await send(crewId, members[0]!, '<b>see you</b>');
    const res = await call('GET', `/crews/${crewId}/chat/messages`, members[0]!);
    assert.equal(res.statusCode, 200);
    const list = res.json() as { data: Message[]; has_more: boolean };
    assert.deepEqual(list.data.map((m) => m.content), ['<b>see you</b>', 'Sunday 7am at the river']);
    assert.equal(list.has_more, false);
  });

  it('refuses outsiders on every read and write: 403 on a public crew, 404 on a hidden one, and writes nothing', async () => {
    const open = await crewWith(0);
    const hidden = await crewWith(0, { is_public: false });
    const outsider = await createUser(t.db, t.config);
    for (const [crew, status] of [[open, 403], [hidden, 404]] as const) {
      assert.equal((await call('GET', `/crews/${crew.crewId}/chat/messages`, outsider)).statusCode, status);
      assert.equal((await call('POST', `/crews/${crew.crewId}/chat/messages`, outsider, { content: 'hi' })).statusCode, status);
      assert.equal((await call('POST', `/crews/${crew.crewId}/chat/read`, outsider)).statusCode, status);
    }
    assert.equal((await call('GET', `/crews/${randomUUID()}/chat/messages`, outsider)).statusCode, 404);
    const { rows } = await t.db.query('SELECT 1 FROM crew_messages WHERE crew_id = ANY($1)', [[open.crewId, hidden.crewId]]);
    assert.equal(rows.length, 0);
    assert.equal(await unreadOf(outsider, open.crewId), undefined);
  });

  it('stops answering a member who left', async () => {
    const { crewId, owner, members } = await crewWith(1);
    await send(crewId, members[0]!, 'bye');
    assert.equal((await call('POST', `/crews/${crewId}/leave`, members[0]!)).statusCode, 204);
    assert.equal((await call('GET', `/crews/${crewId}/chat/messages`, members[0]!)).statusCode, 403);
    assert.equal((await call('GET', `/crews/${crewId}/chat/messages`, owner)).json().data.length, 1);
  });

  it('pages back by before_id through messages sent in the same instant, without a gap or a repeat', async () => {
    const { crewId, owner } = await crewWith(0);
    // 7 messages with one timestamp: a cursor on time alone would lose or repeat some.
    await t.db.query(
      `INSERT INTO crew_messages (crew_id, user_id, content, created_at)
       SELECT $1, $2, 'm' || i, '2026-05-01T10:00:00Z' FROM generate_series(1, 7) i`,
      [crewId, owner.id],
    );
    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await call('GET', `/crews/${crewId}/chat/messages?limit=3${before ? `&before_id=${before}` : ''}`, owner);
      const body = res.json() as { data: Message[]; has_more: boolean };
      seen.push(...body.data.map((m) => m.content));
      if (!body.has_more) break;
      before = body.data.at(-1)!.id;
    }
    assert.deepEqual([...seen].sort(), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    const old = await call('GET', `/crews/${crewId}/chat/messages?before=2026-05-01T10:00:00Z`, owner);
    assert.deepEqual(old.json().data, []);
  });

  it('bounds messages and pages, and takes only our own image URLs', async () => {
    const { crewId, owner } = await crewWith(0);
    const bad = [
      { content: '' },
      { content: 'x'.repeat(2001) },
      { content: 'hi', message_type: 'system' },
      { content: 'https://evil.example/a.jpg', message_type: 'image' },
      { content: '   ' },
    ];
    for (const body of bad) assert.equal((await call('POST', `/crews/${crewId}/chat/messages`, owner, body)).statusCode, 422, JSON.stringify(body).slice(0, 80));
    assert.equal((await call('GET', `/crews/${crewId}/chat/messages?limit=101`, owner)).statusCode, 422);
    assert.equal((await call('GET', `/crews/${crewId}/chat/messages?before_id=nope`, owner)).statusCode, 422);
    assert.equal((await send(crewId, owner, 'x'.repeat(2000))).content.length, 2000);
    const form = multipart({ filename: 'a.jpg', type: 'image/jpeg', data: await smallJpeg() });
    const image = await t.app.inject({ method: 'POST', url: '/api/v1/uploads/image', headers: { ...owner.auth, ...form.headers }, payload: form.payload });
    const url = (image.json() as { url: string }).url;
    assert.equal((await send(crewId, owner, url, { message_type: 'image' })).message_type, 'image');
  });

  it('answers a retried send with the first message, also when both arrive at once', async () => {
    const { crewId, owner } = await crewWith(0);
    const clientId = randomUUID();
    const answers = await Promise.all(Array.from({ length: 5 }, () => call('POST', `/crews/${crewId}/chat/messages`, owner, { content: 'once', client_id: clientId })));
    assert.deepEqual(answers.map((a) => a.statusCode), [201, 201, 201, 201, 201]);
    assert.equal(new Set(answers.map((a) => (a.json() as Message).id)).size, 1);
    await send(crewId, owner, 'twice');
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM crew_messages WHERE crew_id = $1', [crewId]);
    assert.equal(rows[0]!.n, 2);
  });

  it('counts others’ messages since the last read, per crew, and a read clears them', async () => {
    const a = await crewWith(2);
    const b = await crewWith(0);
    const [reader, writer] = a.members as [TestUser, TestUser];
    await t.db.query('INSERT INTO crew_members (crew_id, user_id) VALUES ($1, $2)', [b.crewId, reader.id]);
    await send(a.crewId, writer, 'one');
    await send(a.crewId, writer, 'two');
    await send(a.crewId, reader, 'my own never counts');
    await send(b.crewId, b.owner, 'other crew');
    const res = await call('GET', '/crews/my-unread', reader);
    const crews = (res.json() as { crews: { crew_id: string; event_id: string; title: string; unread_count: number }[] }).crews;
    assert.deepEqual(crews.map((c) => [c.crew_id === c.event_id, typeof c.title, c.unread_count]).sort(), [[true, 'string', 1], [true, 'string', 2]]);
    assert.equal(await unreadOf(reader, a.crewId), 2);
    const read = await call('POST', `/crews/${a.crewId}/chat/read`, reader);
    assert.equal(read.statusCode, 200);
    assert.ok(!Number.isNaN(Date.parse((read.json() as { last_read_at: string }).last_read_at)));
    assert.equal(await unreadOf(reader, a.crewId), 0);
    assert.equal(await unreadOf(reader, b.crewId), 1);
    await send(a.crewId, writer, 'three');
    assert.equal(await unreadOf(reader, a.crewId), 1);
    // A message sent before someone joined is not unread for them.
    const late = await createUser(t.db, t.config);
    await t.db.query('INSERT INTO crew_members (crew_id, user_id) VALUES ($1, $2)', [a.crewId, late.id]);
    assert.equal(await unreadOf(late, a.crewId), 0);
  });

  it('deletes a member’s messages with their account and the chat with the crew', async () => {
    const { crewId, owner, members } = await crewWith(1);
    await send(crewId, members[0]!, 'mine');
    await send(crewId, owner, 'theirs');
    await call('POST', `/crews/${crewId}/chat/read`, members[0]!);
    assert.equal((await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: members[0]!.auth })).statusCode, 204);
    const left = await t.db.query<{ content: string }>('SELECT content FROM crew_messages WHERE crew_id = $1', [crewId]);
    assert.deepEqual(left.rows.map((r) => r.content), ['theirs']);
    assert.equal((await t.db.query('SELECT 1 FROM crew_message_reads WHERE user_id = $1', [members[0]!.id])).rows.length, 0);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/crews/${crewId}`, headers: owner.auth })).statusCode, 204);
    assert.equal((await t.db.query('SELECT 1 FROM crew_messages WHERE crew_id = $1', [crewId])).rows.length, 0);
  });
});
