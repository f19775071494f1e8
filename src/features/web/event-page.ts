// /events/<id>: an event (a group run or a challenge open to every runner), read through the same service as
// GET /api/v1/events/{id}; its course is shown, on the map too, only when the course service lets the viewer see it.
import type { FastifyInstance } from 'fastify';
import * as events from '../events/service.js';
import { timeZoneOf } from '../stats/service.js';
import { km } from './format.js';
import { html } from './html.js';
import { renderPage, type PageFrame } from './layout.js';
import { NOBODY } from './session.js';
import { brief, courseMap, coursePicture, dateTime, visibleCourse } from './social-parts.js';

const STATUS = { upcoming: '예정', ongoing: '진행 중', ended: '종료', cancelled: '취소됨' } as const;
const KIND = { group_run: '그룹런', challenge: '챌린지' } as Record<string, string>;

export async function eventPage(app: FastifyInstance, frame: PageFrame, eventId: string): Promise<string> {
  const { db, config } = app.deps;
  const viewerId = frame.viewer?.id ?? NOBODY;
  const event = await events.get(db, viewerId, eventId);
  const [course, zone] = await Promise.all([
    visibleCourse(db, event.course_id, frame.viewer?.id),
    timeZoneOf(db, viewerId, config.DEFAULT_TIME_ZONE),
  ]);
  const when = `${dateTime(event.starts_at, zone)} – ${dateTime(event.ends_at, zone)}`;
  const kind = KIND[event.event_type] ?? '이벤트';
  const summary = `${kind} · ${STATUS[event.status]} · ${when} · 참가 ${event.participant_count}명${course ? ` · ${course.title}` : ''}`;
  const place = event.center_lat !== null && event.center_lng !== null ? [event.center_lat, event.center_lng] : null;

  const content = html`<article class="event">
<h1>${event.title}</h1>
<p class="muted">${kind} · <span class="status">${STATUS[event.status]}</span></p>
${event.description ? html`<p>${event.description}</p>` : ''}
<ul class="facts">
<li><strong>${when}</strong>일시 (${zone})</li>
<li><strong>${event.participant_count}${event.max_participants ? ` / ${event.max_participants}` : ''}명</strong>참가자</li>
${event.target_distance_meters ? html`<li><strong>${km(event.target_distance_meters)}</strong>목표 거리</li>` : ''}
${event.target_runs ? html`<li><strong>${event.target_runs}회</strong>목표 달리기</li>` : ''}
</ul>
${place
  ? html`<p>모이는 곳: <a href="https://www.openstreetmap.org/?mlat=${place[0]}&amp;mlon=${place[1]}#map=17/${place[0]}/${place[1]}">${place[0]!.toFixed(5)}, ${place[1]!.toFixed(5)}</a></p>`
  : ''}
${course
  ? html`<h2>코스</h2>
<p><a href="/courses/${course.id}">${course.title}</a> · ${km(course.distance_meters)}</p>
${courseMap(frame, 'event-map', course)}`
  : ''}
${event.is_participating ? html`<p class="my-rank">참가 중입니다.</p>` : ''}
<p class="muted">만든 이: ${event.creator ? html`<a href="/users/${event.creator.id}">${event.creator.nickname ?? '러너'}</a>` : '알 수 없음'}</p>
</article>`;

  const description = event.description ? `${summary} · ${brief(event.description, 100)}` : summary;
  return renderPage(frame, { title: event.title, description, path: `/events/${event.id}`, image: course ? coursePicture(frame, course) : null }, content);
}
