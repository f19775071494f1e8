// The home page, the course explorer: over HTTP the nearby search works without JavaScript and lists only public
// courses near the point; in chromium the map draws the public courses in view as clickable lines (never the
// private one beside them), the heatmap checkbox draws cells, the form searches in place and from the browser's
// position, the keyboard reaches the controls, and a phone gets no sideways scroll. Screenshots: test-artifacts/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { createListeningApp, launchBrowser, linePixels, noBrowser, screenshot, watchedPage, type ListeningApp } from './helpers/browser.js';
import { postCourse } from './helpers/courses.js';
import { insertRun } from './helpers/run-records.js';
import { createUser, type TestUser } from './helpers/users.js';

// Around Seoul Forest. The forest loop's middle segment is due east along LAT, so a point on it is easy to find.
const LAT = 37.544;
const LNG = 127.04;
const FOREST: [number, number][] = [[LNG, LAT], [LNG + 0.004, LAT], [LNG + 0.008, LAT], [LNG + 0.008, LAT + 0.003]];
// Starts about 1.2 km from the forest loop's start: inside 5 km, outside 1 km.
const RIVER: [number, number][] = [[LNG + 0.012, LAT + 0.005], [LNG + 0.02, LAT + 0.008], [LNG + 0.026, LAT + 0.004]];
const SECRET: [number, number][] = [[LNG + 0.006, LAT + 0.002], [LNG + 0.01, LAT + 0.004]];
const BUSAN: [number, number][] = [[129.07, 35.16], [129.08, 35.165]];

