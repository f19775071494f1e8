// Accessibility basics of the web pages in chromium: axe-core's WCAG 2 A/AA rules (labels, names, contrast,
// landmarks, language) with no violation, and a keyboard path (skip link first, then the header's links).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { createListeningApp, launchBrowser, noBrowser, type ListeningApp } from './helpers/browser.js';
import { postCourse } from './helpers/courses.js';
import { insertRun } from './helpers/run-records.js';
import { createUser, type TestUser } from './helpers/users.js';
import { rebuildUserRanking } from '../src/features/rankings/service.js';
import { SESSION_COOKIE } from '../src/features/web/session.js';

async function violations(page: Page): Promise<string[]> {
  // Evaluated through the debugging protocol, which the page's script policy does not cover.
  await page.evaluate(axe.source);
  const result = await page.evaluate(() =>
    (window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

describe('web accessibility', { skip: noBrowser }, () => {
  let t: ListeningApp;
  let browser: Browser;
  let alice: TestUser;
  let courseId: string;
  let paths: string[];

  before(async () => {
    t = await createListeningApp();
    browser = await launchBrowser();
    alice = await createUser(t.db, t.config);
    courseId = await postCourse(t, alice, { title: 'Accessible loop', distance_meters: 1200, estimated_duration_seconds: 400, elevation_profile: [5, 9, 7] });
    await insertRun(t.db, { userId: alice.id, courseId, finishedAt: new Date(), courseDurationSeconds: 420 });
    await rebuildUserRanking(t.db, courseId, alice.id);
    const bob = await createUser(t.db, t.config);
    const made = async (url: string, payload: object) => {
      const created = await t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: alice.auth, payload });
      assert.equal(created.statusCode, 201, created.body);
      return created.json().id as string;
    };
    const crew = await made('/crews', { name: `Crew ${randomUUID().slice(0, 8)}`, region: 'Seoul', description: 'Morning runs' });
    const event = await made('/events', {
      title: 'Night 10K', course_id: courseId, center_lat: 37.56, center_lng: 126.97,
      starts_at: new Date(Date.now() + 86_400_000).toISOString(), ends_at: new Date(Date.now() + 93_600_000).toISOString(),
    });
    const groupRun = await made('/group-runs', { name: 'Sunday run', course_id: courseId, invite_user_ids: [bob.id] });
    const liveRun = await made('/live-group-runs', { course_id: courseId, title: 'Live 5K' });
    paths = ['/', `/courses/${courseId}`, `/users/${alice.id}`, `/crews/${crew}`, `/events/${event}`, `/group-runs/${groupRun}`, `/live/${liveRun}`];
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('has no WCAG 2 A/AA violation on any page, on a desktop and a phone', async () => {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
      const context = await browser.newContext({ viewport });
      // Logged in: the header's log-out form is checked too, and the group run is visible to its host.
      await context.addCookies([{ name: SESSION_COOKIE, value: alice.token, url: t.base }]);
      const page = await context.newPage();
      for (const path of paths) {
        assert.equal((await page.goto(`${t.base}${path}`))?.status(), 200, path);
        // Checked once the islands drew (their controls are part of the page).
        await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('[data-island]')].every((e) => e.dataset.ready === 'true'));
        assert.deepEqual(await violations(page), [], `${path} at ${viewport.width} px`);
      }
      await context.close();
    }
  });

  it('is usable from the keyboard: the skip link comes first and leads to the content', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${t.base}/courses/${courseId}`);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), '본문으로 건너뛰기');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => location.hash), '#content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.tagName);
    assert.ok(focused === 'A' || focused === 'BUTTON', `Tab moves through links (${focused})`);
    await context.close();
  });
});
