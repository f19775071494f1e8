// The home page `/`: the course explorer. A nearby search that works without JavaScript (a GET form to
// /?lat=..&lng=..), the map the explore island fills from the public API as it moves, and the newest or most run
// public courses. Everything listed comes from the courses services the API uses, which return public courses only.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { listCourses, nearbyCourses } from '../courses/service.js';
import type { CourseListItem, NearbyCourse } from '../courses/schemas.js';
import { km } from './format.js';
import { html, jsonBlock, type Html } from './html.js';
import { renderPage, type PageFrame } from './layout.js';
import { mapSetup } from './map-setup.js';

// Strings, read here: a mistyped coordinate gets the form back with a message, not the 404 a schema failure gives.
export const ExploreQuery = Type.Object({
  lat: Type.Optional(Type.String({ maxLength: 40 })),
  lng: Type.Optional(Type.String({ maxLength: 40 })),
  radius: Type.Optional(Type.String({ maxLength: 10 })),
  sort: Type.Optional(Type.String({ maxLength: 10 })),
});
export type ExploreQuery = Static<typeof ExploreQuery>;

/** Search radii offered, in metres (GET /courses/nearby allows up to 50 km). */
const RADII = [1000, 3000, 5000, 10_000, 20_000];
const DEFAULT_RADIUS = 5000;
const NEARBY_LIMIT = 10;
const LISTED = 12;
/** Where the map opens when nothing says otherwise: Seoul City Hall. */
const SEOUL: [number, number] = [37.5665, 126.978];

function coordinate(text: string | undefined, limit: number): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && Math.abs(value) <= limit ? value : undefined;
}

interface Search {
  lat: number;
  lng: number;
  radius: number;
}

/** The search the query asks for, an error message when it asks for one that cannot be made, or neither. */
function searchOf(query: ExploreQuery): { search?: Search; error?: string } {
  if (!query.lat && !query.lng) return {};
  const lat = coordinate(query.lat, 90);
  const lng = coordinate(query.lng, 180);
  if (lat === undefined || lng === undefined) return { error: '위도(-90~90)와 경도(-180~180)를 숫자로 입력해 주세요.' };
  const radius = RADII.find((r) => String(r) === query.radius) ?? DEFAULT_RADIUS;
  return { search: { lat, lng, radius } };
}

const runs = (count: number) => `완주 ${count}회`;

function courseCard(c: { id: string; title: string; distance_meters: number }, details: string[]): Html {
  return html`<li><a href="/courses/${c.id}">${c.title}</a><br><span class="muted">${[km(c.distance_meters), ...details].join(' · ')}</span></li>\n`;
}

function nearbyList(search: Search, found: NearbyCourse[]): Html {
  if (found.length === 0) return html`<p>반경 ${km(search.radius)} 안에서 시작하는 공개 코스가 없습니다.</p>`;
  return html`<p>가까운 코스 ${found.length}개</p>
<ul class="cards">
${found.map((c) => courseCard(c, [`${km(c.distance_from_user_meters)} 거리`, runs(c.total_runs), ...(c.creator_nickname ? [c.creator_nickname] : [])]))}
</ul>`;
}

function listed(c: CourseListItem): Html {
  return courseCard(c, [runs(c.stats.total_runs), ...(c.creator.nickname ? [c.creator.nickname] : [])]);
}

export async function explorePage(app: FastifyInstance, frame: PageFrame, query: ExploreQuery): Promise<string> {
  const { db } = app.deps;
  const { search, error } = searchOf(query);
  const popular = query.sort === 'popular';
  const [found, catalogue] = await Promise.all([
    search ? nearbyCourses(db, { ...search, limit: NEARBY_LIMIT }) : undefined,
    listCourses(db, { order_by: popular ? 'total_runs' : 'created_at', order: 'desc', page: 0, per_page: LISTED, near_radius: 10_000 }),
  ]);

  // The map opens on the search, else on the newest listed course's start, else on Seoul.
  const start = catalogue.data[0]?.route_preview?.[0];
  const center: [number, number] = search ? [search.lat, search.lng] : start ? [start[1]!, start[0]!] : SEOUL;
  const setup = { ...mapSetup(frame.config, { center, zoom: search ? 14 : start ? 13 : 12 }), api: '/api/v1', search: search ?? null };
  const keep = search ? `&lat=${search.lat}&lng=${search.lng}&radius=${search.radius}` : '';

  const content = html`<h1>러닝 코스 탐색</h1>
<p class="muted">다른 러너들이 만든 공개 코스를 지도에서 찾아보세요. 지도를 움직이면 그 지역의 코스가 보이고, 히트맵으로 사람들이 많이 달리는 길을 볼 수 있습니다.</p>

<section aria-labelledby="nearby-heading">
<h2 id="nearby-heading">내 주변 코스</h2>
<form class="nearby" id="nearby-form" method="get" action="/">
<span class="field"><label for="nearby-lat">위도</label><input id="nearby-lat" name="lat" inputmode="decimal" autocomplete="off" placeholder="37.5665" value="${query.lat ?? ''}"></span>
<span class="field"><label for="nearby-lng">경도</label><input id="nearby-lng" name="lng" inputmode="decimal" autocomplete="off" placeholder="126.9780" value="${query.lng ?? ''}"></span>
<span class="field"><label for="nearby-radius">반경</label><select id="nearby-radius" name="radius">
${RADII.map((r) => html`<option value="${r}"${r === (search?.radius ?? DEFAULT_RADIUS) ? html` selected` : ''}>${r / 1000} km</option>`)}
</select></span>
<button type="submit" class="primary">검색</button>
<button type="button" id="nearby-locate" hidden>내 위치</button>
</form>
<div id="nearby-results" aria-live="polite">
${error ? html`<p class="error" role="alert">${error}</p>` : ''}${search && found ? nearbyList(search, found) : ''}
</div>
</section>

<section aria-labelledby="map-heading">
<h2 id="map-heading">지도에서 찾기</h2>
<div class="map-tools" id="map-tools" hidden>
<label><input type="checkbox" id="heatmap-toggle"> 러닝 히트맵 보기</label>
<span id="map-status" class="muted" aria-live="polite"></span>
</div>
<div class="map tall" id="explore-map" data-island="explore" data-setup="explore-setup" role="region" aria-label="코스 지도: 선이나 점을 누르면 코스 페이지로 갑니다"></div>
${jsonBlock('explore-setup', setup)}
<ul class="cards" id="map-courses" aria-label="지도 영역의 코스"></ul>
</section>

<section aria-labelledby="list-heading">
<h2 id="list-heading">${popular ? '많이 달린 코스' : '새로 등록된 코스'}</h2>
<p class="sort">${popular ? html`<a href="/?sort=new${keep}">최신순</a> · <strong>인기순</strong>` : html`<strong>최신순</strong> · <a href="/?sort=popular${keep}">인기순</a>`}</p>
${catalogue.data.length === 0
  ? html`<p class="muted">아직 공개된 코스가 없습니다.</p>`
  : html`<ul class="cards">
${catalogue.data.map(listed)}
</ul>`}
</section>`;

  return renderPage(
    frame,
    {
      title: '러닝 코스 탐색',
      description: '내 주변 러닝 코스와 사람들이 많이 달리는 길을 지도에서 찾아보세요. 코스마다 순위와 리뷰가 있습니다.',
      path: '/',
    },
    content,
  );
}
