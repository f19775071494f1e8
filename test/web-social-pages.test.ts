// The runner profile, crew, event and group-run pages: what each shows to whom (the API's services decide, so
// private courses, private crews, Strava runs and other people's group runs stay out), link previews, escaping,
// and, in a real chromium, the pages drawn without console errors on a desktop and a phone.
// Screenshots: test-artifacts/screenshots/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { rebuildUserRanking } from '../src/features/rankings/service.js';
import { SESSION_COOKIE } from '../src/features/web/session.js';
import { multipart, smallJpeg } from './helpers/authz-world.js';
import { createListeningApp, launchBrowser, linePixels, noBrowser, screenshot, watchedPage, type ListeningApp } from './helpers/browser.js';
import { postCourse } from './helpers/courses.js';
import { insertRun } from './helpers/run-records.js';
import { createUser, type TestUser } from './helpers/users.js';

type Json = Record<string, unknown> & { id: string };
const HOUR = 3_600_000;

describe('profile, crew, event and group-run pages', () => {
  let t: ListeningApp;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    t = await createListeningApp();
    [alice, bob] = await Promise.all([createUser(t.db, t.config), createUser(t.db, t.config)]);
  });
  after(() => t.close());

  const api = async (method: 'POST' | 'PATCH', url: string, user: TestUser, payload: object = {}, status = 200): Promise<Json> => {
    const res = await t.app.inject({ method, url: `/api/v1${url}`, headers: user.auth, payload });
    assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`);
    return res.json();
  };
  const page = (path: string, user?: TestUser) =>
    t.app.inject({ method: 'GET', url: path, cookies: user ? { [SESSION_COOKIE]: user.token } : {} });

  const createCourse = (owner: TestUser, fields: Record<string, unknown> = {}) => postCourse(t, owner, fields);
  const uniqueName = (prefix: string) => `${prefix} ${randomUUID().slice(0, 8)}`;
  const createCrew = (owner: TestUser, fields: object = {}) => api('POST', '/crews', owner, { name: uniqueName('Crew'), region: 'Seoul', ...fields }, 201);
  const createEvent = (creator: TestUser, fields: object = {}) =>
    api('POST', '/events', creator, {
      title: 'Han river 10K',
      starts_at: new Date(Date.now() + 24 * HOUR).toISOString(),
      ends_at: new Date(Date.now() + 26 * HOUR).toISOString(),
      center_lat: 37.52,
      center_lng: 126.93,
      ...fields,
    }, 201);
  const createGroupRun = async (host: TestUser, invitees: TestUser[], courseId: string, fields: object = {}) =>
    api('POST', '/group-runs', host, { name: uniqueName('Run'), course_id: courseId, invite_user_ids: invitees.map((u) => u.id), ...fields }, 201);

  const escaped = (raw: string) => raw.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  /** A user's text lands as text: the markup shows escaped and never as markup. */
  function assertEscaped(body: string, raw: string) {
    assert.ok(body.includes(escaped(raw)), `${escaped(raw)} is on the page`);
    assert.ok(!body.includes(raw), `${raw} is not markup`);
  }
  function assertPreview(body: string, path: string, title: string, image?: string) {
    assert.ok(body.includes(`<meta property="og:url" content="${t.base}${path}">`), 'absolute og:url');
    assert.ok(body.includes(`<meta property="og:title" content="${title}">`), `og:title ${title}`);
    assert.ok(body.includes(`<meta name="twitter:title" content="${title}">`));
    assert.match(body, /<meta property="og:description" content="[^"]+">/);
    if (image) {
      assert.ok(body.includes(`<meta property="og:image" content="${image}">`), `og:image ${image}`);
      assert.ok(body.includes('<meta name="twitter:card" content="summary_large_image">'));
    } else {
      assert.ok(!body.includes('og:image'));
    }
  }
  function assertHtml404(res: Awaited<ReturnType<typeof page>>, secret?: string) {
    assert.equal(res.statusCode, 404, res.body.slice(0, 200));
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.ok(res.body.includes('찾을 수 없는 페이지입니다'));
    if (secret) assert.ok(!res.body.includes(secret), `${secret} does not leak`);
  }

  describe('runner profile over HTTP', () => {
    it('shows nickname, level, totals, public courses and ranks, escaped, with the avatar as preview picture', async () => {
      const runner = await createUser(t.db, t.config);
      const bio = '<script>alert("x")</script> & run';
      await api('PATCH', '/users/me/profile', runner, { bio, avatar_url: 'https://cdn.example.com/a.jpg' });
      const course = await createCourse(runner, { title: 'Seoul forest loop' });
      await insertRun(t.db, { userId: runner.id, courseId: course, finishedAt: new Date(), courseDurationSeconds: 754, distanceMeters: 3000 });
      await rebuildUserRanking(t.db, course, runner.id);

      const res = await page(`/users/${runner.id}`);
      assert.equal(res.statusCode, 200);
      assert.ok(res.body.includes(`<h1>${runner.nickname}</h1>`));
      assertEscaped(res.body, bio);
      assert.ok(res.body.includes('Seoul forest loop') && res.body.includes(`href="/courses/${course}"`));
      assert.ok(res.body.includes('1위 · 12:34'), 'their rank on the course');
      assert.ok(res.body.includes('Lv.1'));
      assert.ok(res.body.includes('alt="' + runner.nickname + '의 프로필 사진"'));
      assertPreview(res.body, `/users/${runner.id}`, runner.nickname, 'https://cdn.example.com/a.jpg');
    });

    it('never shows a Strava run or a private course to others, only the runner sees their Strava totals', async () => {
      const runner = await createUser(t.db, t.config);
      await createCourse(runner, { title: 'Secret garden loop', is_public: false });
      // Bob's public course, on which the runner has only a Strava run: no rank there, no total that counts it.
      const bobsCourse = await createCourse(bob, { title: 'Strava only loop' });
      await insertRun(t.db, { userId: runner.id, finishedAt: new Date(), distanceMeters: 5000, source: 'app' });
      await insertRun(t.db, { userId: runner.id, courseId: bobsCourse, finishedAt: new Date(), courseDurationSeconds: 700, distanceMeters: 8000, source: 'strava' });
      await rebuildUserRanking(t.db, bobsCourse, runner.id);
      // The totals as run completion keeps them (both runs), as test/users.test.ts sets them.
      await t.db.query('UPDATE users SET total_distance_meters = 13000, total_runs = 2 WHERE id = $1', [runner.id]);

      for (const res of [await page(`/users/${runner.id}`), await page(`/users/${runner.id}`, alice)]) {
        assert.equal(res.statusCode, 200);
        assert.ok(!res.body.includes('Secret garden loop'), 'a private course never appears');
        assert.ok(!res.body.includes('Strava only loop'), 'a Strava run ranks nowhere');
        assert.ok(res.body.includes('<strong>5.0 km</strong>누적 거리') && res.body.includes('<strong>1</strong>달리기'), 'totals without Strava');
        assert.ok(!res.body.includes('13.0 km'));
      }
      const own = await page(`/users/${runner.id}`, runner);
      assert.ok(own.body.includes('<strong>13.0 km</strong>누적 거리'), 'the runner sees their own Strava distance');
      assert.ok(!own.body.includes('Secret garden loop'), 'the public profile lists public courses only, to its owner too');
      assertPreview(own.body, `/users/${runner.id}`, runner.nickname);
    });

    it('is an HTML 404 for an unknown user and a malformed id', async () => {
      assertHtml404(await page(`/users/${randomUUID()}`));
      assertHtml404(await page('/users/not-a-uuid'));
    });
  });

  describe('crew page over HTTP', () => {
    it('shows name, logo, region, description, members, joining, weekly ranking and courses run, escaped', async () => {
      const owner = await createUser(t.db, t.config);
      const { headers, payload } = multipart({ filename: 'logo.jpg', type: 'image/jpg', data: await smallJpeg() });
      const upload = await t.app.inject({ method: 'POST', url: '/api/v1/uploads/image', headers: { ...headers, ...owner.auth }, payload });
      assert.equal(upload.statusCode, 200, upload.body);
      const logo = (upload.json() as { url: string }).url;
      const description = '<img src=x onerror=alert(1)> Tuesday "tempo" runs';
      const crew = await createCrew(owner, { logo_url: logo, description, region: 'Mapo', requires_approval: true });
      const course = await createCourse(owner, { title: 'Mangwon loop' });
      await insertRun(t.db, { userId: owner.id, courseId: course, finishedAt: new Date(), courseDurationSeconds: 900, distanceMeters: 4200 });
      // A Strava run counts neither in the ranking nor in the courses run.
      const stravaCourse = await createCourse(alice, { title: 'Strava crew loop' });
      await insertRun(t.db, { userId: owner.id, courseId: stravaCourse, finishedAt: new Date(), courseDurationSeconds: 600, distanceMeters: 9000, source: 'strava' });

      const res = await page(`/crews/${crew.id}`);
      assert.equal(res.statusCode, 200);
      assert.ok(res.body.includes(`<h1>${crew.name}</h1>`));
      assertEscaped(res.body, description);
      assert.ok(res.body.includes('Mapo') && res.body.includes('승인 후 가입') && res.body.includes('공개 크루'));
      assert.ok(res.body.includes('<strong>1 / '), 'member count over the limit');
      assert.ok(res.body.includes(`<img class="avatar" src="${logo}" alt="${crew.name} 로고"`));
      // The owner's week: the run the course was made from (3.0 km) and the run on it (4.2 km), not the Strava 9.0 km.
      assert.match(res.body, new RegExp(`<td>1</td><td><a href="/users/${owner.id}">${owner.nickname}</a></td><td>7.2 km</td><td>2회</td>`), 'the weekly ranking, Strava left out');
      assert.ok(res.body.includes('Mangwon loop') && !res.body.includes('Strava crew loop'));
      assertPreview(res.body, `/crews/${crew.id}`, crew.name as string, logo);
    });

    it('is an HTML 404 for a crew that is not public, but not to its members; and for an unknown or malformed id', async () => {
      const owner = await createUser(t.db, t.config);
      const crew = await createCrew(owner, { name: uniqueName('Hidden'), is_public: false });
      assertHtml404(await page(`/crews/${crew.id}`), crew.name as string);
      assertHtml404(await page(`/crews/${crew.id}`, bob), crew.name as string);
      const own = await page(`/crews/${crew.id}`, owner);
      assert.equal(own.statusCode, 200);
      assert.ok(own.body.includes('비공개 크루') && own.body.includes('내가 속한 크루'));
      assertHtml404(await page(`/crews/${randomUUID()}`));
      assertHtml404(await page('/crews/123'));
    });
  });

  describe('event page over HTTP', () => {
    it('shows title, time, place, course with its map, participants, escaped, previewed with the course picture', async () => {
      const course = await createCourse(alice, { title: 'Yeouido 5K' });
      const title = '<b>Night & "run"</b>';
      const event = await createEvent(alice, { title, course_id: course, max_participants: 30, description: 'Bring a light' });
      await api('POST', `/events/${event.id}/join`, bob, {}, 201);

      const res = await page(`/events/${event.id}`, bob);
      assert.equal(res.statusCode, 200);
      assertEscaped(res.body, title);
      assert.ok(res.body.includes(`<h1>${escaped(title)}</h1>`));
      assert.ok(res.body.includes('<strong>1 / 30명</strong>참가자'));
      assert.ok(res.body.includes('참가 중입니다.'), 'bob takes part');
      assert.ok(res.body.includes('37.52000, 126.93000'), 'the meeting point');
      assert.ok(res.body.includes(`<a href="/courses/${course}">Yeouido 5K</a>`));
      assert.ok(res.body.includes('data-island="map" data-setup="event-map-setup"'));
      assert.match(res.body, /<script type="application\/json" id="event-map-setup">\{[^<]*"coords":\[\[37\.56,126\.97\]/);
      assert.ok(res.body.includes('Asia/Seoul') && res.body.includes('예정'));
      assertPreview(res.body, `/events/${event.id}`, escaped(title), `${t.base}/api/v1/courses/${course}/thumbnail`);
    });

    it('leaves out a course made private after the event was set up, and has no map without a course', async () => {
      const course = await createCourse(alice, { title: 'Soon secret loop' });
      const event = await createEvent(alice, { course_id: course });
      await api('PATCH', `/courses/${course}`, alice, { is_public: false });
      const res = await page(`/events/${event.id}`, bob);
      assert.equal(res.statusCode, 200);
      assert.ok(!res.body.includes('Soon secret loop') && !res.body.includes('data-island="map"'));
      assert.ok(!res.body.includes('og:image'));
      const own = await page(`/events/${event.id}`, alice);
      assert.ok(own.body.includes('Soon secret loop'), 'its owner still sees it');
    });

    it('is an HTML 404 for an unknown event and a malformed id', async () => {
      assertHtml404(await page(`/events/${randomUUID()}`));
      assertHtml404(await page('/events/x'));
    });
  });

  describe('group-run page over HTTP', () => {
    it('shows the host and invitees their group run, and is an HTML 404 to anyone else and to nobody', async () => {
      const course = await createCourse(alice, { title: 'Cheonggye 4K' });
      const carol = await createUser(t.db, t.config);
      const name = '<u>Sunday & friends</u>';
      const run = await createGroupRun(alice, [bob], course, { name, scheduled_at: new Date(Date.now() + 48 * HOUR).toISOString() });
      for (const viewer of [alice, bob]) {
        const res = await page(`/group-runs/${run.id}`, viewer);
        assert.equal(res.statusCode, 200);
        assertEscaped(res.body, name);
        assert.ok(res.body.includes(`<a href="/users/${alice.id}">${alice.nickname}</a> <span class="muted">호스트 · 참가</span>`));
        assert.ok(res.body.includes(`<a href="/users/${bob.id}">${bob.nickname}</a> <span class="muted">초대됨</span>`));
        assert.ok(res.body.includes(`<a href="/courses/${course}">Cheonggye 4K</a>`) && res.body.includes('data-setup="group-run-map-setup"'));
        assert.ok(res.body.includes('<strong>2명</strong>'));
      }
      const invited = await page(`/group-runs/${run.id}`, bob);
      assert.ok(invited.body.includes('나: 초대됨'));
      for (const res of [await page(`/group-runs/${run.id}`), await page(`/group-runs/${run.id}`, carol)]) assertHtml404(res, 'Sunday');
      assertHtml404(await page(`/group-runs/${randomUUID()}`, alice));
      assertHtml404(await page('/group-runs/nope', alice));
    });

    it('shows an invitee no private course of the host', async () => {
      const course = await createCourse(alice, { title: 'Private warmup', is_public: false });
      const run = await createGroupRun(alice, [bob], course);
      const host = await page(`/group-runs/${run.id}`, alice);
      assert.ok(host.body.includes('Private warmup') && host.body.includes('data-island="map"'));
      const invitee = await page(`/group-runs/${run.id}`, bob);
      assert.equal(invitee.statusCode, 200);
      assert.ok(!invitee.body.includes('Private warmup') && !invitee.body.includes('data-island="map"') && !invitee.body.includes('og:image'));
      assert.ok(invitee.body.includes('코스를 볼 수 없습니다.'));
    });
  });

  describe('in chromium', { skip: noBrowser }, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchBrowser();
    });
    after(() => browser?.close());

    it('shows each page, draws the courses, logs no error, and fits a phone without sideways scrolling', async () => {
      const { headers, payload } = multipart({ filename: 'logo.jpg', type: 'image/jpg', data: await smallJpeg() });
      const upload = await t.app.inject({ method: 'POST', url: '/api/v1/uploads/image', headers: { ...headers, ...alice.auth }, payload });
      const course = await createCourse(alice, { title: 'Seoul forest 3K' });
      await insertRun(t.db, { userId: alice.id, courseId: course, finishedAt: new Date(), courseDurationSeconds: 900, distanceMeters: 3000 });
      await rebuildUserRanking(t.db, course, alice.id);
      const crew = await createCrew(alice, { name: uniqueName('Forest'), logo_url: (upload.json() as { url: string }).url, description: 'Weekday morning runs' });
      const event = await createEvent(alice, { title: 'Forest 10K night', course_id: course });
      const run = await createGroupRun(alice, [bob], course, { name: 'Sunday long run' });
      const pages = [
        { name: 'profile', path: `/users/${alice.id}`, heading: alice.nickname, text: 'Seoul forest 3K', map: false },
        { name: 'crew', path: `/crews/${crew.id}`, heading: crew.name as string, text: 'Weekday morning runs', map: false },
        { name: 'event', path: `/events/${event.id}`, heading: 'Forest 10K night', text: 'Seoul forest 3K', map: true },
        { name: 'group-run', path: `/group-runs/${run.id}`, heading: 'Sunday long run', text: bob.nickname, map: true },
      ];

      for (const [device, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]] as const) {
        const context = await browser.newContext({ viewport, isMobile: device === 'phone' });
        await context.addCookies([{ name: SESSION_COOKIE, value: alice.token, url: t.base }]);
        const { page: tab, errors } = await watchedPage(context);
        for (const p of pages) {
          const response = await tab.goto(`${t.base}${p.path}`);
          assert.equal(response?.status(), 200, p.path);
          assert.equal(await tab.locator('h1').textContent(), p.heading);
          assert.ok(await tab.getByText(p.text).first().isVisible(), `${p.name}: ${p.text} is visible`);
          if (p.map) {
            await tab.waitForSelector('.map[data-ready="true"] canvas');
            assert.ok((await linePixels(tab)) > 50, `${p.name}: the course line is drawn`);
          }
          // Every picture on the page loaded (the crew logo from our uploads).
          assert.ok(await tab.evaluate(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0)));
          const width = await tab.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(width <= viewport.width, `${p.name} on a ${device}: no sideways scrolling (${width} px)`);
          await screenshot(tab, `${p.name}-page-${device}`);
        }
        assert.deepEqual(errors, []);
        await context.close();
      }
    });
  });
});
