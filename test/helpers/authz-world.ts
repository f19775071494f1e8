// The objects of the authorisation matrix (test/authz-matrix.test.ts, scripts/soak/authz.ts): an owner with one
// of everything, made through the API where the app makes it, and an attacker with a public course of their own.
import { createHash, randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import type { TrackPoint } from '../../src/features/matching/geo.js';
import { processImport } from '../../src/features/imports/job.js';
import { buildUserExport } from '../../src/features/exports/service.js';
import { saveConnection } from '../../src/features/strava/connection.js';
import { deleteAccount } from '../../src/features/users/service.js';
import { insertCourse, insertRun } from './run-records.js';
import { chunksOf, completionOf, freshSpot, shifted } from './runs.js';
import { course, join, simulateRun, toLatLng, type XY } from './tracks.js';
import { createUser, type TestUser } from './users.js';

/** The app settings the matrix needs: Strava configured (its servers are a closed local port: nothing leaves). */
export const AUTHZ_APP_SETTINGS = {
  STRAVA_CLIENT_ID: '4242',
  STRAVA_CLIENT_SECRET: 'authz-matrix-secret',
  STRAVA_BASE_URL: 'http://127.0.0.1:9',
  STRAVA_API_BASE_URL: 'http://127.0.0.1:9/api/v3',
};

export interface Request {
  method: string;
  url: string;
  query?: Record<string, string | number>;
  body?: object;
  /** multipart/form-data with one file in the field `file` */
  file?: { filename: string; type: string; data: Buffer };
}

export function multipart(file: NonNullable<Request['file']>) {
  const boundary = `----authz${randomUUID()}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`;
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([Buffer.from(head), file.data, Buffer.from(`\r\n--${boundary}--\r\n`)]),
  };
}

export function send(app: FastifyInstance, who: Pick<TestUser, 'auth'> | undefined, r: Request) {
  const auth = who ? who.auth : {};
  const query = r.query && Object.fromEntries(Object.entries(r.query).map(([k, v]) => [k, String(v)]));
  const method = r.method as 'GET';
  if (r.file) {
    const { headers, payload } = multipart(r.file);
    return app.inject({ method, url: r.url, query, headers: { ...headers, ...auth }, payload });
  }
  return app.inject({ method, url: r.url, query, headers: auth, ...(r.body === undefined ? {} : { payload: r.body }) });
}

async function ok<T = Record<string, unknown>>(app: FastifyInstance, who: TestUser, r: Request, status: number): Promise<T> {
  const res = await send(app, who, r);
  assert.equal(res.statusCode, status, `${r.method} ${r.url}: ${res.body}`);
  return (res.body ? res.json() : {}) as T;
}

// A point-to-point course of 800 m; the runner warms up 100 m before it and runs on 100 m after it.
const COURSE: XY[] = [[0, 0], [500, 0], [500, 300]];
const RUN_PATH: XY[] = join([[-100, 0]], COURSE, [[500, 400]]);

/** A run over the whole course placed at `spot`. */
export const runOver = (spot: XY, startTime: number, seed: number) =>
  simulateRun({ path: shifted(RUN_PATH, spot), speed: 3, noise: 3, seed, startTime }).points;

export const gpxOf = (points: readonly TrackPoint[]) =>
  Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="authz" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>' +
      points.map((p) => `<trkpt lat="${p.lat}" lon="${p.lng}"><ele>20</ele><time>${new Date(p.t).toISOString()}</time></trkpt>`).join('') +
      '</trkseg></trk></gpx>\n',
  );

export const smallJpeg = () =>
  sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 10, g: 120, b: 200 } } }).jpeg().toBuffer();

