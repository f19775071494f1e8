// /live/<id>: a live group run as a spectator sees it. The title, status, standings and the map with the runners'
// last positions are rendered here, read through the API's own `detail` (its visibility rule: a run on a course
// the viewer can see; the API wants a signed-in user, so the page does too); the live island (web/live.ts) then
// follows the run over the read-only socket of live-watch.ts.
import type { FastifyInstance } from 'fastify';
import { getCourse } from '../courses/service.js';
import { detail } from '../live-group-runs/service.js';
import type { Participant, RunStatus } from '../live-group-runs/schemas.js';
import { duration } from './format.js';
import { html, jsonBlock, type Html } from './html.js';
import { renderPage, type PageFrame } from './layout.js';
import { mapSetup } from './map-setup.js';

/** What the page and its island call each state of a run (the island is given them). */
export const STATUS_LABELS: Record<RunStatus, string> = { waiting: '출발 대기 중', running: '달리는 중', completed: '종료' };

/** Metres below a kilometre (a live run moves by tens of metres), then km with two decimals; as web/live.ts does. */
export const liveDistance = (m: number): string => (m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(2)} km`);

const livePath = (runId: string) => `/live/${runId}`;

function standingItem(p: Participant): Html {
  return html`<li data-user-id="${p.user_id}" data-distance-m="${p.current_distance_m}"><span class="name">${p.nickname || '러너'}</span> <span class="distance">${liveDistance(p.current_distance_m)}</span> <span class="muted">${STATUS_LABELS[p.status]} · ${duration(p.current_duration_s)}</span></li>\n`;
}

export async function livePage(app: FastifyInstance, frame: PageFrame, viewerId: string, runId: string): Promise<string> {
  const { db, config } = app.deps;
  const run = await detail(db, viewerId, runId);
  const course = await getCourse(db, run.course_id, viewerId);
  const line = course.route_geometry.coordinates.map(([lng, lat]) => [lat!, lng!] as [number, number]);
  const summary = `${run.course_name} · ${STATUS_LABELS[run.status]} · 참가자 ${run.participants.length}/${run.max_participants}명`;
  const setup = {
    map: mapSetup(config, { lines: [{ coords: line, title: run.course_name, href: `/courses/${run.course_id}` }] }),
    socket: `${livePath(run.id)}/watch`,
    status: run.status,
    labels: STATUS_LABELS,
    participants: run.participants,
  };

  const content = html`<article class="live">
<h1>${run.title}</h1>
<p class="muted"><a href="/courses/${run.course_id}">${run.course_name}</a> · 호스트 ${run.host_nickname || '러너'} · 최대 ${run.max_participants}명</p>
<p>상태: <strong id="live-status">${STATUS_LABELS[run.status]}</strong></p>
<p id="live-connection" class="connection muted" role="status" aria-live="polite" data-state="offline">실시간 위치는 JavaScript가 켜져 있을 때 보입니다.</p>
<div class="map tall" id="live-map" data-island="live" data-setup="live-setup" role="region" aria-label="${run.title}: 코스와 참가자 위치 지도"></div>
${jsonBlock('live-setup', setup)}
<h2 id="live-standings">참가자 순위</h2>
<ol id="live-participants" class="standings" aria-labelledby="live-standings">
${run.participants.map(standingItem)}</ol>
</article>`;

  return renderPage(
    frame,
    { title: run.title, description: summary, path: livePath(run.id), image: course.thumbnail_url ?? `${config.publicBaseUrl}/api/v1/courses/${run.course_id}/thumbnail` },
    content,
  );
}

/** What a visitor who is not logged in gets for any /live/<id>: nothing about the run (the API shows it to users only). */
export function liveLoginPage(frame: PageFrame, runId: string): string {
  const next = encodeURIComponent(livePath(runId));
  const content = html`<h1>라이브 러닝 관전</h1>
<p><a href="/login?next=${next}">로그인</a>하면 이 라이브 러닝을 실시간으로 볼 수 있습니다.</p>`;
  return renderPage(frame, { title: '라이브 러닝 관전', description: '로그인하면 라이브 러닝을 실시간으로 볼 수 있습니다.', path: livePath(runId) }, content);
}
