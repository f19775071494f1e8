// /users/<id>: a runner's public profile, read through the same service as GET /api/v1/users/{id}/profile, so what
// others see is what the app shows them: public courses only, totals and ranks without Strava runs (its terms).
import type { FastifyInstance } from 'fastify';
import { getPublicProfile } from '../users/service.js';
import { date, duration, km } from './format.js';
import { html } from './html.js';
import { renderPage, type PageFrame } from './layout.js';
import { NOBODY } from './session.js';

export async function profilePage(app: FastifyInstance, frame: PageFrame, userId: string): Promise<string> {
  const profile = await getPublicProfile(app.deps.db, userId, frame.viewer?.id ?? NOBODY);
  const name = profile.nickname ?? '러너';
  const summary = `Lv.${profile.runner_level} · 누적 ${km(profile.total_distance_meters)} · 달리기 ${profile.total_runs}회${profile.activity_region ? ` · ${profile.activity_region}` : ''}`;

  const content = html`<article class="profile">
<div class="profile-head">
${profile.avatar_url ? html`<img class="avatar" src="${profile.avatar_url}" alt="${name}의 프로필 사진" width="64" height="64">` : ''}
<div>
<h1>${name}</h1>
<p class="muted">${summary}</p>
</div>
</div>
${profile.bio ? html`<p>${profile.bio}</p>` : ''}
<ul class="facts">
<li><strong>Lv.${profile.runner_level}</strong>러너 레벨</li>
<li><strong>${km(profile.total_distance_meters)}</strong>누적 거리</li>
<li><strong>${profile.total_runs}</strong>달리기</li>
<li><strong>${profile.followers_count}</strong>팔로워</li>
<li><strong>${profile.following_count}</strong>팔로잉</li>
<li><strong>${profile.total_likes_received}</strong>받은 좋아요</li>
</ul>

<h2>만든 코스</h2>
${profile.courses.length === 0
  ? html`<p class="muted">공개한 코스가 없습니다.</p>`
  : html`<ul class="cards">
${profile.courses.map((c) => html`<li><a href="/courses/${c.id}">${c.title}</a><br><span class="muted">${km(c.distance_meters)} · 완주 ${c.total_runs} · 좋아요 ${c.like_count}</span></li>\n`)}
</ul>`}

<h2>최고 순위</h2>
${profile.top_rankings.length === 0
  ? html`<p class="muted">아직 순위에 오른 코스가 없습니다.</p>`
  : html`<ul class="cards">
${profile.top_rankings.map((r) => html`<li><a href="/courses/${r.course_id}">${r.course_title}</a><br><span class="muted">${r.rank}위 · ${duration(r.best_duration_seconds)}</span></li>\n`)}
</ul>`}
<p class="muted">가입: ${date(profile.created_at)}</p>
</article>`;

  return renderPage(frame, { title: name, description: summary, path: `/users/${profile.id}`, image: profile.avatar_url }, content);
}
