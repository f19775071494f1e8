// Real-browser tests: Debian's chromium (installed by .ci/run; CHROMIUM_PATH overrides) driven by playwright-core,
// against the test app listening on 127.0.0.1. Without a chromium the tests skip with a message saying so.
// Screenshots land in test-artifacts/screenshots/ (not committed).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from './app.js';
import { freePort } from '../../scripts/free-port.js';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
export const chromiumPath = CANDIDATES.find((path) => existsSync(path));
/** `describe(..., { skip: noBrowser })`: false, or why the browser tests cannot run here. */
export const noBrowser: string | false = chromiumPath ? false : `no chromium at ${CANDIDATES.join(' or ')} (apt-get install chromium)`;
export const SCREENSHOTS = join('test-artifacts', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}


export interface ListeningApp extends TestApp {
  /** http://127.0.0.1:<port>, also the app's PUBLIC_BASE_URL. */
  base: string;
}

/** The test app on a real port, so a browser (and absolute URLs in the pages) reach it. */
export async function createListeningApp(overrides: Record<string, string> = {}): Promise<ListeningApp> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t = await createTestApp({ PUBLIC_BASE_URL: base, ...overrides });
  await t.app.listen({ port, host: '127.0.0.1' });
  return { ...t, base };
}

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[];
}

/** A page whose console errors and uncaught exceptions are collected (a test asserts there are none). */
export async function watchedPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** How many pixels of the page's map canvases are drawn in the course line's colour (the map draws, not just loads). */
export function linePixels(page: Page, selector = '.map'): Promise<number> {
  return page.evaluate((sel) => {
    let count = 0;
    for (const canvas of document.querySelectorAll<HTMLCanvasElement>(`${sel} canvas.leaflet-zoom-animated`)) {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i]! > 180 && data[i + 1]! < 120 && data[i + 2]! < 60 && data[i + 3]! > 0) count++;
      }
    }
    return count;
  }, selector);
}
