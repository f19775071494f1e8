// Exports: one run as GPX 1.1 (parsed back and compared point by point), and the personal-data archive built by
// the background job, unzipped and read back; only the owner gets either.
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import yauzl from 'yauzl';
import { AppError } from '../src/infra/errors.js';
import { recordPosition } from '../src/features/live-group-runs/service.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { waitForIdleQueue } from './helpers/jobs.js';
import { createUser, type TestUser } from './helpers/users.js';

const QUEUE = 'user-data-export';
const DEVICE_TOKEN = `fcm-device-token-that-must-not-be-exported-${randomUUID()}`;
const GPX_NS = 'http://www.topografix.com/GPX/1/1';
const T0 = Date.UTC(2026, 1, 17, 6, 0, 0);

interface RawPoint {
  lat: number;
  lng: number;
  alt: number;
  timestamp: number;
}

/** 120 fixes, one a second, heading north-east from Seoul City Hall. */
const RAW: RawPoint[] = Array.from({ length: 120 }, (_, i) => ({
  lat: 37.5665 + i * 0.00003,
  lng: 126.978 + i * 0.00002,
  alt: 20 + i * 0.25,
  timestamp: T0 + i * 1000,
}));
const IMPORTED_ROUTE: [number, number][] = [
  [127.001, 37.51],
  [127.002, 37.511],
  [127.003, 37.5125],
];

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (name) => ['trkpt', 'trk', 'trkseg'].includes(name) });

interface ParsedPoint {
  lat: number;
  lon: number;
  ele?: number;
  time?: string;
}

/** Checks the document is well-formed GPX 1.1 and returns its track points. */
function parseGpx(xml: string): ParsedPoint[] {
  assert.equal(XMLValidator.validate(xml), true, 'well-formed XML');
  const { gpx } = parser.parse(xml) as { gpx: Record<string, unknown> };
  assert.equal(gpx['@_version'], '1.1');
  assert.equal(gpx['@_xmlns'], GPX_NS);
  assert.ok(String(gpx['@_creator']).length > 0);
  const tracks = (gpx.trk ?? []) as { trkseg: { trkpt: Record<string, unknown>[] }[] }[];
  return tracks.flatMap((trk) =>
    trk.trkseg.flatMap((seg) =>
      seg.trkpt.map((p) => ({
        lat: Number(p['@_lat']),
        lon: Number(p['@_lon']),
        ...(p.ele !== undefined ? { ele: Number(p.ele) } : {}),
        ...(p.time !== undefined ? { time: String(p.time) } : {}),
      })),
    ),
  );
}

async function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  const zipfile = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z))),
  );
  const files = new Map<string, Buffer>();
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
          files.set(entry.fileName, Buffer.concat(chunks));
          zipfile.readEntry();
        });
      });
    });
    zipfile.readEntry();
  });
  return files;
}

