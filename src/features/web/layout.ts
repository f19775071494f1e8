// The frame of every page: its head (title, description, canonical address, Open Graph and Twitter card tags with
// absolute URLs, so a pasted link previews in chat apps), the site header with log in / log out, and the content.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../infra/config.js';
import { assetNames, type AssetNames } from './assets.js';
import { html, type Html } from './html.js';
import { viewerOf, type Viewer } from './session.js';

export interface PageMeta {
  title: string;
  description: string;
  /** Path of this page, e.g. /courses/<id>; made absolute with PUBLIC_BASE_URL. */
  path: string;
  /** Absolute URL of the preview picture. */
  image?: string | null;
}

export interface PageFrame {
  config: Config;
  assets: AssetNames;
  viewer: Viewer | null;
}

export async function frameOf(app: FastifyInstance, request: FastifyRequest): Promise<PageFrame> {
  return { config: app.deps.config, assets: assetNames(), viewer: await viewerOf(app, request) };
}

export function renderPage(frame: PageFrame, meta: PageMeta, content: Html): string {
  const { config, assets, viewer } = frame;
  const url = `${config.publicBaseUrl}${meta.path}`;
  const title = `${meta.title} · ${config.APP_NAME}`;
  const image = meta.image ?? undefined;
  return `<!doctype html>\n${html`<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title}</title>
<meta name="description" content="${meta.description}">
<link rel="canonical" href="${url}">
<meta property="og:site_name" content="${config.APP_NAME}">
<meta property="og:type" content="website">
<meta property="og:title" content="${meta.title}">
<meta property="og:description" content="${meta.description}">
<meta property="og:url" content="${url}">
${image ? html`<meta property="og:image" content="${image}">\n<meta name="twitter:image" content="${image}">\n` : ''}<meta name="twitter:card" content="${image ? 'summary_large_image' : 'summary'}">
<meta name="twitter:title" content="${meta.title}">
<meta name="twitter:description" content="${meta.description}">
${assets.style ? html`<link rel="stylesheet" href="${assets.style}">\n` : ''}${assets.script ? html`<script type="module" src="${assets.script}"></script>\n` : ''}</head>
<body>
<a class="skip" href="#content">본문으로 건너뛰기</a>
<header class="site">
<a class="brand" href="/">${config.APP_NAME}</a>
<nav aria-label="사이트">
<a href="/">코스 탐색</a>
${viewer
  ? html`<span>${viewer.nickname ?? '러너'}</span>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="${viewer.csrf}"><button type="submit">로그아웃</button></form>`
  : html`<a href="${meta.path === '/' || meta.path === '/login' ? '/login' : `/login?next=${encodeURIComponent(meta.path)}`}">로그인</a>`}
</nav>
</header>
<main id="content">
${content}
</main>
<footer class="site">${config.APP_NAME} · <a href="/docs">API</a></footer>
</body>
</html>
`}`;
}

/** Pages may run our own script and style, show pictures from anywhere (uploads, CDN, tiles) and open our socket. */
export function sendPage(reply: FastifyReply, body: string, status = 200): FastifyReply {
  reply.header(
    'content-security-policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https: http:; connect-src 'self' ws: wss:; " +
      "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  );
  reply.header('cache-control', 'private, no-cache');
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}
