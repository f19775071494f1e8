// The web case of `npm run bench`: a course page (the seeded leaderboard course, 100,000 runners) loaded cold in
// chromium, BENCH_WEB_LOADS times (default 10), each in a fresh browser context (no cache). It prints the bytes
// transferred (HTML, script, style; compressed as sent), the time to first contentful paint and to the map
// drawn, and the ratio of a static page's first paint (a bare node:http server, same browser, same run) to ours.
// Targets: script ≤ 200 KB compressed, first content ≤ 1 s.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const LOADS = Number(process.env.BENCH_WEB_LOADS ?? 10);
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find((p): p is string => Boolean(p && existsSync(p)));

interface Load {
  fcp: number;
  mapDrawn: number;
  html: number;
  script: number;
  style: number;
}

async function load(browser: Browser, url: string, waitForMap: boolean): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const response = await page.goto(url, { waitUntil: 'load' });
    if (response?.status() !== 200) throw new Error(`${url} answered ${response?.status()}: ${(await response?.text())?.slice(0, 300)}`);
    await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
    if (waitForMap) await page.waitForSelector('[data-island="map"][data-ready="true"]', { state: 'attached' });
    const mapDrawn = waitForMap ? await page.evaluate(() => performance.now()) : 0;
    // Plain expressions only: tsx names inner functions with a helper the page does not have.
    const timing = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]!.startTime,
      html: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).transferSize,
      resources: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((r) => [r.name, r.transferSize] as const),
    }));
    const sum = (kind: string) => timing.resources.filter(([name]) => name.endsWith(kind)).reduce((n, [, size]) => n + size, 0);
    return { fcp: timing.fcp, mapDrawn, html: timing.html, script: sum('.js'), style: sum('.css') };
  } finally {
    await context.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const worst = (values: number[]) => Math.max(...values);

export async function webCase(serverUrl: string, courseId: string): Promise<void> {
  if (!CHROMIUM) {
    console.log('\nweb: skipped, no chromium (apt-get install chromium, or set CHROMIUM_PATH)');
    return;
  }
  const bare = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>x</title><h1>Static page</h1>');
  }).listen(0, '127.0.0.1');
  await once(bare, 'listening');
  const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    const ours: Load[] = [];
    const base: Load[] = [];
    // Taking turns, so a busy moment of the machine does not fall on one side only.
    for (let i = 0; i < LOADS; i++) {
      ours.push(await load(browser, `${serverUrl}/courses/${courseId}`, true));
      base.push(await load(browser, bareUrl, false));
    }
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    const ms = (n: number) => `${n.toFixed(0)} ms`;
    const last = ours.at(-1)!;
    console.log(`\nweb: course page of the leaderboard course, ${LOADS} cold loads in chromium (fresh context each)`);
    console.log(`  transferred: HTML ${kb(last.html)}, script ${kb(last.script)}, style ${kb(last.style)}, total ${kb(last.html + last.script + last.style)}  (target: script <= 200 KB)`);
    console.log(`  first contentful paint: median ${ms(median(ours.map((l) => l.fcp)))}, worst ${ms(worst(ours.map((l) => l.fcp)))}  (target <= 1000 ms)`);
    console.log(`  map drawn: median ${ms(median(ours.map((l) => l.mapDrawn)))}, worst ${ms(worst(ours.map((l) => l.mapDrawn)))}`);
    const baseFcp = median(base.map((l) => l.fcp));
    console.log(`  static page first paint: median ${ms(baseFcp)}; ratio static / ours ${((baseFcp / median(ours.map((l) => l.fcp))) * 100).toFixed(0)}%`);
  } finally {
    await browser.close();
    bare.close();
  }
}
