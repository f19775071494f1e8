// /group-runs/<id>: a planned group run, read through the same service as GET /api/v1/group-runs/{id}: only its
// host and invitees see it (404 to anyone else, anonymous viewers included). Its course appears, on the map too,
// only when the course service lets the viewer see it.
import type { FastifyInstance } from 'fastify';
import * as groupRuns from '../group-runs/service.js';
import { timeZoneOf } from '../stats/service.js';
import { km } from './format.js';
import { html } from './html.js';
import { renderPage, type PageFrame } from './layout.js';
import { NOBODY } from './session.js';
import { courseMap, coursePicture, dateTime, visibleCourse } from './social-parts.js';

const MEMBER = { invited: '초대됨', accepted: '참가', completed: '완주' } as const;
const STATUS = { active: '모집 중', completed: '끝남' } as const;

export async function groupRunPage(app: FastifyInstance, frame: PageFrame, groupRunId: string): Promise<string> {
  const { db, config } = app.deps;
  const viewerId = frame.viewer?.id ?? NOBODY;
  const run = await groupRuns.get(db, viewerId, groupRunId);
  const [course, zone] = await Promise.all([visibleCourse(db, run.course_id, frame.viewer?.id), timeZoneOf(db, viewerId, config.DEFAULT_TIME_ZONE)]);
  const when = run.scheduled_at ? dateTime(run.scheduled_at, zone) : null;
  const summary = `그룹런 · ${STATUS[run.status]} · ${when ?? '일정 미정'} · ${run.member_count}명${course ? ` · ${course.title}` : ''}`;

  const content = html`<article class="group-run">
<h1>${run.name}</h1>
<p class="muted">그룹런 · ${STATUS[run.status]}${run.my_status ? ` · 나: ${MEMBER[run.my_status]}` : ''}</p>
<ul class="facts">
<li><strong>${when ?? '미정'}</strong>일시${when ? ` (${zone})` : ''}</li>
<li><strong>${run.member_count}명</strong>참가자 (초대 포함)</li>
${course ? html`<li><strong>${km(course.distance_meters)}</strong>거리</li>` : ''}
</ul>

<h2 id="members">참가자</h2>
<ul class="members" aria-labelledby="members">
${run.members.map((m) => html`<li><a href="/users/${m.user_id}">${m.nickname ?? '러너'}</a> <span class="muted">${m.user_id === run.creator_id ? '호스트 · ' : ''}${MEMBER[m.status]}</span></li>\n`)}
</ul>

<h2>코스</h2>
${course
  ? html`<p><a href="/courses/${course.id}">${course.title}</a> · ${km(course.distance_meters)}</p>
${courseMap(frame, 'group-run-map', course)}`
  : html`<p class="muted">코스를 볼 수 없습니다.</p>`}
</article>`;

  return renderPage(frame, { title: run.name, description: summary, path: `/group-runs/${run.id}`, image: course ? coursePicture(frame, course) : null }, content);
}
