// The live page's island: the map with one marker per runner, and the standings, kept current by the run's
// read-only socket (/live/<id>/watch). The socket sends the whole standings each time (`participants`), so the
// page only ever draws the latest one. A closed socket is reopened after 1, 2, 4 … 30 s; the connection's state is
// read out through an aria-live region.
import L from 'leaflet';
import { createMap, type MapSetup } from './map.js';

type Status = 'waiting' | 'running' | 'completed';

interface Participant {
  user_id: string;
  nickname: string;
  status: Status;
  current_distance_m: number;
  current_duration_s: number;
  last_lat: number | null;
  last_lng: number | null;
}

export interface LiveSetup {
  map: MapSetup;
  /** Path of the socket, e.g. /live/<id>/watch. */
  socket: string;
  status: Status;
  labels: Record<Status, string>;
  participants: Participant[];
}

type ServerMessage = { type: 'participants'; status: Status; data: Participant[] } | { type: 'started' } | { type: string };

const MAX_BACKOFF_MS = 30_000;

// As the page renders them (src/features/web/live-page.ts, format.ts).
const distance = (m: number): string => (m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(2)} km`);
function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const mm = String(Math.floor((seconds % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(seconds % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
const nameOf = (p: Participant) => p.nickname || '러너';

function span(className: string, text: string): HTMLSpanElement {
  const element = document.createElement('span');
  element.className = className;
  element.textContent = text;
  return element;
}

export function startLive(element: HTMLElement, setup: LiveSetup): void {
  const map = createMap(element, setup.map);
  const list = document.getElementById('live-participants');
  const statusText = document.getElementById('live-status');
  const connection = document.getElementById('live-connection');
  const markers = new Map<string, L.Marker>();
  const course = L.latLngBounds((setup.map.lines ?? []).flatMap((line) => line.coords));

  const showConnection = (state: 'connecting' | 'open' | 'closed' | 'ended', text: string) => {
    if (!connection) return;
    connection.dataset.state = state;
    connection.textContent = text;
  };

  const showStatus = (status: Status) => {
    if (statusText) statusText.textContent = setup.labels[status];
  };

  const placeMarkers = (participants: Participant[]) => {
    const seen = new Set<string>();
    for (const p of participants) {
      if (p.last_lat === null || p.last_lng === null) continue;
      seen.add(p.user_id);
      const at = L.latLng(p.last_lat, p.last_lng);
      let marker = markers.get(p.user_id);
      if (!marker) {
        const icon = document.createElement('div');
        icon.append(span('dot', ''), span('label', nameOf(p)));
        marker = L.marker(at, {
          icon: L.divIcon({ className: 'runner-marker', html: icon, iconSize: [14, 14], iconAnchor: [7, 7] }),
          interactive: false,
          keyboard: false,
        }).addTo(map);
        markers.set(p.user_id, marker);
      } else marker.setLatLng(at);
      // The marker says where it is, for whoever reads the page's state (tests, assistive tooling).
      const shown = marker.getElement();
      if (shown) Object.assign(shown.dataset, { userId: p.user_id, lat: String(p.last_lat), lng: String(p.last_lng) });
    }
    for (const [id, marker] of markers) {
      if (!seen.has(id)) {
        marker.remove();
        markers.delete(id);
      }
    }
    // Keep everyone in sight: when a runner leaves the view, fit the course and all the runners again.
    const runners = [...markers.values()].map((m) => m.getLatLng());
    if (runners.some((at) => !map.getBounds().contains(at))) {
      const all = L.latLngBounds(runners);
      if (course.isValid()) all.extend(course);
      map.fitBounds(all, { padding: [24, 24], maxZoom: 17 });
    }
  };

  const renderList = (participants: Participant[]) => {
    if (!list) return;
    list.replaceChildren(
      ...participants.map((p) => {
        const item = document.createElement('li');
        item.dataset.userId = p.user_id;
        item.dataset.distanceM = String(p.current_distance_m);
        item.append(span('name', nameOf(p)), ' ', span('distance', distance(p.current_distance_m)), ' ',
          span('muted', `${setup.labels[p.status]} · ${clock(p.current_duration_s)}`));
        return item;
      }),
    );
  };

  placeMarkers(setup.participants);

  let failures = 0;
  let ended = false;
  const open = () => {
    showConnection('connecting', '실시간 연결 중…');
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${setup.socket}`;
    const socket = new WebSocket(url);
    socket.addEventListener('open', () => showConnection('open', '실시간으로 보는 중'));
    socket.addEventListener('message', (event) => {
      // Only a socket that delivers counts as healthy: one closed right after opening keeps backing off.
      failures = 0;
      const message = JSON.parse(String(event.data)) as ServerMessage;
      if (message.type === 'started') showStatus('running');
      if (message.type !== 'participants' || !('data' in message)) return;
      showStatus(message.status);
      renderList(message.data);
      placeMarkers(message.data);
      if (message.status === 'completed') {
        // Nothing changes after the end: no socket kept open, none reopened.
        ended = true;
        socket.close();
        showConnection('ended', '라이브 러닝이 끝났습니다');
      }
    });
    socket.addEventListener('close', () => {
      if (ended) return;
      const wait = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures++);
      showConnection('closed', `연결이 끊겼습니다. ${Math.round(wait / 1000)}초 후 다시 연결합니다.`);
      setTimeout(open, wait);
    });
  };
  if (setup.status === 'completed') showConnection('ended', '라이브 러닝이 끝났습니다');
  else open();
}
