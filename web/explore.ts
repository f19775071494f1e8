// The explorer island of the home page: as the map settles after a move or zoom it asks the public API for the
// courses starting in view (lines where a route preview is known, start dots otherwise, each opening its page) and,
// when the checkbox is on, for the heatmap cells. The nearby form searches in place and recentres the map.
// Requests wait for the map to rest, and a newer one aborts the one before (its answer would be stale).
import L from 'leaflet';
import { asText, createMap, LINE_COLOUR, type MapSetup } from './map.js';

export interface ExploreSetup extends MapSetup {
  /** The public API's base path, e.g. /api/v1. */
  api: string;
  /** The search the page was rendered with (?lat=..&lng=..), if any. */
  search: { lat: number; lng: number; radius: number } | null;
}

interface Marker {
  id: string;
  title: string;
  start_lat: number;
  start_lng: number;
  distance_meters: number;
  total_runs: number;
  creator_nickname: string | null;
}
interface Listed {
  id: string;
  route_preview: number[][] | null;
}
interface Nearby {
  id: string;
  title: string;
  distance_meters: number;
  total_runs: number;
  creator_nickname: string | null;
  distance_from_user_meters: number;
}
interface Cell {
  lat: number;
  lng: number;
  weight: number;
}

const REST_MS = 250;
/** The widest boxes GET /courses/bounds and GET /heatmap answer, in degrees. */
const BOUNDS_SPAN = 45;
const HEAT_SPAN = 1;
/** GET /courses answers previews for at most this radius (near_radius) and this many courses a page. */
const PREVIEW_RADIUS = 100_000;
const PREVIEW_PAGE = 100;
const SEARCH_COLOUR = '#0969da';
/** Courses in view also listed as links under the map (a city holds hundreds). */
const LISTED = 24;
/** The heatmap's finest grid, in degrees: the size of a cell with no neighbour to measure by. */
const FINEST_CELL = 0.001;

const km = (meters: number) => `${(meters / 1000).toFixed(1)} km`;
const wrapLng = (lng: number) => ((((lng + 180) % 360) + 360) % 360) - 180;
const fixed = (v: number) => v.toFixed(6);

/** Runs `work` with a fresh signal, aborting the previous run; undefined when this run was itself overtaken. */
function latestOnly<A extends unknown[], T>(work: (signal: AbortSignal, ...args: A) => Promise<T>) {
  let current: AbortController | undefined;
  const run = async (...args: A): Promise<T | undefined> => {
    current?.abort();
    const controller = (current = new AbortController());
    try {
      const result = await work(controller.signal, ...args);
      return controller.signal.aborted ? undefined : result;
    } catch (err) {
      if (controller.signal.aborted) return undefined;
      throw err;
    }
  };
  return Object.assign(run, { abort: () => current?.abort() });
}

async function getJson<T>(url: string, signal: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal, headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as T;
}

/** Light yellow for a few runs to deep purple for the most (unlike the orange course lines). */
function heatColour(fraction: number): string {
  const mix = (from: number, to: number) => Math.round(from + (to - from) * fraction);
  return `rgb(${mix(255, 134)}, ${mix(212, 46)}, ${mix(59, 156)})`;
}

/** The grid's cell size in degrees (the server picks it by the box's span): the gap between the closest two centres. */
function cellSize(cells: Cell[]): number {
  let step = Infinity;
  for (const key of ['lat', 'lng'] as const) {
    const values = [...new Set(cells.map((c) => c[key]))].sort((a, b) => a - b);
    for (let i = 1; i < values.length; i++) step = Math.min(step, values[i]! - values[i - 1]!);
  }
  return Number.isFinite(step) ? step : FINEST_CELL;
}

function card(href: string, title: string, details: string[]): HTMLLIElement {
  const item = document.createElement('li');
  const link = document.createElement('a');
  link.href = href;
  link.textContent = title;
  const info = document.createElement('span');
  info.className = 'muted';
  info.textContent = details.join(' · ');
  item.append(link, document.createElement('br'), info);
  return item;
}

const detailsOf = (c: { distance_meters: number; total_runs: number; creator_nickname: string | null }, extra: string[] = []) => [
  km(c.distance_meters),
  ...extra,
  `완주 ${c.total_runs}회`,
  ...(c.creator_nickname ? [c.creator_nickname] : []),
];