describe('exports', () => {
  let t: TestApp;
  let owner: TestUser;
  let other: TestUser;
  let appRunId: string;
  let importedRunId: string;

  async function insertRun(user: TestUser, route: [number, number][], opts: { source: string; startedAt: number; chunks?: RawPoint[][] }) {
    const { rows: s } = await t.db.query<{ id: string }>(
      `INSERT INTO run_sessions (user_id, status, started_at) VALUES ($1, $2, $3) RETURNING id`,
      [user.id, opts.source === 'app' ? 'completed' : 'imported', new Date(opts.startedAt)],
    );
    const sessionId = s[0]!.id;
    for (const [sequence, points] of (opts.chunks ?? []).entries()) {
      await t.db.query(
        `INSERT INTO run_chunks (session_id, sequence, chunk_type, raw_gps_points, chunk_summary, cumulative)
         VALUES ($1, $2, $3, $4, '{}', '{}')`,
        [sessionId, sequence, sequence === opts.chunks!.length - 1 ? 'final' : 'intermediate', JSON.stringify(points.map((p) => ({ ...p, speed: 3, bearing: 0, accuracy: 5 })))],
      );
    }
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO run_records (user_id, session_id, distance_meters, duration_seconds, started_at, finished_at, route_geometry, source)
       VALUES ($1, $2, 500, 120, $3, $4, ST_SetSRID(ST_GeomFromGeoJSON($5), 4326)::geography, $6) RETURNING id`,
      [user.id, sessionId, new Date(opts.startedAt), new Date(opts.startedAt + 120_000), JSON.stringify({ type: 'LineString', coordinates: route }), opts.source],
    );
    return rows[0]!.id;
  }

  async function insertCourse(user: TestUser, title: string, route: [number, number][]): Promise<string> {
    const { rows } = await t.db.query<{ id: string }>(
      `WITH line AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($3), 4326) AS g)
       INSERT INTO courses (creator_id, title, distance_meters, route_geometry, start_point)
       SELECT $1, $2, 500, g::geography, ST_StartPoint(g)::geography FROM line RETURNING id`,
      [user.id, title, JSON.stringify({ type: 'LineString', coordinates: route })],
    );
    return rows[0]!.id;
  }

  before(async () => {
    t = await createTestApp({ RUN_WORKERS: 'true', JOB_POLL_SECONDS: '0.5' });
    owner = await createUser(t.db, t.config);
    other = await createUser(t.db, t.config);
    const appRoute = RAW.map((p): [number, number] => [p.lng, p.lat]);
    appRunId = await insertRun(owner, appRoute, { source: 'app', startedAt: T0, chunks: [RAW.slice(0, 50), RAW.slice(50)] });
    importedRunId = await insertRun(owner, IMPORTED_ROUTE, { source: 'gpx_upload', startedAt: T0 + 86_400_000 });

    const ownCourse = await insertCourse(owner, 'Owner <&> course', appRoute);
    const otherCourse = await insertCourse(other, 'Other course', IMPORTED_ROUTE);
    await t.db.query(`INSERT INTO reviews (course_id, user_id, rating, content) VALUES ($1, $2, 5, 'Lovely "river" run & more')`, [otherCourse, owner.id]);
    await t.db.query(`INSERT INTO course_comments (course_id, user_id, content) VALUES ($1, $2, 'Owner comments'), ($1, $3, 'Other comments')`, [otherCourse, owner.id, other.id]);
    await t.db.query('INSERT INTO follows (follower_id, following_id) VALUES ($1, $2)', [owner.id, other.id]);
    await t.db.query(
      `INSERT INTO rankings (course_id, user_id, run_record_id, best_duration_seconds, best_pace_seconds_per_km, achieved_at)
       VALUES ($1, $2, $3, 118, 236, $4)`,
      [ownCourse, owner.id, appRunId, new Date(T0)],
    );
    await t.db.query(`INSERT INTO device_tokens (user_id, device_token, platform) VALUES ($1, $2, 'ios')`, [owner.id, DEVICE_TOKEN]);
  });
  after(async () => {
    await t?.close();
  });

  describe('GET /runs/{run_id}/export.gpx', () => {
    const url = (id: string) => `/api/v1/runs/${id}/export.gpx`;

    it('returns the recorded points with elevation and time as a GPX 1.1 attachment', async () => {
      const res = await t.app.inject({ method: 'GET', url: url(appRunId), headers: owner.auth });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/gpx\+xml/);
      assert.match(String(res.headers['content-disposition']), /^attachment; filename="runcrew-run-2026-02-17-[0-9a-f-]{36}\.gpx"$/);
      const points = parseGpx(res.body);
      assert.equal(points.length, RAW.length);
      for (const [i, p] of points.entries()) {
        const raw = RAW[i]!;
        assert.ok(Math.abs(p.lat - raw.lat) < 1e-9 && Math.abs(p.lon - raw.lng) < 1e-9, `point ${i} position`);
        assert.ok(Math.abs(p.ele! - raw.alt) < 1e-9, `point ${i} elevation`);
        assert.equal(p.time, new Date(raw.timestamp).toISOString());
      }
    });

    it('exports only positions for a run without recorded points', async () => {
      const res = await t.app.inject({ method: 'GET', url: url(importedRunId), headers: owner.auth });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(
        parseGpx(res.body),
        IMPORTED_ROUTE.map(([lon, lat]) => ({ lat, lon })),
      );
    });

    it('is 404 for another user’s run and for an unknown run, 401 without a token', async () => {
      const foreign = await t.app.inject({ method: 'GET', url: url(appRunId), headers: other.auth });
      assert.equal(foreign.statusCode, 404);
      assert.equal(foreign.json().code, 'NOT_FOUND');
      assert.ok(!foreign.body.includes('trkpt'));
      const unknown = await t.app.inject({ method: 'GET', url: url('00000000-0000-4000-8000-000000000000'), headers: owner.auth });
      assert.equal(unknown.statusCode, 404);
      assert.equal((await t.app.inject({ method: 'GET', url: url('not-a-uuid'), headers: owner.auth })).statusCode, 422);
      assert.equal((await t.app.inject({ method: 'GET', url: url(appRunId) })).statusCode, 401);
    });
  });

  describe('personal data archive', () => {
    const EXPORT = '/api/v1/users/me/export';
    let firstExport: { id: string; download_url: string };
    let firstKey: string;

    async function exportAndWait(user: TestUser) {
      const res = await t.app.inject({ method: 'POST', url: EXPORT, headers: user.auth });
      assert.equal(res.statusCode, 202, res.body);
      const created = res.json();
      assert.equal(created.status, 'pending');
      assert.equal(created.download_url, null);
      await waitForIdleQueue(t.db, QUEUE);
      const status = await t.app.inject({ method: 'GET', url: EXPORT, headers: user.auth });
      assert.equal(status.statusCode, 200);
      const body = status.json();
      assert.equal(body.id, created.id);
      assert.equal(body.status, 'ready');
      return body as { id: string; download_url: string; size_bytes: number };
    }

    it('builds a ZIP of the user’s data that only they can download', async () => {
      const crewName = `Export ${randomUUID().slice(0, 8)}`;
      const crew = await t.app.inject({ method: 'POST', url: '/api/v1/crews', headers: owner.auth, payload: { name: crewName, requires_approval: true } });
      assert.equal(crew.statusCode, 201, crew.body);
      const asked = await t.app.inject({ method: 'POST', url: `/api/v1/crews/${crew.json().id}/join-requests`, headers: other.auth, payload: { message: 'hi' } });
      assert.equal(asked.statusCode, 201);
      const said = await t.app.inject({ method: 'POST', url: `/api/v1/crews/${crew.json().id}/chat/messages`, headers: owner.auth, payload: { content: 'Welcome' } });
      assert.equal(said.statusCode, 201);
      // A group run the owner hosts (inviting the other user) and one the owner is invited to and accepted.
      const groupCourse = await insertCourse(other, 'Group course', [[126.97, 37.56], [126.98, 37.56]]);
      const groupRun = (host: TestUser, guest: TestUser, name: string) =>
        t.app.inject({ method: 'POST', url: '/api/v1/group-runs', headers: host.auth, payload: { name, course_id: groupCourse, invite_user_ids: [guest.id] } });
      const hosted = (await groupRun(owner, other, 'Owner hosts')).json();
      const invited = (await groupRun(other, owner, 'Other hosts')).json();
      assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/group-runs/${invited.id}/accept`, headers: owner.auth })).statusCode, 200);
      // A challenge the owner joined (challenges are made by operators, in the database).
      const { rows: [goal] } = await t.db.query<{ id: string }>(
        `INSERT INTO challenges (title, goal_type, goal_value, start_date, end_date)
         VALUES ('Export challenge', 'total_runs', 5, current_date - 1, current_date + 30) RETURNING id`,
      );
      assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/challenges/${goal!.id}/join`, headers: owner.auth })).statusCode, 201);
      // A live group run the owner hosts, and one the owner joined and sent a position in.
      const liveRun = async (host: TestUser, title: string) => {
        const r = await t.app.inject({ method: 'POST', url: '/api/v1/live-group-runs', headers: host.auth, payload: { title, course_id: groupCourse } });
        assert.equal(r.statusCode, 201, r.body);
        return (r.json() as { id: string }).id;
      };
      const liveHosted = await liveRun(owner, 'Owner live');
      const liveJoined = await liveRun(other, 'Other live');
      assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/live-group-runs/${liveJoined}/join`, headers: owner.auth })).statusCode, 200);
      assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/live-group-runs/${liveJoined}/start`, headers: other.auth })).statusCode, 200);
      assert.equal(await recordPosition(t.app.deps, liveJoined, owner.id, 37.5601, 126.9701), 'recorded');
      assert.equal(await recordPosition(t.app.deps, liveJoined, other.id, 37.5702, 126.9802), 'recorded');
      // Gear: the owner's, with the app run on it, and the other user's, which is theirs.
      const addGear = async (who: TestUser, model_name: string) => {
        const r = await t.app.inject({ method: 'POST', url: '/api/v1/gear', headers: who.auth, payload: { brand: 'Nike', model_name, is_primary: true } });
        assert.equal(r.statusCode, 201, r.body);
        return (r.json() as { id: string }).id;
      };
      const ownerGear = await addGear(owner, 'Owner shoe');
      await addGear(other, 'Other shoe');
      await t.db.query('UPDATE run_records SET gear_id = $1 WHERE id = $2', [ownerGear, appRunId]);
      // Community: the owner's post with the other user's comment and like, the owner's comment, like and report of theirs.
      const community = (who: TestUser, url: string, payload?: object) =>
        t.app.inject({ method: 'POST', url: `/api/v1/community${url}`, headers: who.auth, ...(payload ? { payload } : {}) });
      const ownerPost = (await community(owner, '/posts', { content: 'Owner <post>', post_type: 'question' })).json() as { id: string };
      const otherPost = (await community(other, '/posts', { content: 'Other post', post_type: 'general' })).json() as { id: string };
      assert.equal((await community(other, `/posts/${ownerPost.id}/comments`, { content: 'other on owner' })).statusCode, 201);
      assert.equal((await community(other, `/posts/${ownerPost.id}/like`)).statusCode, 200);
      const ownerComment = (await community(owner, `/posts/${otherPost.id}/comments`, { content: 'owner on other' })).json() as { id: string };
      assert.equal((await community(owner, `/posts/${otherPost.id}/like`)).statusCode, 200);
      assert.equal((await community(owner, `/posts/${otherPost.id}/report`, { reason: 'off topic' })).statusCode, 204);
      for (const u of [owner, other]) {
        assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/users/me/daily-checkin', headers: u.auth })).statusCode, 200);
      }
      await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/consent', headers: owner.auth, payload: { terms: true, privacy: true, location: true, contacts: false, marketing: false } });
      // The owner registered their phone number (contacts): the archive says so, and holds no hash of it.
      const phoneHash = createHash('sha256').update('+821012345678').digest('hex');
      assert.equal((await t.app.inject({ method: 'PUT', url: '/api/v1/contacts/phone-hash', headers: owner.auth, payload: { phone_hash: phoneHash } })).statusCode, 200);
      const { rows: keyed } = await t.db.query<{ hex: string }>("SELECT encode(keyed_hash, 'hex') AS hex FROM contact_phone_hashes WHERE user_id = $1", [owner.id]);
      // Friends: the owner and the other user are friends; a third user asked the owner; the owner asked a fourth.
      const [asker, asked2] = [await createUser(t.db, t.config), await createUser(t.db, t.config)];
      const friendRequest = async (from: TestUser, to: TestUser) => {
        const r = await t.app.inject({ method: 'POST', url: `/api/v1/friend-requests/${to.id}`, headers: from.auth });
        assert.equal(r.statusCode, 201, r.body);
        return (r.json() as { id: string }).id;
      };
      const friendship = await friendRequest(other, owner);
      assert.equal((await t.app.inject({ method: 'PATCH', url: `/api/v1/friend-requests/${friendship}/accept`, headers: owner.auth })).statusCode, 200);
      const receivedRequest = await friendRequest(asker, owner);
      const sentRequest = await friendRequest(owner, asked2);
      const strangers = await friendRequest(asker, asked2);
      const ready = await exportAndWait(owner);
      assert.equal(ready.download_url, `${t.config.publicBaseUrl}${EXPORT}/${ready.id}/download`);
      const path = new URL(ready.download_url).pathname;

      const res = await t.app.inject({ method: 'GET', url: path, headers: owner.auth });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/zip');
      assert.match(String(res.headers['content-disposition']), /^attachment; filename="runcrew-data-\d{4}-\d{2}-\d{2}\.zip"$/);
      assert.equal(res.rawPayload.length, ready.size_bytes);
      const files = await unzip(res.rawPayload);

      const json = (name: string) => JSON.parse(files.get(name)?.toString('utf8') ?? 'null');
      const profile = json('profile.json');
      assert.equal(profile.id, owner.id);
      assert.equal(profile.nickname, owner.nickname);
      assert.equal(profile.contact_matching.has_phone_hash, true);
      assert.match(profile.contact_matching.registered_at, /^\d{4}-\d{2}-\d{2}T/);
      const everything = [...files.values()].map((b) => b.toString('utf8')).join('\n');
      for (const hash of [phoneHash, keyed[0]!.hex]) assert.ok(!everything.includes(hash), 'no phone hash in the archive');
      const runs = json('runs.json') as { id: string; source: string; route: { type: string; coordinates: number[][] }; gpx_file: string }[];
      assert.deepEqual(runs.map((r) => r.id), [appRunId, importedRunId]);
      assert.equal(runs[0]!.route.type, 'LineString');
      assert.equal(runs[0]!.route.coordinates.length, RAW.length);
      assert.deepEqual(runs[1]!.route.coordinates, IMPORTED_ROUTE);
      assert.equal(runs[1]!.source, 'gpx_upload');
      assert.deepEqual(runs.map((r) => (r as { gear_id?: string | null }).gear_id), [ownerGear, null]);
      assert.deepEqual(
        json('gear.json').map((g: { id: string; model_name: string; is_primary: boolean; total_distance_meters: number }) => [g.id, g.model_name, g.is_primary, g.total_distance_meters]),
        [[ownerGear, 'Owner shoe', true, 500]],
      );
      assert.deepEqual(json('courses.json').map((c: { title: string; route: { type: string } }) => [c.title, c.route.type]), [['Owner <&> course', 'LineString']]);
      assert.deepEqual(json('reviews.json').written.map((r: { content: string }) => r.content), ['Lovely "river" run & more']);
      assert.deepEqual(json('reviews.json').course_comments.map((c: { content: string; course_title: string }) => [c.content, c.course_title]), [['Owner comments', 'Other course']]);
      assert.deepEqual(json('follows.json').following.map((f: { user_id: string }) => f.user_id), [other.id]);
      const inbox = json('notifications.json') as { type: string; actor_id: string }[];
      for (const type of ['crew_join_request', 'post_comment', 'post_like']) assert.ok(inbox.some((n) => n.type === type && n.actor_id === other.id), type);
      assert.ok(inbox.every((n) => n.actor_id !== owner.id), 'what the owner did is not in their own inbox');
      assert.deepEqual(json('rankings.json').map((r: { best_duration_seconds: number }) => r.best_duration_seconds), [118]);
      const friends = json('friends.json') as Record<string, { id: string; user_id: string; requested_by_me?: boolean; accepted_at: string | null }[]>;
      assert.deepEqual(friends.friends!.map((f) => [f.id, f.user_id, f.requested_by_me, typeof f.accepted_at]), [[friendship, other.id, false, 'string']]);
      assert.deepEqual(friends.requests_received!.map((f) => [f.id, f.user_id]), [[receivedRequest, asker.id]]);
      assert.deepEqual(friends.requests_sent!.map((f) => [f.id, f.user_id]), [[sentRequest, asked2.id]]);
      assert.ok(!files.get('friends.json')!.toString('utf8').includes(strangers), 'other users’ requests are theirs');
      const crews = json('crews.json');
      assert.deepEqual(crews.memberships.map((m: { crew_name: string; role: string; is_primary: boolean }) => [m.crew_name, m.role, m.is_primary]), [[crewName, 'owner', true]]);
      assert.deepEqual(crews.owned.map((c: { name: string }) => c.name), [crewName]);
      assert.deepEqual(crews.join_requests, [], 'the other user’s request is theirs, not the owner’s');
      assert.deepEqual(crews.chat_messages.map((m: { crew_name: string; content: string }) => [m.crew_name, m.content]), [[crewName, 'Welcome']]);
      assert.match(profile.user_code, /^[2-9A-Z]{8}$/);
      assert.equal(profile.total_points, 5);
      assert.deepEqual(profile.point_transactions.map((p: { amount: number; tx_type: string }) => [p.amount, p.tx_type]), [[5, 'daily_checkin']]);
      assert.ok(profile.consent_terms_at);
      assert.equal(profile.consent_marketing_at, null);
      const groupRuns = json('group_runs.json');
      assert.deepEqual(groupRuns.hosted.map((g: { id: string; course_id: string; invitations: { user_id: string; status: string }[] }) =>
        [g.id, g.course_id, g.invitations.map((i) => [i.user_id, i.status])]), [[hosted.id, groupCourse, [[other.id, 'invited']]]]);
      assert.deepEqual(
        groupRuns.participations.map((p: { group_run_id: string; is_host: boolean; status: string }) => [p.group_run_id, p.is_host, p.status]).sort(),
        [[hosted.id, true, 'accepted'], [invited.id, false, 'accepted']].sort(),
      );

      assert.deepEqual(
        json('challenges.json').map((c: { challenge_id: string; title: string; completed_at: string | null }) => [c.challenge_id, c.title, c.completed_at]),
        [[goal!.id, 'Export challenge', null]],
      );
      const live = json('live_group_runs.json') as {
        hosted: { id: string; course_id: string }[];
        participations: { live_group_run_id: string; is_host: boolean; status: string; positions: { lat: number; lng: number }[] }[];
      };
      assert.deepEqual(live.hosted.map((r) => [r.id, r.course_id]), [[liveHosted, groupCourse]]);
      assert.deepEqual(
        live.participations.map((p) => [p.live_group_run_id, p.is_host, p.status, p.positions.map((x) => [x.lat, x.lng])]).sort(),
        [[liveHosted, true, 'waiting', []], [liveJoined, false, 'running', [[37.5601, 126.9701]]]].sort(),
        'the owner’s own positions, not the other participant’s',
      );
      assert.deepEqual(json('announcements.json'), [], 'no announcement of theirs (announcements.test.ts exports an author’s)');

      const board = json('community.json');
      assert.deepEqual(board.posts.map((p: { id: string; content: string; post_type: string }) => [p.id, p.content, p.post_type]), [[ownerPost.id, 'Owner <post>', 'question']]);
      assert.deepEqual(board.comments.map((c: { id: string; content: string }) => [c.id, c.content]), [[ownerComment.id, 'owner on other']], 'not the other user’s comment');
      assert.deepEqual(board.likes.map((l: { post_id: string }) => l.post_id), [otherPost.id]);
      assert.deepEqual(board.reports.posts.map((r: { post_id: string; reason: string }) => [r.post_id, r.reason]), [[otherPost.id, 'off topic']]);

      // One GPX per run, named in runs.json, with the same points as the single-run export.
      for (const run of runs) assert.ok(files.has(run.gpx_file), run.gpx_file);
      assert.equal([...files.keys()].filter((n) => n.startsWith('gpx/')).length, 2);
      assert.equal(parseGpx(files.get(runs[0]!.gpx_file)!.toString('utf8')).length, RAW.length);
      assert.equal(parseGpx(files.get(runs[1]!.gpx_file)!.toString('utf8')).length, IMPORTED_ROUTE.length);

      // Device tokens stay out.
      for (const [name, content] of files) assert.ok(!content.toString('utf8').includes(DEVICE_TOKEN), name);

      firstExport = ready;
      const { rows } = await t.db.query<{ file_key: string }>('SELECT file_key FROM data_exports WHERE id = $1', [ready.id]);
      firstKey = rows[0]!.file_key;
      assert.match(firstKey, /^exports\/[0-9a-f]{32}\.zip$/);
    });

    it('another user cannot download it, and the private folder is not served', async () => {
      const path = new URL(firstExport.download_url).pathname;
      const foreign = await t.app.inject({ method: 'GET', url: path, headers: other.auth });
      assert.equal(foreign.statusCode, 404);
      assert.equal(foreign.json().code, 'NOT_FOUND');
      assert.equal((await t.app.inject({ method: 'GET', url: EXPORT, headers: other.auth })).statusCode, 404);
      assert.equal((await t.app.inject({ method: 'GET', url: path })).statusCode, 401);
      assert.equal(t.app.deps.storage.urlFor(firstKey), null);
      const direct = await t.app.inject({ method: 'GET', url: `/uploads/${firstKey}` });
      assert.equal(direct.statusCode, 404);
    });

    it('a new archive replaces the old one, whose file is deleted', async () => {
      const second = await exportAndWait(owner);
      assert.notEqual(second.id, firstExport.id);
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM data_exports WHERE user_id = $1', [owner.id]);
      assert.equal(rows[0]!.n, 1);
      await assert.rejects(t.app.deps.storage.get(firstKey), (err: unknown) => err instanceof AppError && err.statusCode === 404);
      const stale = await t.app.inject({ method: 'GET', url: new URL(firstExport.download_url).pathname, headers: owner.auth });
      assert.equal(stale.statusCode, 404);
      const fresh = await t.app.inject({ method: 'GET', url: new URL(second.download_url).pathname, headers: owner.auth });
      assert.equal(fresh.statusCode, 200);
    });

    it('while an archive is in progress, asking again returns it instead of starting another', async () => {
      const user = await createUser(t.db, t.config);
      const { rows } = await t.db.query<{ id: string }>(
        `INSERT INTO data_exports (user_id, status) VALUES ($1, 'processing') RETURNING id`,
        [user.id],
      );
      const res = await t.app.inject({ method: 'POST', url: EXPORT, headers: user.auth });
      assert.equal(res.statusCode, 202);
      assert.equal(res.json().id, rows[0]!.id);
      assert.equal(res.json().status, 'processing');
      const count = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM data_exports WHERE user_id = $1', [user.id]);
      assert.equal(count.rows[0]!.n, 1);
    });
  });
});
