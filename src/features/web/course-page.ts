// /courses/<id>: the page a course's share_url opens. Map, elevation, picture, the top ten with the viewer's own
// rank when logged in, and the newest reviews, read through the same services (and visibility checks) as the API:
// a private course is 404 to everyone but its owner.
import type { FastifyInstance } from 'fastify';
import { getCourse, getCourseStats } from '../courses/service.js';
import { rankings } from '../rankings/service.js';
import type { RankingsPage } from '../rankings/schemas.js';
import * as reviews from '../reviews/service.js';
import { duration, km, pace, date } from './format.js';
import { html, jsonBlock, type Html } from './html.js';
import type { PageFrame } from './layout.js';
import { renderPage } from './layout.js';
import { NOBODY } from './session.js';
import { mapSetup } from './map-setup.js';

const TOP = 10;
const REVIEWS = 10;

function elevationChart(profile: number[]): Html | null {
  if (profile.length < 2) return null;
  const low = Math.min(...profile);
  const span = Math.max(1, Math.max(...profile) - low);
  const points = profile.map((v, i) => `${((i / (profile.length - 1)) * 100).toFixed(2)},${(40 - ((v - low) / span) * 36).toFixed(2)}`);
  return html`<figure>
<svg class="elevation" viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label="고도 ${Math.round(low)} m에서 ${Math.round(low + span)} m"><path d="M0,40 L${points.join(' L')} L100,40 Z"></path></svg>
<figcaption class="muted">고도 프로필 · 최저 ${Math.round(low)} m · 최고 ${Math.round(low + span)} m</figcaption>
</figure>`;
}

export async function coursePage(app: FastifyInstance, frame: PageFrame, courseId: string): Promise<string> {
  const { db } = app.deps;
  const viewerId = frame.viewer?.id;
  const course = await getCourse(db, courseId, viewerId);
  const [stats, board, reviewList] = await Promise.all([
    getCourseStats(db, courseId, viewerId),
    rankings(db, courseId, viewerId ?? NOBODY, { page: 0, per_page: TOP }) as Promise<RankingsPage>,
    reviews.list(db, courseId, viewerId ?? NOBODY, { page: 0, per_page: REVIEWS }),
  ]);
  const picture = `${frame.config.publicBaseUrl}/api/v1/courses/${course.id}/thumbnail`;
  const line = course.route_geometry.coordinates.map(([lng, lat]) => [lat!, lng!] as [number, number]);
  const summary = `${km(course.distance_meters)} · 고도 상승 ${course.elevation_gain_meters} m${course.creator.nickname ? ` · ${course.creator.nickname}` : ''}`;
  const mine = board.my_ranking;
  const mineShown = mine && board.data.some((e) => e.user.id === viewerId);

  const content = html`<article>
<h1>${course.title}</h1>
<p class="muted">${summary}${course.is_public ? '' : ' · 비공개 코스'}</p>
${course.description ? html`<p>${course.description}</p>` : ''}
<ul class="facts">
<li><strong>${km(course.distance_meters)}</strong>거리</li>
<li><strong>${stats.total_runs}</strong>완주 기록</li>
<li><strong>${stats.unique_runners}</strong>러너</li>
<li><strong>${stats.best_duration_seconds ? duration(stats.best_duration_seconds) : '–'}</strong>최고 기록</li>
<li><strong>${reviewList.avg_rating ?? '–'}</strong>평점 (${reviewList.total_count})</li>
</ul>
<div class="map" id="course-map" data-island="map" data-setup="course-map-setup" role="region" aria-label="${course.title} 코스 지도"></div>
${jsonBlock('course-map-setup', mapSetup(frame.config, { lines: [{ coords: line, title: course.title }] }))}
${elevationChart(course.elevation_profile)}
${course.thumbnail_url ? html`<img class="thumb" src="${course.thumbnail_url}" alt="${course.title} 코스 미리보기" width="600" height="400" loading="lazy">` : ''}

<h2 id="leaderboard">순위</h2>
${mine
  ? html`<p class="my-rank">내 순위: <strong>${mine.rank}위</strong> / ${board.total_runners}명 · ${duration(mine.best_duration_seconds)} · ${pace(mine.best_pace_seconds_per_km)}</p>`
  : frame.viewer
    ? html`<p class="my-rank muted">아직 이 코스 기록이 없습니다.</p>`
    : html`<p class="muted"><a href="/login?next=${encodeURIComponent(`/courses/${course.id}`)}">로그인</a>하면 내 순위를 볼 수 있습니다.</p>`}
${board.data.length === 0
  ? html`<p class="muted">아직 기록이 없습니다. 첫 번째 러너가 되어 보세요.</p>`
  : html`<table aria-labelledby="leaderboard">
<thead><tr><th scope="col">순위</th><th scope="col">러너</th><th scope="col">기록</th><th scope="col">페이스</th></tr></thead>
<tbody>
${board.data.map((e) => html`<tr${e.user.id === viewerId ? html` class="me"` : ''}><td>${e.rank}</td><td><a href="/users/${e.user.id}">${e.user.nickname ?? '러너'}</a></td><td>${duration(e.best_duration_seconds)}</td><td>${pace(e.best_pace_seconds_per_km)}</td></tr>\n`)}
</tbody>
</table>`}
${mine && !mineShown ? html`<p class="muted">내 기록은 ${mine.rank}위입니다.</p>` : ''}

<h2>리뷰</h2>
${reviewList.data.length === 0
  ? html`<p class="muted">아직 리뷰가 없습니다.</p>`
  : reviewList.data.map((r) => html`<div class="review"><p><strong>${r.author.nickname ?? '러너'}</strong>${r.rating ? html` · ${'★'.repeat(r.rating)}` : ''} <span class="muted">${date(r.created_at)}</span></p>${r.content ? html`<p>${r.content}</p>` : ''}${r.creator_reply ? html`<p class="muted">만든 이의 답글: ${r.creator_reply}</p>` : ''}</div>\n`)}
<p class="muted">만든 이: ${course.creator.nickname ? html`<a href="/users/${course.creator.id}">${course.creator.nickname}</a>` : '러너'} · ${date(course.created_at)}</p>
</article>`;

  return renderPage(frame, { title: course.title, description: summary, path: `/courses/${course.id}`, image: course.thumbnail_url ?? picture }, content);
}