export function startExplore(element: HTMLElement, setup: ExploreSetup): void {
  const map = createMap(element, { ...setup, lines: [] });
  const api = setup.api;
  const tools = document.getElementById('map-tools');
  const status = document.getElementById('map-status');
  const toggle = document.getElementById('heatmap-toggle') as HTMLInputElement | null;
  const mapList = document.getElementById('map-courses');
  if (tools) tools.hidden = false;
  const say = (text: string) => {
    if (status) status.textContent = text;
  };

  // Heat cells get a canvas of their own below the courses, so they never hide a line.
  map.createPane('heat').style.zIndex = '350';
  const heatRenderer = L.canvas({ pane: 'heat' });
  const heat = L.layerGroup();
  const courses = L.layerGroup().addTo(map);
  const here = L.layerGroup().addTo(map);
  /** Route previews ([lat, lng]) by course id, kept while the page lives: a course's route does not move. */
  const previews = new Map<string, [number, number][]>();

  /** Says a layer is drawn once Leaflet has painted it (its canvas redraws on the next frame). */
  const drawn = (key: string, count: number) => requestAnimationFrame(() => (element.dataset[key] = String(count)));

  function view() {
    const b = map.getBounds();
    const south = Math.max(-90, b.getSouth());
    const north = Math.min(90, b.getNorth());
    const lngSpan = b.getEast() - b.getWest();
    return { south, north, west: wrapLng(b.getWest()), east: wrapLng(b.getEast()), latSpan: north - south, lngSpan };
  }

  const fetchCourses = latestOnly(async (signal) => {
    const v = view();
    if (v.latSpan > BOUNDS_SPAN || v.lngSpan > BOUNDS_SPAN) return null;
    const box = `sw_lat=${fixed(v.south)}&sw_lng=${fixed(v.west)}&ne_lat=${fixed(v.north)}&ne_lng=${fixed(v.east)}`;
    const centre = map.getCenter();
    const radius = Math.ceil(centre.distanceTo(map.getBounds().getNorthEast()));
    const [markers, listed] = await Promise.all([
      getJson<Marker[]>(`${api}/courses/bounds?${box}&limit=500`, signal),
      // Markers carry no route: the lines come from the catalogue's previews of courses starting around the centre.
      radius <= PREVIEW_RADIUS
        ? getJson<{ data: Listed[] }>(
            `${api}/courses?near_lat=${fixed(centre.lat)}&near_lng=${fixed(wrapLng(centre.lng))}&near_radius=${Math.max(100, radius)}` +
              `&order_by=distance_from_user&order=asc&per_page=${PREVIEW_PAGE}`,
            signal,
          )
        : undefined,
    ]);
    for (const c of listed?.data ?? []) {
      if (c.route_preview && c.route_preview.length > 1) previews.set(c.id, c.route_preview.map(([lng, lat]) => [lat!, lng!]));
    }
    return markers;
  });

  async function loadCourses() {
    const markers = await fetchCourses().catch(() => (say('코스를 불러오지 못했습니다.'), undefined));
    if (markers === undefined) return;
    courses.clearLayers();
    mapList?.replaceChildren();
    if (markers === null) {
      say('지도를 확대하면 코스가 보입니다.');
      drawn('courses', 0);
      return;
    }
    for (const [i, m] of markers.entries()) {
      const href = `/courses/${m.id}`;
      const line = previews.get(m.id);
      const shape = line
        ? L.polyline(line, { color: LINE_COLOUR, weight: 4, opacity: 0.9 })
        : L.circleMarker([m.start_lat, m.start_lng], { radius: 7, color: LINE_COLOUR, weight: 2, fillColor: LINE_COLOUR, fillOpacity: 0.8 });
      shape.bindTooltip(asText(m.title)).on('click', () => window.location.assign(href)).addTo(courses);
      // The same courses as real links, for keyboards and screen readers (canvas shapes are neither).
      if (i < LISTED) mapList?.append(card(href, m.title, detailsOf(m)));
    }
    const more = markers.length > LISTED ? ` (목록에는 ${LISTED}개, 지도를 확대하면 나머지도 보입니다)` : '';
    say(markers.length ? `지도 영역에 코스 ${markers.length}개${more}` : '지도 영역에 공개 코스가 없습니다.');
    drawn('courses', markers.length);
  }

  const fetchHeat = latestOnly(async (signal) => {
    const v = view();
    if (v.latSpan > HEAT_SPAN || v.lngSpan > HEAT_SPAN || v.west >= v.east) return null;
    return getJson<Cell[]>(`${api}/heatmap?sw_lat=${fixed(v.south)}&sw_lng=${fixed(v.west)}&ne_lat=${fixed(v.north)}&ne_lng=${fixed(v.east)}&limit=3000`, signal);
  });

  async function loadHeat() {
    if (!toggle?.checked) return;
    const cells = await fetchHeat().catch(() => (say('히트맵을 불러오지 못했습니다.'), undefined));
    if (cells === undefined || !toggle.checked) return;
    heat.clearLayers();
    if (cells === null) {
      say('히트맵은 지도를 더 확대하면 보입니다.');
      drawn('heatCells', 0);
      return;
    }
    const most = cells.reduce((max, c) => Math.max(max, c.weight), 1);
    const half = cellSize(cells) / 2;
    for (const c of cells) {
      const fraction = Math.sqrt(c.weight / most);
      L.rectangle([[c.lat - half, c.lng - half], [c.lat + half, c.lng + half]], {
        renderer: heatRenderer,
        stroke: false,
        fillColor: heatColour(fraction),
        fillOpacity: 0.35 + 0.5 * fraction,
        interactive: false,
      }).addTo(heat);
    }
    drawn('heatCells', cells.length);
  }

  function heatShown() {
    if (toggle?.checked) {
      heat.addTo(map);
      void loadHeat();
    } else {
      fetchHeat.abort();
      heat.remove();
      heat.clearLayers();
      delete element.dataset.heatCells;
    }
  }
  toggle?.addEventListener('change', heatShown);

  let resting: number | undefined;
  map.on('moveend', () => {
    window.clearTimeout(resting);
    resting = window.setTimeout(() => {
      void loadCourses();
      void loadHeat();
    }, REST_MS);
  });
  void loadCourses();
  // Going back to the page, the browser may restore the box ticked.
  if (toggle?.checked) heatShown();

  startNearby(map, api, here, setup.search);
}

