// The fixtures the fuzzer's path parameters and id fields point at: two users (the caller and someone else) with
// public and private courses, finished runs, an open run session, reviews both ways, events, group runs (mine and one
// I take no part in), challenges (open and joined, ended), gear (mine and theirs), community posts and comments,
// announcements (the caller is an administrator), friend requests (received and sent), an import, an export and a
// Strava connection, created through the API where it has a route and with the test helpers otherwise.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { TestApp } from '../../../test/helpers/app.js';
import { createUser, type TestUser } from '../../../test/helpers/users.js';
import { insertCourse, insertRun } from '../../../test/helpers/run-records.js';
import { issueAccessToken } from '../../../src/features/auth/access-token.js';
import { saveConnection } from '../../../src/features/strava/connection.js';
import type { Fixtures } from './requests.js';
import { SESSION_LEAD_MS } from './examples.js';

const GPX = (minute: number) => `<?xml version="1.0"?><gpx version="1.1" creator="fuzz" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
${[0, 1, 2, 3].map((i) => `<trkpt lat="${37.5665 + i * 0.001}" lon="126.978"><time>2025-05-01T06:${String(minute + i).padStart(2, '0')}:00Z</time></trkpt>`).join('\n')}
</trkseg></trk></gpx>`;

async function api(t: TestApp, who: TestUser, method: string, url: string, payload?: object): Promise<string> {
  const res = await t.app.inject({ method: method as 'POST', url: `/api/v1${url}`, headers: who.auth, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`fixture ${method} ${url} answered ${res.statusCode}: ${res.body}`);
  const body = res.json() as Record<string, string>;
  return body.id ?? body.session_id ?? body.import_id ?? '';
}

async function upload(t: TestApp, who: TestUser, gpx: string): Promise<string> {
  const boundary = 'fixtureboundary';
  const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="run.gpx"\r\nContent-Type: application/gpx+xml\r\n\r\n${gpx}\r\n--${boundary}--\r\n`;
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/imports/upload',
    headers: { ...who.auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload,
  });
  if (res.statusCode !== 201) throw new Error(`fixture import answered ${res.statusCode}: ${res.body}`);
  return (res.json() as { import_id: string }).import_id;
}

let worlds = 0;

/** `epoch`: when the fuzzing started; the run session starts SESSION_LEAD_MS before it, like the example tracks. */
export async function createWorld(t: TestApp, epoch: number): Promise<Fixtures> {
  const { db, config } = t;
  // `me` (the valid token) follows `other`, not `stranger`.
  const [me, other, stranger] = [await createUser(db, config), await createUser(db, config), await createUser(db, config)];
  const myCourse = await insertCourse(db, me.id);
  const otherCourse = await insertCourse(db, other.id);
  const privateCourse = await insertCourse(db, other.id, { isPublic: false });
  const finishedAt = new Date(Date.now() - 3600_000);
  const myRun = await insertRun(db, { userId: me.id, courseId: myCourse, finishedAt, courseDurationSeconds: 1500 });
  const otherRun = await insertRun(db, { userId: other.id, courseId: otherCourse, finishedAt });
  // A route, so that a course can be made of the run.
  await db.query(`UPDATE run_records SET route_geometry = 'SRID=4326;LINESTRING(126.978 37.5665, 126.99 37.57)' WHERE id = $1`, [myRun]);
  const session = await api(t, me, 'POST', '/runs/sessions', { started_at: new Date(epoch - SESSION_LEAD_MS).toISOString(), course_id: myCourse });
  const myReview = await api(t, me, 'POST', `/courses/${otherCourse}/reviews`, { rating: 4, content: 'fuzz' });
  const theirReview = await api(t, other, 'POST', `/courses/${myCourse}/reviews`, { rating: 2 });
  const day = 86_400_000;
  const event = (title: string) => ({ title, starts_at: new Date(Date.now() + day).toISOString(), ends_at: new Date(Date.now() + 2 * day).toISOString() });
  const myEvent = await api(t, me, 'POST', '/events', { ...event('mine'), course_id: myCourse });
  const otherEvent = await api(t, other, 'POST', '/events', event('theirs'));
  await api(t, me, 'POST', `/events/${otherEvent}/join`);
  await api(t, me, 'POST', `/users/${other.id}/follow`);
  // Distinct bytes per world: the same file again would answer with the earlier import.
  const myImport = await upload(t, me, GPX(worlds++ % 50));
  const myExport = await api(t, me, 'POST', '/users/me/export');
  const myGroupRun = await api(t, me, 'POST', '/group-runs', { name: 'fuzz', course_id: myCourse, invite_user_ids: [other.id] });
  const theirGroupRun = await api(t, other, 'POST', '/group-runs', { name: 'theirs', course_id: otherCourse, invite_user_ids: [stranger.id] });
  // Challenges are made by operators (README "Challenges"): an open one I joined and one that has ended.
  const dayOf = (days: number) => new Date(Date.now() + days * day).toISOString().slice(0, 10);
  const challenge = async (start: number, end: number) =>
    (await db.query<{ id: string }>(
      `INSERT INTO challenges (title, goal_type, goal_value, start_date, end_date) VALUES ('fuzz', 'total_runs', 3, $1, $2) RETURNING id`,
      [dayOf(start), dayOf(end)],
    )).rows[0]!.id;
  const [openChallenge, endedChallenge] = [await challenge(-7, 7), await challenge(-14, -7)];
  await api(t, me, 'POST', `/challenges/${openChallenge}/join`);
  const myLiveRun = await api(t, me, 'POST', '/live-group-runs', { title: 'fuzz', course_id: myCourse });
  const theirLiveRun = await api(t, other, 'POST', '/live-group-runs', { title: 'theirs', course_id: otherCourse, max_participants: 2 });
  const myGear = await api(t, me, 'POST', '/gear', { brand: 'Nike', model_name: 'Fuzz', is_primary: true });
  const otherGear = await api(t, other, 'POST', '/gear', { brand: 'Hoka', model_name: 'Theirs' });
  // Community posts, mine and someone else's, with a comment of each of us on theirs.
  const myPost = await api(t, me, 'POST', '/community/posts', { content: 'fuzz', post_type: 'general' });
  const theirPost = await api(t, other, 'POST', '/community/posts', { content: 'theirs', post_type: 'question' });
  const myComment = await api(t, me, 'POST', `/community/posts/${theirPost}/comments`, { content: 'fuzz' });
  const theirComment = await api(t, other, 'POST', `/community/posts/${theirPost}/comments`, { content: 'theirs' });
  // I am an administrator (as `npm run admin -- grant` makes one): the administrators' routes get past their 403.
  await db.query('UPDATE users SET is_admin = true WHERE id = $1', [me.id]);
  const published = await api(t, me, 'POST', '/admin/announcements', { title: 'fuzz', link_type: 'url', link_value: 'https://example.com/' });
  const unpublished = await api(t, me, 'POST', '/admin/announcements', { title: 'fuzz draft', is_published: false });
  // Friend requests: one someone sent me, one I sent.
  const friendRequests = [await api(t, other, 'POST', `/friend-requests/${me.id}`), await api(t, me, 'POST', `/friend-requests/${stranger.id}`)];
  await saveConnection(t.app.deps, db, me.id, { access_token: 'fuzz-access', refresh_token: 'fuzz-refresh', expires_at: Date.now() / 1000 + 6 * 3600, athlete: { id: 4242 } as never });

  const secret = new TextEncoder().encode(config.JWT_SECRET_KEY);
  const signed = (claims: object, key = secret, expires: string | number = '30m') =>
    new SignJWT({ type: 'access', ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject(me.id).setIssuedAt().setExpirationTime(expires).sign(key);
  const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: me.id, type: 'access', exp: 9999999999 })).toString('base64url')}.`;
  return {
    ids: {
      user: [other.id, stranger.id, me.id],
      course: [myCourse, otherCourse, privateCourse],
      run: [myRun, otherRun],
      session: [session],
      review: [myReview, theirReview],
      event: [myEvent, otherEvent],
      import: [myImport],
      export: [myExport],
      group_run: [myGroupRun, theirGroupRun],
      challenge: [openChallenge, endedChallenge],
      live_group_run: [myLiveRun, theirLiveRun],
      gear: [myGear, otherGear],
      post: [myPost, theirPost],
      comment: [myComment, theirComment],
      announcement: [published, unpublished],
      friend_request: friendRequests,
    },
    auth: {
      valid: me.auth.authorization,
      garbage: 'Bearer garbage.garbage.garbage',
      expired: `Bearer ${await signed({}, secret, Math.floor(Date.now() / 1000) - 60)}`,
      'other-secret': `Bearer ${await signed({}, new TextEncoder().encode('another-secret-of-at-least-thirty-two-chars'))}`,
      'alg-none': `Bearer ${unsigned}`,
      'unknown-user': `Bearer ${await issueAccessToken(config, randomUUID())}`,
      basic: 'Basic dXNlcjpwYXNz',
      huge: `Bearer ${'a'.repeat(16_000)}`,
    },
    bodyLimit: config.BODY_LIMIT_KB * 1024,
    uploadLimit: Math.max(config.MAX_UPLOAD_SIZE_MB, config.IMPORT_MAX_UPLOAD_MB) * 1024 * 1024,
  };
}
