// The live spectator page (/live/<id>) and its read-only socket (/live/<id>/watch): who may watch is the API's
// `detail` rule (signed in, the run's course visible), the socket opens only from our own Origin with the session
// cookie, hears the participants' standings with positions and says nothing; in chromium the runners' markers and
// the standings follow the participants' sockets, and a dropped socket is reopened.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { SESSION_COOKIE } from '../src/features/web/session.js';
import { createListeningApp, launchBrowser, linePixels, noBrowser, screenshot, watchedPage, type ListeningApp } from './helpers/browser.js';
import { insertCourse } from './helpers/run-records.js';
import { createUser, type TestUser } from './helpers/users.js';
import { TestSocket, waitClosed, type Message } from './helpers/ws.js';

type Participant = { user_id: string; current_distance_m: number; last_lat: number | null; last_lng: number | null };

const LAT = 37.5665;
const LNG = 126.978;
/** About 11 m of latitude: within the plausible step of a fix right after the previous one. */
const STEP = 0.0001;

describe('live spectator page', () => {
  let t: ListeningApp;
  let wsBase: string;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  before(async () => {
    t = await createListeningApp();
    wsBase = t.base.replace(/^http/, 'ws');
    [alice, bob, carol] = [await createUser(t.db, t.config), await createUser(t.db, t.config), await createUser(t.db, t.config)];
  });
  after(() => t.close());

  const api = (method: 'GET' | 'POST', url: string, who: TestUser, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: who.auth, ...(payload ? { payload } : {}) });
  async function createRun(host: TestUser, title: string, fields: { isPublic?: boolean } = {}): Promise<string> {
    const course = await insertCourse(t.db, host.id, fields);
    const res = await api('POST', '/live-group-runs', host, { course_id: course, title });
    assert.equal(res.statusCode, 201, res.body);
    return (res.json() as { id: string }).id;
  }
  /** A run of alice and bob, started, both connected as participants. */
  async function startedRun(title = `Live ${randomUUID().slice(0, 6)}`) {
    const runId = await createRun(alice, title);
    assert.equal((await api('POST', `/live-group-runs/${runId}/join`, bob)).statusCode, 200);
    assert.equal((await api('POST', `/live-group-runs/${runId}/start`, alice)).statusCode, 200);
    const runners = await Promise.all([alice, bob].map((u) => TestSocket.open(`${wsBase}/api/v1/live-group-runs/${runId}/ws?token=${u.token}`)));
    await Promise.all(runners.map((s) => s.next((m) => m.type === 'participants', 'participant snapshot')));
    return { runId, runners };
  }
  const page = (path: string, user?: TestUser) => t.app.inject({ method: 'GET', url: path, cookies: user ? { [SESSION_COOKIE]: user.token } : {} });
  /** The spectator socket as a browser on `origin` opens it with `user`'s session cookie. */
  const watchSocket = (runId: string, user: TestUser | null, origin: string | null = t.base) =>
    TestSocket.open(`${wsBase}/live/${runId}/watch`, {
      headers: { ...(user ? { cookie: `${SESSION_COOKIE}=${user.token}` } : {}), ...(origin ? { origin } : {}) },
    });
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => assert.fail('the socket opened'),
      (err: { statusCode?: number }) => err.statusCode,
    );
  const standing = (m: Message, userId: string) => (m.data as Participant[]).find((p) => p.user_id === userId);

  describe('over HTTP', () => {
    it('shows a signed-in viewer who takes no part the title, status and standings, escaped, with link previews', async () => {
      const runId = await createRun(alice, '<i>Sunrise & "10K"</i>');
      const res = await page(`/live/${runId}`, carol);
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
      assert.ok(res.body.includes('<h1>&lt;i&gt;Sunrise &amp; &quot;10K&quot;&lt;/i&gt;</h1>'), res.body);
      assert.ok(!res.body.includes('<i>Sunrise'), 'no markup of the user gets in');
      assert.ok(res.body.includes('<meta property="og:title" content="&lt;i&gt;Sunrise &amp; &quot;10K&quot;&lt;/i&gt;">'));
      assert.ok(res.body.includes(`<meta property="og:url" content="${t.base}/live/${runId}">`));
      assert.ok(res.body.includes('<meta property="og:description" content="Test course · 출발 대기 중 · 참가자 1/10명">'), res.body);
      assert.ok(res.body.includes('<meta name="twitter:card"'));
      assert.match(res.body, new RegExp(`<li data-user-id="${alice.id}" data-distance-m="0"><span class="name">${alice.nickname}</span> <span class="distance">0 m</span>`));
      assert.ok(res.body.includes('data-island="live"'));
      assert.match(String(res.headers['content-security-policy']), /script-src 'self';/);
    });

    it('is an HTML 404 to whom the run’s course is hidden, for an unknown run and a malformed id; the course’s owner sees it', async () => {
      const hidden = await createRun(alice, 'Secret dawn run', { isPublic: false });
      for (const res of [await page(`/live/${hidden}`, bob), await page(`/live/${randomUUID()}`, bob), await page('/live/not-a-uuid', bob)]) {
        assert.equal(res.statusCode, 404);
        assert.match(String(res.headers['content-type']), /^text\/html/);
        assert.ok(!res.body.includes('Secret dawn run'));
      }
      const own = await page(`/live/${hidden}`, alice);
      assert.equal(own.statusCode, 200);
      assert.ok(own.body.includes('Secret dawn run'));
    });

    it('asks a visitor who is not logged in to log in, the same for any run, telling nothing of it', async () => {
      const runId = await createRun(alice, 'Public morning run');
      const [visible, unknown] = [await page(`/live/${runId}`), await page(`/live/${randomUUID()}`)];
      for (const res of [visible, unknown]) {
        assert.equal(res.statusCode, 401);
        assert.match(String(res.headers['content-type']), /^text\/html/);
        assert.ok(res.body.includes('로그인</a>하면 이 라이브 러닝을'));
      }
      assert.ok(!visible.body.includes('Public morning run'));
      assert.ok(visible.body.includes(`href="/login?next=${encodeURIComponent(`/live/${runId}`)}"`));
      // A forged cookie is nobody.
      const forged = await t.app.inject({ method: 'GET', url: `/live/${runId}`, cookies: { [SESSION_COOKIE]: `${carol.token}x` } });
      assert.equal(forged.statusCode, 401);
    });
  });

  describe('the spectator socket', () => {
    it('is refused before the upgrade: a foreign or missing Origin 403, no session 401, a hidden or unknown run 404', async () => {
      const visible = await createRun(alice, 'Open run');
      const hidden = await createRun(alice, 'Hidden run', { isPublic: false });
      assert.equal(await refusal(watchSocket(visible, carol, 'https://evil.example')), 403);
      assert.equal(await refusal(watchSocket(visible, carol, t.base.replace('127.0.0.1', 'localhost'))), 403);
      assert.equal(await refusal(watchSocket(visible, carol, null)), 403);
      assert.equal(await refusal(watchSocket(visible, null)), 401);
      assert.equal(await refusal(TestSocket.open(`${wsBase}/live/${visible}/watch`, { headers: { origin: t.base, cookie: `${SESSION_COOKIE}=${carol.token}x` } })), 401);
      assert.equal(await refusal(watchSocket(hidden, carol)), 404);
      assert.equal(await refusal(watchSocket(randomUUID(), carol)), 404);
      // The same viewers the page lets in: the course's owner watches the hidden run.
      const owner = await watchSocket(hidden, alice);
      await owner.next((m) => m.type === 'participants', 'the owner’s snapshot');
      await owner.close();
    });

    it('hears the snapshot on connect and the standings with positions as the participants move, and closes when it speaks', async () => {
      const { runId, runners } = await startedRun();
      const spectator = await watchSocket(runId, carol);
      const first = await spectator.next((m) => m.type === 'participants', 'the snapshot on connect');
      assert.equal(first.status, 'running');
      await spectator.next((m) => m.type === 'started', 'started, as the run is under way');
      assert.deepEqual((first.data as Participant[]).map((p) => p.user_id).sort(), [alice.id, bob.id].sort(), 'the spectator is no participant');

      const [sa, sb] = runners as [TestSocket, TestSocket];
      sa.send({ type: 'location', lat: LAT, lng: LNG });
      sb.send({ type: 'location', lat: LAT, lng: LNG + STEP });
      const moved = await spectator.upcoming(
        (m) => m.type === 'participants' && standing(m, alice.id)?.last_lat === LAT && standing(m, bob.id)?.last_lng === LNG + STEP,
        'both positions',
      );
      assert.equal(standing(moved, alice.id)?.last_lng, LNG);
      sa.send({ type: 'location', lat: LAT + STEP, lng: LNG });
      await spectator.upcoming((m) => m.type === 'participants' && (standing(m, alice.id)?.current_distance_m ?? 0) > 10, 'alice’s distance');

      // A spectator that sends anything (a position, say) is closed, and nothing it sent is recorded.
      spectator.send({ type: 'location', lat: LAT + 1, lng: LNG });
      assert.equal((await waitClosed(spectator)).code, 1008);
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM live_group_run_positions WHERE live_group_run_id = $1 AND user_id = $2', [runId, carol.id]);
      assert.equal(rows[0]!.n, 0);
      await Promise.all(runners.map((s) => s.close()));
    });
  });

  describe('in chromium', { skip: noBrowser }, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchBrowser();
    });
    after(() => browser?.close());

    it('moves the runners’ markers and updates the standings as they run, reconnects a dropped socket, logs no error', async () => {
      const title = 'Han river live 5K';
      const runId = await createRun(alice, title);
      assert.equal((await api('POST', `/live-group-runs/${runId}/join`, bob)).statusCode, 200);

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addCookies([{ name: SESSION_COOKIE, value: carol.token, url: t.base, httpOnly: true, sameSite: 'Lax' }]);
      // The page's sockets, so the test can drop one (the island's own are out of reach); the page runs unchanged.
      await context.addInitScript(() => {
        const Native = window.WebSocket;
        const opened: WebSocket[] = [];
        (window as unknown as { liveSockets: WebSocket[] }).liveSockets = opened;
        window.WebSocket = class extends Native {
          constructor(url: string | URL, protocols?: string | string[]) {
            super(url, protocols);
            opened.push(this);
          }
        };
      });
      const { page: tab, errors } = await watchedPage(context);
      const response = await tab.goto(`${t.base}/live/${runId}`);
      assert.equal(response?.status(), 200);
      assert.equal(await tab.locator('h1').textContent(), title);
      await tab.waitForSelector('#live-map[data-ready="true"] canvas');
      await tab.waitForSelector('#live-connection[data-state="open"]');
      assert.equal(await tab.locator('#live-status').textContent(), '출발 대기 중');
      assert.ok((await linePixels(tab)) > 50, 'the course line is drawn');
      assert.equal(await tab.locator('.runner-marker').count(), 0, 'no position yet, no marker');

      // The scripted run: started by the host, both runners' sockets send positions.
      assert.equal((await api('POST', `/live-group-runs/${runId}/start`, alice)).statusCode, 200);
      await tab.waitForFunction(() => document.getElementById('live-status')?.textContent === '달리는 중');
      const runners = await Promise.all([alice, bob].map((u) => TestSocket.open(`${wsBase}/api/v1/live-group-runs/${runId}/ws?token=${u.token}`)));
      const [sa, sb] = runners as [TestSocket, TestSocket];
      const step = async (lat: number, aliceLng: number, bobLng: number) => {
        sa.send({ type: 'location', lat, lng: aliceLng });
        sb.send({ type: 'location', lat, lng: bobLng });
        const where = { [alice.id]: [lat, aliceLng], [bob.id]: [lat, bobLng] };
        // Until both markers stand where the runners are, inside the visible map.
        await tab.waitForFunction((expected) => {
          const box = document.getElementById('live-map')!.getBoundingClientRect();
          return Object.entries(expected).every(([id, [lat, lng]]) => {
            const marker = document.querySelector<HTMLElement>(`.runner-marker[data-user-id="${id}"]`);
            if (!marker || Number(marker.dataset.lat) !== lat || Number(marker.dataset.lng) !== lng) return false;
            const r = marker.getBoundingClientRect();
            return r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;
          });
        }, where);
      };
      await step(LAT, LNG, LNG + 0.004);
      await step(LAT + STEP, LNG, LNG + 0.004);
      await step(LAT + 2 * STEP, LNG, LNG + 0.004);
      await tab.waitForFunction((ids) => ids.every((id) => Number(document.querySelector<HTMLElement>(`#live-participants li[data-user-id="${id}"]`)?.dataset.distanceM) > 20), [alice.id, bob.id]);
      const items = await tab.locator('#live-participants li').allTextContents();
      assert.equal(items.length, 2);
      for (const text of items) assert.match(text, /\b2\d m\b/, `a distance of some 22 m in "${text}"`);
      assert.equal(await tab.locator('.runner-marker').count(), 2);
      const labels = await tab.locator('.runner-marker .label').allTextContents();
      assert.deepEqual(labels.sort(), [alice.nickname, bob.nickname].sort());
      await screenshot(tab, 'live-page');

      // A dropped socket: the state says so, the island reopens one, and the markers follow again.
      await tab.evaluate(() => (window as unknown as { liveSockets: WebSocket[] }).liveSockets[0]!.close());
      await tab.waitForSelector('#live-connection[data-state="closed"]');
      assert.match((await tab.locator('#live-connection').textContent()) ?? '', /초 후 다시 연결합니다/);
      assert.equal(await tab.locator('#live-connection').getAttribute('aria-live'), 'polite');
      await tab.waitForFunction(() => (window as unknown as { liveSockets: WebSocket[] }).liveSockets.length === 2);
      await tab.waitForSelector('#live-connection[data-state="open"]');
      await step(LAT + 3 * STEP, LNG, LNG + 0.004);

      // The run ends: the page says so and keeps no socket open.
      for (const s of runners) s.send({ type: 'completed' });
      await tab.waitForFunction(() => document.getElementById('live-status')?.textContent === '종료');
      await tab.waitForSelector('#live-connection[data-state="ended"]');
      await tab.waitForFunction(() => (window as unknown as { liveSockets: WebSocket[] }).liveSockets.every((s) => s.readyState === WebSocket.CLOSED));
      await Promise.all(runners.map((s) => s.close()));
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
});