/** The nearby form in place: results from GET /courses/nearby, the map recentred on the point searched. */
function startNearby(map: L.Map, api: string, here: L.LayerGroup, initial: ExploreSetup['search']) {
  const form = document.getElementById('nearby-form') as HTMLFormElement | null;
  const results = document.getElementById('nearby-results');
  const locate = document.getElementById('nearby-locate') as HTMLButtonElement | null;
  if (!form || !results) return;
  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
  const mark = (lat: number, lng: number) => {
    here.clearLayers();
    L.circleMarker([lat, lng], { radius: 6, color: SEARCH_COLOUR, weight: 3, fillColor: '#fff', fillOpacity: 1, interactive: false }).addTo(here);
  };
  if (initial) mark(initial.lat, initial.lng);

  const fetchNearby = latestOnly((signal, lat: number, lng: number, radius: string) =>
    getJson<Nearby[]>(`${api}/courses/nearby?lat=${lat}&lng=${lng}&radius=${radius}&limit=10`, signal),
  );

  form.addEventListener('submit', async (event) => {
    const lat = Number(field('lat').value);
    const lng = Number(field('lng').value);
    const radius = field('radius').value;
    // Anything odd goes to the server as the form would without JavaScript: it answers with the message.
    if (!field('lat').value.trim() || !field('lng').value.trim() || !(Math.abs(lat) <= 90) || !(Math.abs(lng) <= 180)) return;
    event.preventDefault();
    results.textContent = '찾는 중…';
    const found = await fetchNearby(lat, lng, radius).catch(() => null);
    if (found === undefined) return;
    results.replaceChildren();
    const summary = document.createElement('p');
    if (found === null) summary.textContent = '코스를 찾지 못했습니다. 잠시 후 다시 시도해 주세요.';
    else summary.textContent = found.length ? `가까운 코스 ${found.length}개` : `반경 ${km(Number(radius))} 안에서 시작하는 공개 코스가 없습니다.`;
    results.append(summary);
    if (found?.length) {
      const list = document.createElement('ul');
      list.className = 'cards';
      list.append(...found.map((c) => card(`/courses/${c.id}`, c.title, detailsOf(c, [`${km(c.distance_from_user_meters)} 거리`]))));
      results.append(list);
    }
    mark(lat, lng);
    map.setView([lat, lng], 14);
    // The address says what is shown, so a reload or a shared link gives the same search.
    history.replaceState(null, '', `/?${new URLSearchParams({ lat: String(lat), lng: String(lng), radius })}`);
  });

  if (!locate || !('geolocation' in navigator)) return;
  locate.hidden = false;
  locate.addEventListener('click', () => {
    results.textContent = '위치를 확인하는 중…';
    navigator.geolocation.getCurrentPosition(
      (position) => {
        field('lat').value = position.coords.latitude.toFixed(5);
        field('lng').value = position.coords.longitude.toFixed(5);
        form.requestSubmit();
      },
      () => (results.textContent = '위치를 가져올 수 없습니다. 브라우저의 위치 권한을 확인하거나 직접 입력해 주세요.'),
      { enableHighAccuracy: false, timeout: 10_000, maximumAge: 60_000 },
    );
  });
}