describe('explore page', () => {
  let t: ListeningApp;
  let alice: TestUser;
  const ids: Record<string, string> = {};

  const createCourse = (title: string, route: [number, number][], isPublic = true) =>
    postCourse(t, alice, {
      title,
      route_geometry: { type: 'LineString', coordinates: route.map(([lng, lat]) => [lng, lat, 0]) },
      distance_meters: 2000,
      estimated_duration_seconds: 700,
      is_public: isPublic,
    });

  before(async () => {
    // The island asks the API a few times per map move; these tests move it more than a person would.
    t = await createListeningApp({ RATE_LIMIT_PER_MINUTE: '10000' });
    alice = await createUser(t.db, t.config);
    // Oldest first: the forest loop is the newest, so a bare / opens the map on it.
    ids.busan = await createCourse('Haeundae beach run', BUSAN);
    ids.secret = await createCourse('Secret garden loop', SECRET, false);
    ids.river = await createCourse('Riverside 2K', RIVER);
    ids.forest = await createCourse('Seoul forest loop', FOREST);
    // Public runs for the heatmap: 2.6 km east–west through the forest, longer than the 200 m trimmed at each end.
    const track = `LINESTRING(${[0, 1, 2, 3, 4, 5, 6].map((i) => `${LNG - 0.01 + i * 0.005} ${LAT + 0.001}`).join(',')})`;
    for (let i = 0; i < 3; i++) {
      const run = await insertRun(t.db, { userId: alice.id, finishedAt: new Date(), distanceMeters: 2600 });
      await t.db.query('UPDATE run_records SET route_geometry = ST_GeogFromText($2) WHERE id = $1', [run, track]);
    }
  });
  after(() => t.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url });

  describe('over HTTP', () => {
    it('is the home page, with Open Graph and Twitter card tags, a labelled search form and the public courses', async () => {
      const res = await get('/');
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
      assert.match(String(res.headers['content-security-policy']), /script-src 'self';/);
      const body = res.body;
      assert.ok(body.includes('<html lang="ko">'));
      assert.ok(body.includes('<title>러닝 코스 탐색 · '), body.slice(0, 600));
      assert.ok(body.includes(`<meta property="og:url" content="${t.base}/">`));
      assert.ok(body.includes('<meta property="og:title" content="러닝 코스 탐색">'));
      assert.match(body, /<meta property="og:description" content="[^"]+">/);
      assert.ok(body.includes('<meta name="twitter:card" content="summary">'));
      for (const name of ['lat', 'lng', 'radius']) assert.match(body, new RegExp(`<span class="field"><label for="nearby-${name}">[^<]+</label><(input|select) id="nearby-${name}" name="${name}"`));
      assert.ok(body.includes('<form class="nearby" id="nearby-form" method="get" action="/">'));
      assert.ok(body.includes('data-island="explore"'));
      for (const key of ['forest', 'river', 'busan']) assert.ok(body.includes(`<a href="/courses/${ids[key]}">`), `${key} is listed`);
      assert.ok(!body.includes('Secret garden') && !body.includes(ids.secret!), 'a private course is never listed');
      // The newest first: the forest loop before the beach run.
      assert.ok(body.indexOf(ids.forest!) < body.indexOf(ids.busan!));
    });

    it('lists the public courses near the point searched without JavaScript, within the radius chosen', async () => {
      const near = await get(`/?lat=${LAT + 0.0001}&lng=${LNG + 0.0001}`);
      assert.equal(near.statusCode, 200);
      const results = near.body.slice(near.body.indexOf('id="nearby-results"'), near.body.indexOf('id="map-heading"'));
      assert.ok(results.includes(`<a href="/courses/${ids.forest}">Seoul forest loop</a>`), results);
      assert.ok(results.includes(`<a href="/courses/${ids.river}">Riverside 2K</a>`), results);
      assert.ok(!results.includes(ids.busan!), 'a far course is not near');
      assert.ok(!near.body.includes('Secret garden') && !near.body.includes(ids.secret!), 'a private course near the point is never shown');
      assert.ok(results.includes('가까운 코스 2개'));
      assert.ok(near.body.includes(`value="${LAT + 0.0001}"`), 'the form keeps what was searched');

      const close = await get(`/?lat=${LAT}&lng=${LNG}&radius=1000`);
      const closeResults = close.body.slice(close.body.indexOf('id="nearby-results"'), close.body.indexOf('id="map-heading"'));
      assert.ok(closeResults.includes(ids.forest!) && !closeResults.includes(ids.river!), closeResults);
      assert.ok(close.body.includes('<option value="1000" selected>'));
    });

    it('answers a mistyped coordinate with the form and a message, not an error page', async () => {
      for (const query of ['lat=abc&lng=127', 'lat=91&lng=127', 'lat=37.5&lng=']) {
        const res = await get(`/?${query}`);
        assert.equal(res.statusCode, 200, query);
        assert.ok(res.body.includes('role="alert"'), query);
        assert.ok(!res.body.includes('가까운 코스'), query);
      }
    });
  });

  describe('in chromium', { skip: noBrowser }, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchBrowser();
    });
    after(() => browser?.close());

    const coursesDrawn = (tab: Page) => tab.waitForSelector('#explore-map[data-courses]').then(() => tab.locator('#explore-map').getAttribute('data-courses'));
    /** Pixels the heatmap's own canvas has painted. */
    const heatPixels = (tab: Page) =>
      tab.evaluate(() => {
        let count = 0;
        for (const canvas of document.querySelectorAll<HTMLCanvasElement>('.leaflet-heat-pane canvas')) {
          const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) count++;
        }
        return count;
      });

    /** Where [lng, lat] is in the map's box, in CSS pixels, for a map centred on `centre` at `zoom` (Web Mercator). */
    function containerPoint(tabSize: { width: number; height: number }, centre: [number, number], zoom: number, at: [number, number]) {
      const scale = 256 * 2 ** zoom;
      const x = (lng: number) => ((lng + 180) / 360) * scale;
      const y = (lat: number) => ((1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2) * scale;
      return { x: tabSize.width / 2 + x(at[0]) - x(centre[0]), y: tabSize.height / 2 + y(at[1]) - y(centre[1]) };
    }

    it('draws the public courses in view as lines that open their page, and the heatmap when ticked', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const { page: tab, errors } = await watchedPage(context);
      // Searching the forest loop's start centres the map on it at zoom 14 (the setup says so).
      assert.equal((await tab.goto(`${t.base}/?lat=${LAT}&lng=${LNG + 0.004}`))?.status(), 200);
      assert.equal(await coursesDrawn(tab), '2', 'the forest loop and the river run; not the private course between them');
      const listed = (await tab.locator('#map-courses').textContent()) ?? '';
      assert.ok(listed.includes('Seoul forest loop') && listed.includes('Riverside 2K'), listed);
      assert.ok(!listed.includes('Secret garden'));
      assert.ok((await linePixels(tab)) > 100, 'the course lines are drawn on the canvas');

      assert.equal(await heatPixels(tab), 0);
      await tab.getByLabel('러닝 히트맵 보기').check();
      await tab.waitForSelector('#explore-map[data-heat-cells]');
      assert.ok(Number(await tab.locator('#explore-map').getAttribute('data-heat-cells')) > 5);
      assert.ok((await heatPixels(tab)) > 100, 'heat cells are painted');
      await screenshot(tab, 'explore-desktop-heatmap');
      await tab.getByLabel('러닝 히트맵 보기').uncheck();
      await tab.waitForFunction(() => !document.querySelector('#explore-map')!.hasAttribute('data-heat-cells'));

      // The middle of the loop's first stretch, 0.004° (about 350 m, 45 px) from its start: a line, not a dot.
      const box = (await tab.locator('#explore-map').boundingBox())!;
      const point = containerPoint(box, [LNG + 0.004, LAT], 14, [LNG + 0.002, LAT]);
      await tab.mouse.click(box.x + point.x, box.y + point.y);
      await tab.waitForURL(`${t.base}/courses/${ids.forest}`);
      assert.deepEqual(errors, []);
      await context.close();
    });

    it('searches nearby in place, from typed coordinates and from the browser position, and recentres the map', async () => {
      const context = await browser.newContext({
        viewport: { width: 1280, height: 900 },
        geolocation: { latitude: LAT + 0.0002, longitude: LNG + 0.0002 },
        permissions: ['geolocation'],
      });
      const { page: tab, errors } = await watchedPage(context);
      await tab.goto(`${t.base}/`);
      await coursesDrawn(tab);
      // Set on this document: still there afterwards means the search did not load a new page.
      await tab.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

      await tab.getByLabel('위도').fill('35.161');
      await tab.getByLabel('경도').fill('129.071');
      await tab.getByLabel('반경').selectOption('1000');
      await tab.getByRole('button', { name: '검색' }).click();
      await tab.waitForFunction(() => document.querySelector('#nearby-results')!.textContent!.includes('가까운 코스 1개'));
      assert.ok((await tab.locator('#nearby-results').textContent())!.includes('Haeundae beach run'));
      assert.equal(await tab.evaluate(() => (window as unknown as { stayed?: boolean }).stayed), true);
      assert.match(tab.url(), /\/\?lat=35\.161&lng=129\.071&radius=1000$/);
      // The map moved to Busan: the beach run is the one course in view.
      await tab.waitForFunction(() => document.querySelector('#map-courses')!.textContent!.includes('Haeundae beach run'));
      assert.equal(await tab.locator('#map-courses li').count(), 1);

      await tab.getByRole('button', { name: '내 위치' }).click();
      await tab.waitForFunction(() => document.querySelector('#nearby-results')!.textContent!.includes('Seoul forest loop'));
      const results = (await tab.locator('#nearby-results').textContent())!;
      assert.ok(!results.includes('Secret garden') && !results.includes('Haeundae'), results);
      assert.equal(await tab.getByLabel('위도').inputValue(), (LAT + 0.0002).toFixed(5));
      await tab.waitForFunction(() => document.querySelector('#map-courses')!.textContent!.includes('Seoul forest loop'));
      assert.deepEqual(errors, []);
      await context.close();
    });

    it('lets the keyboard reach the search and the heatmap checkbox, and tick it', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const { page: tab, errors } = await watchedPage(context);
      await tab.goto(`${t.base}/`);
      await coursesDrawn(tab);
      const focused = () => tab.evaluate(() => document.activeElement?.id ?? '');
      async function tabTo(id: string) {
        for (let i = 0; i < 30; i++) {
          await tab.keyboard.press('Tab');
          if ((await focused()) === id) return;
        }
        assert.fail(`Tab never reached #${id}`);
      }
      await tabTo('nearby-lat');
      await tabTo('heatmap-toggle');
      await tab.keyboard.press('Space');
      await tab.waitForSelector('#explore-map[data-heat-cells]');
      assert.ok((await heatPixels(tab)) > 0);
      assert.deepEqual(errors, []);
      await context.close();
    });

    it('fits a phone without sideways scrolling and draws the courses there', async () => {
      const viewport = { width: 390, height: 844 };
      const context = await browser.newContext({ viewport, isMobile: true, hasTouch: true });
      const { page: tab, errors } = await watchedPage(context);
      await tab.goto(`${t.base}/`);
      assert.ok(Number(await coursesDrawn(tab)) >= 1);
      assert.ok((await linePixels(tab)) > 50);
      const width = await tab.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= viewport.width, `no sideways scrolling (${width} px)`);
      await screenshot(tab, 'explore-phone');
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
});
