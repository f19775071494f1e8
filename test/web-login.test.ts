// Logging in on the web through the providers' authorization-code flows, against local providers speaking their
// real protocols (test/helpers/fake-providers.ts): start → the provider's authorize endpoint → callback → the
// session cookie; the same user on every login; login CSRF (state) and open redirects refused; logout only with the
// page's CSRF token. Then the whole thing in chromium. Screenshots: test-artifacts/screenshots/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { verifyAccessToken } from '../src/features/auth/access-token.js';
import { csrfToken, SESSION_COOKIE } from '../src/features/web/session.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createListeningApp, launchBrowser, noBrowser, screenshot, watchedPage, type ListeningApp } from './helpers/browser.js';
import { FakeProviders, GOOGLE_WEB_CLIENT_ID, KAKAO_REST_API_KEY, NAVER_CLIENT_ID } from './helpers/fake-providers.js';
import { postCourse } from './helpers/courses.js';
import { createUser, uniqueNickname } from './helpers/users.js';

type Provider = 'kakao' | 'naver' | 'google';
type Cookie = { name: string; value: string; path?: string; maxAge?: number; httpOnly?: boolean; sameSite?: string; secure?: boolean; expires?: Date };

describe('web login', () => {
  let fake: FakeProviders;
  let t: ListeningApp;
  let courseId: string;

  before(async () => {
    fake = await FakeProviders.start();
    t = await createListeningApp({ ...fake.config(), ...fake.webConfig() });
    const owner = await createUser(t.db, t.config);
    courseId = await postCourse(t, owner, { title: 'Login loop' });
  });
  after(async () => {
    await t?.close();
    await fake?.close();
  });

  /** A fresh person at each provider; `agree` makes them the one who agrees at the authorize endpoints. */
  function person(provider: Provider) {
    const nickname = uniqueNickname('w');
    const identity = {
      kakao: { id: Math.floor(Math.random() * 1e12), nickname, email: 'runner@kakao.example' },
      naver: { id: `naver-${randomUUID()}`, nickname, email: 'runner@naver.example' },
      google: { sub: String(Math.floor(Math.random() * 1e15)), name: nickname, email: 'runner@gmail.example' },
    }[provider];
    const providerId = 'sub' in identity ? identity.sub! : String(identity.id);
    return { nickname, providerId, agree: () => Object.assign(fake.consent, { [provider]: identity }) };
  }

  const cookieOf = (res: { cookies: Cookie[] }, name: string) => res.cookies.find((c) => c.name === name);

  /** GET /auth/<provider>/start: the authorize URL and the pending-login cookie. */
  async function start(provider: Provider, next?: string, app: TestApp['app'] = t.app) {
    const res = await app.inject({ method: 'GET', url: `/auth/${provider}/start${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}` });
    assert.equal(res.statusCode, 302, res.body);
    const pending = cookieOf(res as never, 'rc_oauth');
    assert.ok(pending, 'a pending-login cookie');
    return { authorize: new URL(String(res.headers.location)), pending };
  }

  /** The browser at the provider: where it is sent back to. */
  async function atProvider(authorize: URL): Promise<URL> {
    const res = await fetch(authorize, { redirect: 'manual' });
    assert.equal(res.status, 302, await res.text());
    return new URL(res.headers.get('location')!);
  }

  const callback = (back: URL, pending?: string, app: TestApp['app'] = t.app) =>
    app.inject({ method: 'GET', url: `${back.pathname}${back.search}`, cookies: pending ? { rc_oauth: pending } : {} });

  async function login(provider: Provider, next?: string) {
    const { authorize, pending } = await start(provider, next);
    return callback(await atProvider(authorize), pending.value);
  }

  const page = (path: string, session?: string) => t.app.inject({ method: 'GET', url: path, cookies: session ? { [SESSION_COOKIE]: session } : {} });
  const socialUsers = async (provider: Provider, providerId: string) =>
    (await t.db.query<{ user_id: string }>('SELECT user_id FROM social_accounts WHERE provider = $1 AND provider_id = $2', [provider, providerId])).rows;

  it('offers one link per configured provider on /login, carrying next', async () => {
    const res = await page(`/login?next=${encodeURIComponent(`/courses/${courseId}`)}`);
    assert.equal(res.statusCode, 200);
    for (const provider of ['kakao', 'naver', 'google']) {
      assert.ok(res.body.includes(`href="/auth/${provider}/start?next=${encodeURIComponent(`/courses/${courseId}`)}"`), `${provider} link: ${res.body}`);
    }
    assert.ok(!res.body.includes('/auth/apple/start'));
    assert.ok(res.body.includes('<meta property="og:title" content="로그인">'));
    // The header's login link brings the viewer back to the page they were on.
    const course = await page(`/courses/${courseId}`);
    assert.ok(course.body.includes(`<a href="/login?next=${encodeURIComponent(`/courses/${courseId}`)}">로그인</a>`), course.body);
  });

  for (const provider of ['kakao', 'naver', 'google'] as const) {
    it(`logs in with ${provider}: state (and PKCE), the code exchanged, the app's login, the session cookie`, async () => {
      const someone = person(provider);
      someone.agree();
      const next = `/courses/${courseId}?tab=rank`;
      const { authorize, pending } = await start(provider, next);

      const clientId = { kakao: KAKAO_REST_API_KEY, naver: NAVER_CLIENT_ID, google: GOOGLE_WEB_CLIENT_ID }[provider];
      assert.equal(authorize.searchParams.get('client_id'), clientId);
      assert.equal(authorize.searchParams.get('redirect_uri'), `${t.base}/auth/${provider}/callback`);
      assert.equal(authorize.searchParams.get('response_type'), 'code');
      assert.ok((authorize.searchParams.get('state') ?? '').length >= 32, 'a random state');
      assert.equal(authorize.searchParams.get('code_challenge_method'), provider === 'naver' ? null : 'S256');
      assert.deepEqual(
        { httpOnly: pending.httpOnly, sameSite: pending.sameSite, path: pending.path, maxAge: pending.maxAge },
        { httpOnly: true, sameSite: 'Lax', path: '/auth', maxAge: 600 },
      );
      assert.ok(!pending.value.includes(authorize.searchParams.get('code_challenge') ?? '-'), 'the cookie holds the verifier, not the challenge');

      const back = await atProvider(authorize);
      const res = await callback(back, pending.value);
      assert.equal(res.statusCode, 302, res.body);
      assert.equal(res.headers.location, next);
      const session = cookieOf(res as never, SESSION_COOKIE)!;
      assert.deepEqual(
        { httpOnly: session.httpOnly, sameSite: session.sameSite, path: session.path, maxAge: session.maxAge, secure: session.secure },
        { httpOnly: true, sameSite: 'Lax', path: '/', maxAge: t.config.ACCESS_TOKEN_EXPIRE_MINUTES * 60, secure: undefined },
      );
      const cleared = cookieOf(res as never, 'rc_oauth')!;
      assert.equal(cleared.value, '', 'the pending login is used up');

      const [account] = await socialUsers(provider, someone.providerId);
      assert.ok(account, 'the account was created by the same login as the app');
      assert.equal(await verifyAccessToken(t.config, session.value), account.user_id);
      const shown = await page(`/courses/${courseId}`, session.value);
      assert.ok(shown.body.includes(`<span>${someone.nickname}</span>`), shown.body);
      assert.ok(shown.body.includes('로그아웃'));
      // The web session is the access token alone: no live refresh token is left behind.
      const live = await t.db.query('SELECT 1 FROM refresh_tokens WHERE user_id = $1 AND NOT is_revoked', [account.user_id]);
      assert.equal(live.rowCount, 0);

      const again = await login(provider);
      assert.equal(again.headers.location, '/');
      assert.equal(await verifyAccessToken(t.config, cookieOf(again as never, SESSION_COOKIE)!.value), account.user_id, 'the same user');
      assert.equal((await socialUsers(provider, someone.providerId)).length, 1);
    });
  }

  it('refuses a callback whose state is missing, different, of another provider or without its cookie', async () => {
    person('kakao').agree();
    const before = fake.requests.filter((r) => r.path === '/kauth/oauth/token').length;
    const { authorize, pending } = await start('kakao');
    const back = await atProvider(authorize);
    const withState = (state: string | null) => {
      const url = new URL(back);
      if (state === null) url.searchParams.delete('state');
      else url.searchParams.set('state', state);
      return url;
    };
    const naverPending = (await start('naver')).pending.value;
    const attempts = [
      callback(withState(null), pending.value),
      callback(withState('forged-state-of-an-attacker-000000000'), pending.value),
      callback(back),
      callback(back, naverPending),
      callback(back, 'not-base64-json'),
    ];
    for (const res of await Promise.all(attempts)) {
      assert.equal(res.statusCode, 400, res.body);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.ok(res.body.includes('로그인 요청이 올바르지 않습니다'));
      assert.equal(cookieOf(res as never, SESSION_COOKIE), undefined);
    }
    assert.equal(fake.requests.filter((r) => r.path === '/kauth/oauth/token').length, before, 'no code was exchanged');
  });

  it('sends the browser only to a path of this site after login', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/\t/evil.example', 'javascript:alert(1)', 'courses']) {
      person('google').agree();
      const res = await login('google', next);
      assert.equal(res.statusCode, 302, res.body);
      assert.equal(res.headers.location, '/', next);
    }
    // A pending cookie written by hand is checked again at the callback.
    person('kakao').agree();
    const { authorize, pending } = await start('kakao', '/ok');
    const forged = { ...JSON.parse(Buffer.from(pending.value, 'base64url').toString()), next: '//evil.example' };
    const res = await callback(await atProvider(authorize), Buffer.from(JSON.stringify(forged)).toString('base64url'));
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/');
  });

  it('answers a refusal, a reused code and an unreachable provider with a page, never a 500', async () => {
    fake.deny = true;
    try {
      const { authorize, pending } = await start('naver', '/courses/x');
      const back = await atProvider(authorize);
      assert.equal(back.searchParams.get('error'), 'access_denied');
      const res = await callback(back, pending.value);
      assert.equal(res.statusCode, 400);
      assert.ok(res.body.includes('로그인을 취소했습니다'));
      assert.ok(res.body.includes(`href="/login?next=${encodeURIComponent('/courses/x')}"`), 'offers to try again');
    } finally {
      fake.deny = false;
    }

    for (const provider of ['kakao', 'naver', 'google'] as const) {
      person(provider).agree();
      const { authorize, pending } = await start(provider);
      const back = await atProvider(authorize);
      assert.equal((await callback(back, pending.value)).statusCode, 302);
      const reused = await callback(back, pending.value);
      assert.equal(reused.statusCode, 401, `${provider}: ${reused.body}`);
      assert.ok(reused.body.includes('로그인하지 못했습니다'));
      assert.equal(cookieOf(reused as never, SESSION_COOKIE), undefined);
    }

    person('google').agree();
    const { authorize, pending } = await start('google');
    const back = await atProvider(authorize);
    fake.down = true;
    try {
      const res = await callback(back, pending.value);
      assert.equal(res.statusCode, 502, res.body);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.ok(res.body.includes('로그인 서비스에 연결할 수 없습니다'));
    } finally {
      fake.down = false;
    }
  });

  it('marks the cookies Secure on https, does not offer a provider without web credentials, limits the callback', async () => {
    const secure = await createTestApp({ ...fake.config(), ...fake.webConfig(), PUBLIC_BASE_URL: 'https://runcrew.example', GOOGLE_WEB_CLIENT_ID: '',
      AUTH_RATE_LIMIT_PER_MINUTE: '2',
    });
    try {
      const loginPage = await secure.app.inject({ method: 'GET', url: '/login' });
      assert.ok(loginPage.body.includes('/auth/kakao/start') && !loginPage.body.includes('/auth/google/start'), loginPage.body);
      for (const provider of ['google', 'apple', 'strava']) {
        const res = await secure.app.inject({ method: 'GET', url: `/auth/${provider}/start` });
        assert.equal(res.statusCode, 404, provider);
        assert.match(String(res.headers['content-type']), /^text\/html/);
      }
      person('kakao').agree();
      const { authorize, pending } = await start('kakao', undefined, secure.app);
      assert.equal(pending.secure, true);
      assert.equal(authorize.searchParams.get('redirect_uri'), 'https://runcrew.example/auth/kakao/callback');
      const res = await callback(await atProvider(authorize), pending.value, secure.app);
      assert.equal(res.statusCode, 302, res.body);
      assert.equal(cookieOf(res as never, SESSION_COOKIE)?.secure, true);
      // The callback logs in, so it has the login's per-IP budget; beyond it, a page.
      assert.equal((await callback(new URL('https://runcrew.example/auth/kakao/callback'), undefined, secure.app)).statusCode, 400);
      const limited = await callback(new URL('https://runcrew.example/auth/kakao/callback'), undefined, secure.app);
      assert.equal(limited.statusCode, 429);
      assert.match(String(limited.headers['content-type']), /^text\/html/);
    } finally {
      await secure.close();
    }
  });

  describe('logout', () => {
    async function loggedIn() {
      person('kakao').agree();
      const session = cookieOf((await login('kakao')) as never, SESSION_COOKIE)!.value;
      return { session, csrf: csrfToken(t.config, session) };
    }
    const logout = (session: string | undefined, form: Record<string, string>, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: 'POST',
        url: '/logout',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        cookies: session ? { [SESSION_COOKIE]: session } : {},
        payload: new URLSearchParams(form).toString(),
      });

    it('clears the session with the page CSRF token and sends the browser home', async () => {
      const { session, csrf } = await loggedIn();
      const shown = await page('/login', session);
      assert.ok(shown.body.includes(`<input type="hidden" name="csrf" value="${csrf}">`), 'the page form carries the token');
      for (const headers of [{}, { origin: t.base }, { origin: 'null' }] as Record<string, string>[]) {
        const res = await logout(session, { csrf }, headers);
        assert.equal(res.statusCode, 303, res.body);
        assert.equal(res.headers.location, '/');
        const cleared = cookieOf(res as never, SESSION_COOKIE)!;
        assert.equal(cleared.value, '');
        assert.equal(cleared.path, '/');
        assert.ok(cleared.maxAge === 0 || (cleared.expires && cleared.expires.getTime() <= Date.now()), 'expired');
      }
    });

    it('refuses without the token, with another session’s token or from another origin, and keeps the cookie', async () => {
      const { session, csrf } = await loggedIn();
      const other = await loggedIn();
      const attempts = [
        logout(session, {}),
        logout(session, { csrf: other.csrf }),
        logout(session, { csrf: `${csrf.slice(0, -1)}A` === csrf ? `${csrf.slice(0, -1)}B` : `${csrf.slice(0, -1)}A` }),
        logout(session, { csrf }, { origin: 'https://evil.example' }),
        logout(undefined, { csrf }),
        t.app.inject({ method: 'POST', url: '/logout', cookies: { [SESSION_COOKIE]: session } }),
      ];
      for (const res of await Promise.all(attempts)) {
        assert.equal(res.statusCode, 403, res.body);
        assert.match(String(res.headers['content-type']), /^text\/html/);
        assert.equal(cookieOf(res as never, SESSION_COOKIE), undefined, 'the cookie stays');
      }
      assert.ok((await page('/login', session)).body.includes('로그아웃'), 'still logged in');
    });
  });

  it("treats a deleted account's cookie as nobody", async () => {
    const someone = person('naver');
    someone.agree();
    const session = cookieOf((await login('naver')) as never, SESSION_COOKIE)!.value;
    assert.ok((await page(`/courses/${courseId}`, session)).body.includes(someone.nickname));
    const deleted = await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: { authorization: `Bearer ${session}` } });
    assert.equal(deleted.statusCode, 204, deleted.body);
    const shown = await page(`/courses/${courseId}`, session);
    assert.equal(shown.statusCode, 200);
    assert.ok(!shown.body.includes(someone.nickname));
    assert.ok(shown.body.includes('>로그인</a>') && !shown.body.includes('로그아웃'));
  });

  describe('in chromium', { skip: noBrowser }, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchBrowser();
    });
    after(() => browser?.close());

    it('logs in with Kakao from a course page and back, with an httpOnly cookie, then logs out', async () => {
      const someone = person('kakao');
      someone.agree();
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const { page: tab, errors } = await watchedPage(context);
      const coursePath = `/courses/${courseId}`;
      await tab.goto(`${t.base}${coursePath}`);
      await tab.getByRole('link', { name: '로그인', exact: true }).first().click();
      await tab.waitForURL(`${t.base}/login?next=${encodeURIComponent(coursePath)}`);
      await screenshot(tab, 'web-login-page');
      await tab.getByRole('link', { name: '카카오로 로그인' }).click();
      await tab.waitForURL(`${t.base}${coursePath}`);
      await tab.getByText(someone.nickname, { exact: true }).waitFor();
      assert.equal(await tab.locator('h1').textContent(), 'Login loop');
      assert.ok(!(await tab.evaluate(() => document.cookie)).includes(SESSION_COOKIE), 'scripts cannot read the session');
      const session = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
      assert.equal(session?.httpOnly, true);
      assert.equal(session?.sameSite, 'Lax');
      await screenshot(tab, 'web-login-logged-in');

      assert.deepEqual(errors, []);

      const home = tab.waitForResponse(`${t.base}/`);
      await tab.getByRole('button', { name: '로그아웃' }).click();
      await tab.waitForURL(`${t.base}/`);
      // `/` is the explore page, another part of the web client; where it is not there yet it is an HTML 404, which
      // chromium reports as the one console error.
      const atHome = errors.splice(0);
      const missing = ['console: Failed to load resource: the server responded with a status of 404 (Not Found)'];
      assert.deepEqual(atHome, (await home).status() === 404 ? missing : []);
      await tab.goto(`${t.base}${coursePath}`);
      await tab.getByRole('link', { name: '로그인', exact: true }).first().waitFor();
      assert.equal(await tab.getByText(someone.nickname, { exact: true }).count(), 0);
      assert.equal((await context.cookies()).find((c) => c.name === SESSION_COOKIE), undefined);
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
});
