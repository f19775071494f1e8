// The web pages as a browser gets them: HTML with link previews, visibility through the same service checks as the
// API, and, in a real chromium, the drawn map, the leaderboard with the viewer's rank, no console errors, a phone
// viewport. Screenshots: test-artifacts/screenshots/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { Browser } from 'playwright-core';
import { rebuildUserRanking } from '../src/features/rankings/service.js';
import { SESSION_COOKIE } from '../src/features/web/session.js';
import { createListeningApp, launchBrowser, linePixels, noBrowser, screenshot, watchedPage, type ListeningApp } from './helpers/browser.js';
import { postCourse } from './helpers/courses.js';
import { insertRun } from './helpers/run-records.js';
import { createUser, type TestUser } from './helpers/users.js';

// A valid 1x1 PNG, the tile server's every tile.
const ONE_PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe('web pages', () => {
  let t: ListeningApp;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    t = await createListeningApp();
    alice = await createUser(t.db, t.config);
    bob = await createUser(t.db, t.config);
  });
  after(() => t.close());


  const createCourse = (owner: TestUser, fields: Record<string, unknown> = {}) => postCourse(t, owner, fields);

  async function ranked(courseId: string, user: TestUser, seconds: number) {
    await insertRun(t.db, { userId: user.id, courseId, finishedAt: new Date(), courseDurationSeconds: seconds, distanceMeters: 3000 });
    await rebuildUserRanking(t.db, courseId, user.id);
  }

  const page = (path: string, user?: TestUser) =>
    t.app.inject({ method: 'GET', url: path, cookies: user ? { [SESSION_COOKIE]: user.token } : {} });

  describe('course page over HTTP', () => {
    it('escapes what users wrote and carries Open Graph and Twitter card tags with absolute URLs', async () => {
      const id = await createCourse(alice, { title: '<b>Han & "river"</b>' });
      await t.db.query(`UPDATE courses SET thumbnail_url = 'https://cdn.example.com/t.png' WHERE id = $1`, [id]);
      const res = await page(`/courses/${id}`);
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
      assert.ok(res.body.includes('<h1>&lt;b&gt;Han &amp; &quot;river&quot;&lt;/b&gt;</h1>'), res.body);
      assert.ok(!res.body.includes('<b>Han'), 'no markup of the user gets in');
      assert.ok(res.body.includes('<meta property="og:image" content="https://cdn.example.com/t.png">'));
      assert.ok(res.body.includes('<meta name="twitter:card" content="summary_large_image">'));
      assert.ok(res.body.includes(`<meta property="og:url" content="${t.base}/courses/${id}">`));
      assert.ok(res.body.includes('3.0 km'));
      assert.match(String(res.headers['content-security-policy']), /script-src 'self';/);
    });

    it('previews a course whose picture is not drawn yet with its picture address', async () => {
      const id = await createCourse(alice);
      const res = await page(`/courses/${id}`);
      assert.ok(res.body.includes(`<meta property="og:image" content="${t.base}/api/v1/courses/${id}/thumbnail">`), res.body);
    });

    it('is an HTML 404 for a private course (but not to its owner), an unknown one and a malformed id', async () => {
      const hidden = await createCourse(alice, { is_public: false, title: 'Secret loop' });
      for (const res of [await page(`/courses/${hidden}`), await page(`/courses/${hidden}`, bob), await page(`/courses/${randomUUID()}`), await page('/courses/not-a-uuid')]) {
        assert.equal(res.statusCode, 404);
        assert.match(String(res.headers['content-type']), /^text\/html/);
        assert.ok(!res.body.includes('Secret loop'));
      }
      const own = await page(`/courses/${hidden}`, alice);
      assert.equal(own.statusCode, 200);
      assert.ok(own.body.includes('Secret loop'));
    });

    it('shows the leaderboard without Strava runs, and the logged-in viewer their own rank', async () => {
      const id = await createCourse(alice);
      await ranked(id, alice, 900);
      await ranked(id, bob, 1000);
      const carol = await createUser(t.db, t.config);
      await insertRun(t.db, { userId: carol.id, courseId: id, finishedAt: new Date(), courseDurationSeconds: 800, source: 'strava' });
      await rebuildUserRanking(t.db, id, carol.id);
      const anonymous = await page(`/courses/${id}`);
      assert.ok(anonymous.body.includes(alice.nickname) && anonymous.body.includes(bob.nickname));
      assert.ok(!anonymous.body.includes(carol.nickname), 'a Strava run is never shown');
      assert.ok(anonymous.body.includes('로그인</a>하면 내 순위'));
      const asBob = await page(`/courses/${id}`, bob);
      assert.match(asBob.body, /내 순위: <strong>2위<\/strong> \/ 2명/);
      // A forged or expired cookie is nobody.
      const forged = await t.app.inject({ method: 'GET', url: `/courses/${id}`, cookies: { [SESSION_COOKIE]: `${bob.token}x` } });
      assert.ok(!forged.body.includes('내 순위:'));
    });
  });

  describe('in chromium', { skip: noBrowser }, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchBrowser();
    });
    after(() => browser?.close());

    it('draws the course on the map, shows the leaderboard and logs no error, on a desktop and a phone', async () => {
      const id = await createCourse(alice, { title: 'Seoul forest 3K' });
      await ranked(id, alice, 900);
      for (const [name, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]] as const) {
        const context = await browser.newContext({ viewport, isMobile: name === 'phone' });
        const { page: tab, errors } = await watchedPage(context);
        const elsewhere: string[] = [];
        tab.on('request', (request) => {
          if (!request.url().startsWith(`${t.base}/`) && !request.url().startsWith('data:')) elsewhere.push(request.url());
        });
        const response = await tab.goto(`${t.base}/courses/${id}`);
        assert.equal(response?.status(), 200);
        await tab.waitForSelector('#course-map[data-ready="true"] canvas');
        assert.equal(await tab.locator('h1').textContent(), 'Seoul forest 3K');
        assert.ok((await tab.locator('table').textContent())?.includes(alice.nickname));
        assert.ok((await linePixels(tab)) > 50, 'the course line is drawn on the canvas');
        const width = await tab.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= viewport.width, `no sideways scrolling (${width} px)`);
        await screenshot(tab, `course-page-${name}`);
        assert.deepEqual(errors, []);
        assert.deepEqual(elsewhere, [], 'with no MAP_STYLE_URL nothing is fetched from elsewhere (works offline)');
        await context.close();
      }
    });

    it('shows the tiles of MAP_STYLE_URL under the line, with their attribution, when configured', async () => {
      const tiles: string[] = [];
      const tileServer = createServer((req, res) => {
        tiles.push(req.url ?? '');
        res.writeHead(200, { 'content-type': 'image/png' }).end(ONE_PIXEL_PNG);
      }).listen(0, '127.0.0.1');
      await once(tileServer, 'listening');
      const tileBase = `http://127.0.0.1:${(tileServer.address() as AddressInfo).port}`;
      const styled = await createListeningApp({ MAP_STYLE_URL: `${tileBase}/{z}/{x}/{y}.png`, MAP_ATTRIBUTION: 'Test tiles contributors' });
      const context = await browser.newContext();
      try {
        const { page: tab, errors } = await watchedPage(context);
        await tab.goto(`${styled.base}/courses/${await createCourse(alice)}`);
        await tab.waitForSelector('#course-map[data-ready="true"] .leaflet-tile-loaded');
        assert.ok(tiles.some((url) => /^\/\d+\/\d+\/\d+\.png$/.test(url)), `tiles asked: ${tiles.join(', ')}`);
        assert.match((await tab.locator('.leaflet-control-attribution').textContent()) ?? '', /Test tiles contributors/);
        assert.ok((await linePixels(tab)) > 50, 'the course line is drawn over the tiles');
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
        await styled.close();
        tileServer.close();
      }
    });
  });
});
