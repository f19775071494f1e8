// The login page (one real link per configured provider, so it works without JavaScript) and the page shown when
// a login cannot finish (the person cancelled, the request expired, the provider is down).
import { html } from './html.js';
import { renderPage, type PageFrame } from './layout.js';
import type { WebProvider } from './oauth-providers.js';

const startPath = (provider: WebProvider, next: string) =>
  `/auth/${provider.name}/start${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`;

export function loginPage(frame: PageFrame, providers: WebProvider[], next: string): string {
  const { viewer } = frame;
  const content = html`<section class="login">
<h1>로그인</h1>
${viewer ? html`<p>${viewer.nickname ?? '러너'} 님으로 로그인되어 있습니다. <a href="${next}">계속하기</a></p>\n` : ''}${providers.length
    ? html`<p>사용하는 계정으로 로그인하세요. 처음이면 계정이 만들어집니다.</p>
<ul class="login-providers">
${providers.map((p) => html`<li><a class="login-button login-${p.name}" href="${startPath(p, next)}">${p.label}</a></li>\n`)}</ul>`
    : html`<p>지금은 웹에서 로그인할 수 없습니다. 앱에서 로그인해 주세요.</p>`}
</section>`;
  return renderPage(frame, { title: '로그인', description: `${frame.config.APP_NAME}에 로그인하고 코스 순위와 기록을 확인하세요.`, path: '/login' }, content);
}

export function loginProblemPage(frame: PageFrame, title: string, message: string, next = '/'): string {
  const again = `/login${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`;
  const content = html`<section class="login">
<h1>${title}</h1>
<p>${message}</p>
<p><a href="${again}">다시 로그인하기</a> · <a href="/">코스 탐색으로 돌아가기</a></p>
</section>`;
  return renderPage(frame, { title, description: message, path: '/login' }, content);
}