export interface Owner {
  user: TestUser;
  /** someone the owner follows and who follows them, and who reviewed the public course */
  friend: TestUser;
  publicCourse: string;
  privateCourse: string;
  /** a course that was public while the audience ran, liked, favorited and reviewed it, and private since */
  turnedPrivate: string;
  turnedEvent: string;
  /** each audience member's run on turnedPrivate, and their import of another run on it, by user id */
  audienceRuns: Record<string, string>;
  audienceImports: Record<string, string>;
  /** where the private and the made-private course lie (see runOver) */
  spots: { private: XY; turned: XY };
  /** where the private course starts */
  privateStart: { lat: number; lng: number };
  runs: { free: string; freePrivateSpot: string; onPublic: string; onPrivate: string; imported: string; strava: string };
  sessions: { active: string; finished: string[] };
  /** the owner's review of their public course, of their private course, and the friend's review of the public one */
  reviews: { onPublic: string; onPrivate: string; byFriend: string };
  /** an unread item of the owner's inbox (the friend's join request) */
  inboxItem: string;
  /** the owner's comments on their public and their private course */
  courseComments: { onPublic: string; onPrivate: string };
  event: string;
  /** the owner's crews: open (the friend is a member), approval-only (the friend's request pending), not public */
  crews: { open: string; gated: string; hidden: string; request: string };
  /**
   * challenges: the open crew's active one (public course) and ended one (on the course made private), the hidden
   * crew's (private course)
   */
  challenges: { active: string; endedOnTurned: string; hidden: string };
  /** the owner's group run on the public course, which the friend accepted */
  groupRun: string;
  /**
   * operator-made challenges (the same for everyone): an open one the owner joined and has progress in (their
   * Strava run included), and one that has ended
   */
  goalChallenges: { open: string; ended: string };
  /** the owner's live group runs: waiting on the public course (the friend joined), and on the private course */
  liveRuns: { open: string; onPrivate: string };
  /**
   * the owner's gear: the primary one (the app run, the imported run and the Strava run are on it) and a retired one;
   * `othersSee` is the primary gear's mileage as others see it (without the Strava run)
   */
  gear: { primary: string; retired: string; othersSee: number };
  /** the owner's community post and their comment on it, and the same on the hidden crew's board */
  community: { post: string; comment: string; crewPost: string; crewComment: string };
  /** the owner is an administrator (users.is_admin) and wrote these announcements */
  announcements: { published: string; unpublished: string };
  /** the owner's friendship with the friend, and the owner's pending friend request to someone else */
  friendships: { withFriend: string; pending: string };
  importId: string;
  exportId: string;
  deviceToken: string;
  athleteId: string;
  /** a Strava OAuth state issued to the owner */
  stravaState: string;
  avatarUrl: string;
  /** the code the owner reads to people (GET /follows/search-by-code, POST /follows/by-code) */
  userCode: string;
  /** the app's SHA-256 of the owner's phone number, which the owner registered (never echoed by any answer) */
  phoneHash: string;
  /** storage keys of the owner's files: avatar, imported file, data export */
  files: string[];
  gpx: Buffer;
  /** values nobody but the owner may ever receive */
  secrets: string[];
  /** ids of the owner's own objects: never in anyone else's "my …" answers */
  ownIds: string[];
}

let ownersMade = 0;

/** A fresh spot (runs.ts) with no course near: courses an interrupted earlier run left behind are never matched. */
async function freeSpot(app: FastifyInstance): Promise<XY> {
  for (let tries = 0; tries < 500; tries++) {
    const spot = freshSpot();
    const { lat, lng } = toLatLng(spot);
    const { rowCount } = await app.deps.db.query(
      'SELECT 1 FROM courses WHERE ST_DWithin(start_point, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, 2000) LIMIT 1',
      [lng, lat],
    );
    if (!rowCount) return spot;
  }
  throw new Error('no free spot for test courses');
}

/**
 * Creates a user with one of everything. `audience` (the attackers) used one of the owner's courses while it was
 * public (ran, liked, favorited, reviewed it, joined an event on it) before the owner made it private.
 */
