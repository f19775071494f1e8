// /crews/<id>: a crew, its members' weekly distance ranking and the courses they run, read through the same
// services as GET /api/v1/crews/{id}, /weekly-ranking and /active-courses: a crew that is not public is a 404 to
// everyone but its members, and Strava runs count in neither list.
import type { FastifyInstance } from 'fastify';
import * as activity from '../crews/activity.js';
import * as crews from '../crews/service.js';
import { duration, km } from './format.js';
import { html } from './html.js';
import { renderPage, type PageFrame } from './layout.js';
import { NOBODY } from './session.js';
import { brief } from './social-parts.js';

export async function crewPage(app: FastifyInstance, frame: PageFrame, crewId: string): Promise<string> {
  const { db, config } = app.deps;
  const viewerId = frame.viewer?.id ?? NOBODY;
  // The crew first: it throws the 404 before the lists (which check the same access) are read.
  const crew = await crews.get(db, viewerId, crewId);
  const [weekly, courses] = await Promise.all([
    activity.weeklyRanking(db, viewerId, crew.id, config.DEFAULT_TIME_ZONE),
    activity.activeCourses(db, viewerId, crew.id),
  ]);
  const joining = crew.requires_approval ? '승인 후 가입' : '바로 가입';
  const summary = [crew.region, `멤버 ${crew.member_count}명`, crew.is_public ? '공개 크루' : '비공개 크루', joining].filter(Boolean).join(' · ');
  const ranked = weekly.data.filter((r) => r.weekly_runs > 0);

  const content = html`<article class="crew">
<div class="profile-head">
${crew.logo_url ? html`<img class="avatar" src="${crew.logo_url}" alt="${crew.name} 로고" width="64" height="64">` : ''}
<div>
<h1>${crew.name}</h1>
<p class="muted">${summary}</p>
</div>
</div>
${crew.description ? html`<p>${crew.description}</p>` : ''}
<ul class="facts">
<li><strong>${crew.member_count} / ${crew.member_limit}</strong>멤버</li>
<li><strong>Lv.${crew.level}</strong>크루 레벨</li>
<li><strong>${crew.is_public ? '공개' : '비공개'}</strong>공개 여부</li>
<li><strong>${joining}</strong>가입 방식</li>
${crew.region ? html`<li><strong>${crew.region}</strong>지역</li>` : ''}
</ul>
${crew.recurring_schedule ? html`<p>정기 모임: ${crew.recurring_schedule}</p>` : ''}
${crew.meeting_point ? html`<p>모이는 곳: ${crew.meeting_point}</p>` : ''}
<p class="muted">크루장: <a href="/users/${crew.owner.id}">${crew.owner.nickname ?? '러너'}</a>${crew.is_member ? ' · 내가 속한 크루' : ''}</p>

<h2 id="weekly">이번 주 순위</h2>
${ranked.length === 0
  ? html`<p class="muted">이번 주에는 아직 달린 멤버가 없습니다.</p>`
  : html`<table aria-labelledby="weekly">
<thead><tr><th scope="col">순위</th><th scope="col">러너</th><th scope="col">거리</th><th scope="col">달리기</th></tr></thead>
<tbody>
${ranked.map((r) => html`<tr${r.user_id === frame.viewer?.id ? html` class="me"` : ''}><td>${r.rank}</td><td><a href="/users/${r.user_id}">${r.nickname ?? '러너'}</a></td><td>${km(r.weekly_distance)}</td><td>${r.weekly_runs}회</td></tr>\n`)}
</tbody>
</table>`}

<h2>크루가 달리는 코스</h2>
${courses.length === 0
  ? html`<p class="muted">최근 30일 동안 멤버가 달린 코스가 없습니다.</p>`
  : html`<ul class="cards">
${courses.map((c) => html`<li><a href="/courses/${c.course_id}">${c.course_title}</a><br><span class="muted">${km(c.distance_meters)} · 멤버 기록 ${c.member_run_count}회${c.best_crew_time_seconds ? ` · 최고 ${duration(c.best_crew_time_seconds)}` : ''}</span></li>\n`)}
</ul>`}
</article>`;

  return renderPage(frame, { title: crew.name, description: crew.description ? brief(crew.description) : summary, path: `/crews/${crew.id}`, image: crew.logo_url ?? crew.cover_image_url }, content);
}