export async function createOwner(app: FastifyInstance, audience: TestUser[]): Promise<Owner> {
  const { db, config } = app.deps;
  const email = `owner-${randomUUID()}@authz.test`;
  const user = await createUser(db, config, { email });
  const { rows: codeRows } = await db.query<{ user_code: string }>('SELECT user_code FROM users WHERE id = $1', [user.id]);
  const userCode = codeRows[0]!.user_code;
  const friend = await createUser(db, config);
  const now = Date.now();
  const hour = 3600_000;

  async function record(points: TrackPoint[], courseId: string | null = null, runner = user): Promise<{ session: string; run: string }> {
    const { session_id: session } = await ok<{ session_id: string }>(
      app,
      runner,
      { method: 'POST', url: '/api/v1/runs/sessions', body: { course_id: courseId, started_at: new Date(points[0]!.t).toISOString() } },
      201,
    );
    const chunks = chunksOf(points);
    for (const chunk of chunks) await ok(app, runner, { method: 'POST', url: `/api/v1/runs/sessions/${session}/chunks`, body: chunk }, 201);
    const done = await ok<{ run_record_id: string }>(
      app,
      runner,
      { method: 'POST', url: `/api/v1/runs/sessions/${session}/complete`, body: completionOf(points, { total_chunks: chunks.length }) },
      201,
    );
    return { session, run: done.run_record_id };
  }

  /** Uploads an activity file and imports it as the job does. */
  async function importFile(who: TestUser, data: Buffer): Promise<string> {
    const { import_id: id } = await ok<{ import_id: string }>(
      app,
      who,
      { method: 'POST', url: '/api/v1/imports/upload', file: { filename: 'morning.gpx', type: 'application/gpx+xml', data } },
      201,
    );
    await processImport(app.deps, app.deps.logger, id);
    const { rows } = await db.query<{ status: string; error_message: string | null }>('SELECT status, error_message FROM external_imports WHERE id = $1', [id]);
    assert.equal(rows[0]?.status, 'completed', `import ${id}: ${rows[0]?.error_message}`);
    return id;
  }

  async function courseFrom(run: string, spot: XY, isPublic: boolean, title = isPublic ? 'Authz public course' : 'Authz private course'): Promise<string> {
    const body = {
      run_record_id: run,
      title,
      route_geometry: { type: 'LineString', coordinates: course(shifted(COURSE, spot), 10) },
      distance_meters: 800,
      estimated_duration_seconds: 300,
      is_public: isPublic,
    };
    return (await ok<{ id: string }>(app, user, { method: 'POST', url: '/api/v1/courses', body }, 201)).id;
  }

  const [spotPublic, spotPrivate] = [await freeSpot(app), await freeSpot(app)];
  const free = await record(runOver(spotPublic, now - 8 * hour, 1));
  const freePrivateSpot = await record(runOver(spotPrivate, now - 7 * hour, 2));
  const publicCourse = await courseFrom(free.run, spotPublic, true);
  const privateCourse = await courseFrom(freePrivateSpot.run, spotPrivate, false);
  const onPublic = await record(runOver(spotPublic, now - 6 * hour, 3), publicCourse);
  const onPrivate = await record(runOver(spotPrivate, now - 5 * hour, 4), privateCourse);

  // A course the audience used while it was public, then made private: only its owner may see it now.
  const spotTurned = await freeSpot(app);
  const turnedTitle = `Authz turned ${randomUUID().slice(0, 8)}`;
  const turnedPrivate = await courseFrom((await record(runOver(spotTurned, now - 9 * hour, 7))).run, spotTurned, true, turnedTitle);
  const { id: turnedEvent } = await ok<{ id: string }>(
    app,
    user,
    {
      method: 'POST',
      url: '/api/v1/events',
      body: { title: 'Authz turned run', course_id: turnedPrivate, starts_at: new Date(now + hour).toISOString(), ends_at: new Date(now + 48 * hour).toISOString() },
    },
    201,
  );
  const audienceRuns: Record<string, string> = {};
  const audienceImports: Record<string, string> = {};
  for (const [i, member] of audience.entries()) {
    // Each member's runs for each owner start 10 minutes apart: an import is never taken for one of their other runs.
    const slot = (ownersMade * audience.length + i) * 600_000;
    audienceRuns[member.id] = (await record(runOver(spotTurned, now - 2 * hour - slot, 20 + i), turnedPrivate, member)).run;
    audienceImports[member.id] = await importFile(member, gpxOf(runOver(spotTurned, now - 20 * hour - slot, 40 + i)));
    await ok(app, member, { method: 'POST', url: `/api/v1/courses/${turnedPrivate}/like` }, 200);
    await ok(app, member, { method: 'POST', url: `/api/v1/favorites/courses/${turnedPrivate}` }, 200);
    await ok(app, member, { method: 'POST', url: `/api/v1/courses/${turnedPrivate}/reviews`, body: { rating: 5, content: 'loved it' } }, 201);
    await ok(app, member, { method: 'POST', url: `/api/v1/events/${turnedEvent}/join` }, 201);
  }
  await ok(app, user, { method: 'PATCH', url: `/api/v1/courses/${turnedPrivate}`, body: { is_public: false } }, 200);
  ownersMade++;

  // An unfinished session on the private course, with one chunk.
  const live = runOver(spotPrivate, now - 10 * 60_000, 5);
  const { session_id: active } = await ok<{ session_id: string }>(
    app,
    user,
    { method: 'POST', url: '/api/v1/runs/sessions', body: { course_id: privateCourse, started_at: new Date(live[0]!.t).toISOString() } },
    201,
  );
  await ok(app, user, { method: 'POST', url: `/api/v1/runs/sessions/${active}/chunks`, body: chunksOf(live.slice(0, 120))[0]! }, 201);

  // An imported GPX file.
  const gpx = gpxOf(runOver(spotPublic, now - 4 * hour, 6));
  const importId = await importFile(user, gpx);
  const { rows: importRows } = await db.query<{ run_record_id: string; file_path: string | null }>(
    'SELECT run_record_id, file_path FROM external_imports WHERE id = $1',
    [importId],
  );

  // A run from Strava (shown to nobody else) and a Strava connection.
  const athleteId = String(900_000_000 + Math.floor(Math.random() * 99_999_999));
  const strava = await insertRun(db, { userId: user.id, finishedAt: new Date(now - 3 * hour), source: 'strava' });
  await saveConnection(app.deps, db, user.id, {
    access_token: 'owner-access',
    refresh_token: 'owner-refresh',
    expires_at: Math.floor(now / 1000) + 6 * 3600,
    athlete: { id: Number(athleteId), firstname: 'Owner' },
  });
  const { state: stravaState } = await ok<{ state: string }>(app, user, { method: 'GET', url: '/api/v1/strava/auth-url' }, 200);

  // Reviews, a reply, likes, favorites.
  const review = (who: TestUser, courseId: string, content: string) =>
    ok<{ id: string }>(app, who, { method: 'POST', url: `/api/v1/courses/${courseId}/reviews`, body: { rating: 4, content } }, 201);
  const reviews = {
    onPublic: (await review(user, publicCourse, 'my own public course')).id,
    onPrivate: (await review(user, privateCourse, 'my own private course')).id,
    byFriend: (await review(friend, publicCourse, 'nice one')).id,
  };
  await ok(app, user, { method: 'POST', url: `/api/v1/courses/${publicCourse}/reviews/${reviews.byFriend}/reply`, body: { content: 'thanks' } }, 200);
  const courseComment = async (courseId: string) =>
    (await ok<{ id: string }>(app, user, { method: 'POST', url: `/api/v1/courses/${courseId}/comments`, body: { content: "the owner's comment" } }, 201)).id;
  const courseComments = { onPublic: await courseComment(publicCourse), onPrivate: await courseComment(privateCourse) };
  for (const c of [publicCourse, privateCourse]) {
    await ok(app, user, { method: 'POST', url: `/api/v1/courses/${c}/like` }, 200);
    await ok(app, user, { method: 'POST', url: `/api/v1/favorites/courses/${c}` }, 200);
  }

  // An event on the public course, joined by its creator.
  const event = await ok<{ id: string }>(
    app,
    user,
    {
      method: 'POST',
      url: '/api/v1/events',
      body: { title: 'Authz run', course_id: publicCourse, starts_at: new Date(now + hour).toISOString(), ends_at: new Date(now + 48 * hour).toISOString() },
    },
    201,
  );
  await ok(app, user, { method: 'POST', url: `/api/v1/events/${event.id}/join` }, 201);

  // Crews: an open one the friend joined, an approval-only one the friend asked to join, one that is not public.
  const tag = randomUUID().slice(0, 8);
  const { url: logoUrl } = await ok<{ url: string }>(
    app,
    user,
    { method: 'POST', url: '/api/v1/uploads/image', file: { filename: 'logo.jpg', type: 'image/jpeg', data: await smallJpeg() } },
    200,
  );
  const crew = async (name: string, extra: object) =>
    (await ok<{ id: string }>(app, user, { method: 'POST', url: '/api/v1/crews', body: { name: `${name} ${tag}`, ...extra } }, 201)).id;
  const crews = {
    open: await crew('Open', { logo_url: logoUrl }),
    gated: await crew('Gated', { requires_approval: true }),
    hidden: await crew('Hidden', { is_public: false }),
    request: '',
  };
  await ok(app, friend, { method: 'POST', url: `/api/v1/crews/${crews.open}/join` }, 200);
  crews.request = (await ok<{ id: string }>(app, friend, { method: 'POST', url: `/api/v1/crews/${crews.gated}/join-requests`, body: {} }, 201)).id;
  const { rows: [inbox] } = await db.query<{ id: string }>("SELECT id FROM notifications WHERE user_id = $1 AND type = 'crew_join_request'", [user.id]);
  const inboxItem = inbox!.id;
  for (const crewId of [crews.open, crews.hidden]) {
    await ok(app, user, { method: 'POST', url: `/api/v1/crews/${crewId}/chat/messages`, body: { content: `Hello ${tag}` } }, 201);
  }
  const challenge = async (crewId: string, courseId: string) =>
    (await ok<{ id: string }>(app, user, { method: 'POST', url: `/api/v1/crews/${crewId}/challenges`, body: { course_id: courseId } }, 201)).id;
  const endedOnTurned = await challenge(crews.open, turnedPrivate);
  await ok(app, user, { method: 'POST', url: `/api/v1/crews/${crews.open}/challenges/${endedOnTurned}/end` }, 200);
  const challenges = { active: await challenge(crews.open, publicCourse), endedOnTurned, hidden: await challenge(crews.hidden, privateCourse) };

  // A group run with the friend, on the public course.
  const { id: groupRun } = await ok<{ id: string }>(
    app,
    user,
    { method: 'POST', url: '/api/v1/group-runs', body: { name: `Group ${tag}`, course_id: publicCourse, invite_user_ids: [friend.id] } },
    201,
  );
  await ok(app, friend, { method: 'POST', url: `/api/v1/group-runs/${groupRun}/accept` }, 200);

  // Challenges as an operator makes them (README "Challenges"); the owner joins the open one.
  const goalChallenge = async (start: number, end: number) => {
    const day = (days: number) => new Date(now + days * 24 * hour).toISOString().slice(0, 10);
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO challenges (title, goal_type, goal_value, start_date, end_date) VALUES ($1, 'total_distance', 50000, $2, $3) RETURNING id`,
      [`Authz challenge ${tag}`, day(start), day(end)],
    );
    return rows[0]!.id;
  };
  const goalChallenges = { open: await goalChallenge(-30, 30), ended: await goalChallenge(-30, -3) };
  await ok(app, user, { method: 'POST', url: `/api/v1/challenges/${goalChallenges.open}/join` }, 201);
  // Live group runs: one waiting on the public course with the friend in it, one on the private course.
  const liveRun = async (courseId: string) =>
    (await ok<{ id: string }>(app, user, { method: 'POST', url: '/api/v1/live-group-runs', body: { title: `Live ${tag}`, course_id: courseId } }, 201)).id;
  const liveRuns = { open: await liveRun(publicCourse), onPrivate: await liveRun(privateCourse) };
  await ok(app, friend, { method: 'POST', url: `/api/v1/live-group-runs/${liveRuns.open}/join` }, 200);

  // Gear: a primary one, with a run of each kind on it, and a retired one.
  const addGear = async (body: object) => (await ok<{ id: string }>(app, user, { method: 'POST', url: '/api/v1/gear', body }, 201)).id;
  const primaryGear = await addGear({ brand: 'Nike', model_name: 'Authz Pegasus', is_primary: true });
  const retiredGear = await addGear({ brand: '기타', model_name: 'Authz old', is_retired: true });
  const gearRuns = [free.run, importRows[0]!.run_record_id, strava];
  await db.query('UPDATE run_records SET gear_id = $1 WHERE id = ANY($2::uuid[])', [primaryGear, gearRuns]);
  const { rows: [seen] } = await db.query<{ m: number }>('SELECT sum(distance_meters)::int AS m FROM run_records WHERE id = ANY($1::uuid[])', [gearRuns.slice(0, 2)]);
  const gear = { primary: primaryGear, retired: retiredGear, othersSee: seen!.m };
  // Community posts: one on the general board with an image, one on the hidden crew's board; a comment on each.
  const communityPost = async (body: object) =>
    (await ok<{ id: string }>(app, user, { method: 'POST', url: '/api/v1/community/posts', body: { post_type: 'general', ...body } }, 201)).id;
  const communityComment = async (postId: string, content: string) =>
    (await ok<{ id: string }>(app, user, { method: 'POST', url: `/api/v1/community/posts/${postId}/comments`, body: { content } }, 201)).id;
  const hiddenBoardText = `Hidden board ${tag}`;
  const postId = await communityPost({ content: 'Authz post', image_urls: [logoUrl] });
  const crewPostId = await communityPost({ content: hiddenBoardText, crew_id: crews.hidden });
  const community = {
    post: postId,
    comment: await communityComment(postId, 'my own comment'),
    crewPost: crewPostId,
    crewComment: await communityComment(crewPostId, `${hiddenBoardText} comment`),
  };
  // The owner is an administrator (as `npm run admin -- grant` makes one) with a published and an unpublished announcement.
  await db.query('UPDATE users SET is_admin = true WHERE id = $1', [user.id]);
  const draftTitle = `Authz draft ${tag}`;
  const announcement = async (body: object) => (await ok<{ id: string }>(app, user, { method: 'POST', url: '/api/v1/admin/announcements', body }, 201)).id;
  const announcements = {
    published: await announcement({ title: `Authz notice ${tag}`, link_type: 'crew', link_value: crews.open }),
    unpublished: await announcement({ title: draftTitle, is_published: false }),
  };

  // A data export, built as the job builds it.
  const { id: exportId } = await ok<{ id: string }>(app, user, { method: 'POST', url: '/api/v1/users/me/export' }, 202);
  await buildUserExport(app.deps, app.deps.logger, exportId);

  // Device, settings, follows, profile, avatar.
  const deviceToken = `owner-device-${randomUUID()}`;
  await ok(app, user, { method: 'POST', url: '/api/v1/notifications/token', body: { device_token: deviceToken, platform: 'ios' } }, 201);
  await ok(app, user, { method: 'PATCH', url: '/api/v1/notifications/settings', body: { course_review: false } }, 200);
  await ok(app, user, { method: 'POST', url: `/api/v1/users/${friend.id}/follow` }, 201);
  // A number of the owner's, as the app hashes it (any 64 hex digits do here).
  const phoneHash = createHash('sha256').update(`+82 owner ${randomUUID()}`).digest('hex');
  await ok(app, user, { method: 'PUT', url: '/api/v1/contacts/phone-hash', body: { phone_hash: phoneHash } }, 200);
  await ok(app, friend, { method: 'POST', url: `/api/v1/users/${user.id}/follow` }, 201);
  // Friends: the owner and the friend are friends; the owner asked someone else, who has not answered.
  const withFriend = (await ok<{ id: string }>(app, user, { method: 'POST', url: `/api/v1/friend-requests/${friend.id}` }, 201)).id;
  await ok(app, friend, { method: 'PATCH', url: `/api/v1/friend-requests/${withFriend}/accept` }, 200);
  const contact = await createUser(db, config);
  const friendships = { withFriend, pending: (await ok<{ id: string }>(app, user, { method: 'POST', url: `/api/v1/friend-requests/${contact.id}` }, 201)).id };
  const birthday = `19${50 + Math.floor(Math.random() * 40)}-0${1 + Math.floor(Math.random() * 9)}-1${Math.floor(Math.random() * 9)}`;
  await ok(app, user, { method: 'PATCH', url: '/api/v1/users/me/profile', body: { bio: 'owner', birthday } }, 200);
  const { url: avatarUrl } = await ok<{ url: string }>(
    app,
    user,
    { method: 'POST', url: '/api/v1/uploads/avatar', file: { filename: 'me.jpg', type: 'image/jpeg', data: await smallJpeg() } },
    200,
  );

  const { rows: exportRows } = await db.query<{ file_key: string }>('SELECT file_key FROM data_exports WHERE id = $1', [exportId]);
  const files = [app.deps.storage.keyOf(avatarUrl)!, importRows[0]!.file_path!, exportRows[0]!.file_key].filter(Boolean);
  assert.equal(files.length, 3, 'the owner has an avatar, an imported file and an export');

  const runs = {
    free: free.run, freePrivateSpot: freePrivateSpot.run, onPublic: onPublic.run, onPrivate: onPrivate.run,
    imported: importRows[0]!.run_record_id, strava,
  };
  const sessions = { active, finished: [free.session, freePrivateSpot.session, onPublic.session, onPrivate.session] };
  // The avatar is public (profiles show it); the imported file and the export are not. Runs shown to followers
  // (not on a private course, not from Strava) and the active session (friends-running) are not secret.
  const secrets = [
    privateCourse, turnedPrivate, turnedTitle, draftTitle, reviews.onPrivate, courseComments.onPrivate, liveRuns.onPrivate, crews.hidden, `Hidden ${tag}`, challenges.endedOnTurned,
    challenges.hidden, community.crewPost, community.crewComment, hiddenBoardText, importId, exportId, deviceToken, runs.onPrivate, runs.strava,
    birthday /* a private profile field */, email, phoneHash, ...sessions.finished, ...files.slice(1),
  ];
  return {
    user, friend, publicCourse, privateCourse, turnedPrivate, turnedEvent, audienceRuns, audienceImports,
    spots: { private: spotPrivate, turned: spotTurned }, privateStart: toLatLng(spotPrivate),
    runs, sessions, reviews, courseComments, inboxItem, event: event.id, crews, challenges, groupRun, goalChallenges, liveRuns, gear, community, announcements, friendships, importId,
    exportId, deviceToken, athleteId, stravaState, avatarUrl, userCode, phoneHash, files, gpx,
    secrets,
    ownIds: [...secrets, ...Object.values(runs), active, inboxItem, gear.primary, gear.retired, ...Object.values(friendships)],
  };
}

export interface Attacker {
  user: TestUser;
  /** a public course of the attacker's own */
  course: string;
}

export async function createAttacker(app: FastifyInstance): Promise<Attacker> {
  const user = await createUser(app.deps.db, app.deps.config);
  return { user, course: await insertCourse(app.deps.db, user.id) };
}

/** Deletes the accounts (and so their courses, runs and files), as the users would. */
export async function removeUsers(app: FastifyInstance, users: TestUser[]): Promise<void> {
  for (const u of users) await deleteAccount(app.deps, app.deps.logger, u.id).catch(() => undefined);
}
