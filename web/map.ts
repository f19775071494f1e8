// The map of a page: Leaflet on its canvas renderer. With no tile URL configured (MAP_STYLE_URL) it needs nothing
// from outside: the course lines over a grid drawn here, one canvas per tile.
import L from 'leaflet';

export interface MapLine {
  coords: [number, number][];
  title?: string;
  href?: string;
}

export interface MapSetup {
  /** Tile URL template ({z}/{x}/{y}); absent: the local grid. */
  tiles?: string;
  attribution?: string;
  lines?: MapLine[];
  /** [lat, lng] the map starts at when there is no line to fit. */
  center?: [number, number];
  zoom?: number;
}

export const LINE_COLOUR = '#d9480f';

const GridBackground = L.GridLayer.extend({
  createTile(coords: L.Coords) {
    const tile = document.createElement('canvas');
    const size = (this as L.GridLayer).getTileSize();
    tile.width = size.x;
    tile.height = size.y;
    const ctx = tile.getContext('2d')!;
    ctx.fillStyle = '#eef1f4';
    ctx.fillRect(0, 0, size.x, size.y);
    ctx.strokeStyle = coords.z >= 14 ? '#d5dbe1' : '#dfe4e9';
    ctx.strokeRect(0.5, 0.5, size.x, size.y);
    return tile;
  },
});

/** Leaflet puts a string tooltip in as HTML: what users wrote goes in as a text node instead. */
export function asText(text: string): HTMLElement {
  const element = document.createElement('span');
  element.textContent = text;
  return element;
}

export function createMap(element: HTMLElement, setup: MapSetup): L.Map {
  const map = L.map(element, { preferCanvas: true, attributionControl: Boolean(setup.tiles), zoomSnap: 0.25 });
  if (setup.tiles) L.tileLayer(setup.tiles, { maxZoom: 19, attribution: setup.attribution ?? '' }).addTo(map);
  else new GridBackground().addTo(map);

  const drawn = (setup.lines ?? []).filter((line) => line.coords.length > 1);
  const group = L.featureGroup(
    drawn.map((line) => {
      const polyline = L.polyline(line.coords, { color: LINE_COLOUR, weight: 4, opacity: 0.9 });
      if (line.title) polyline.bindTooltip(asText(line.title));
      if (line.href) polyline.on('click', () => window.location.assign(line.href!));
      return polyline;
    }),
  ).addTo(map);
  if (drawn.length > 0) map.fitBounds(group.getBounds(), { padding: [24, 24] });
  else map.setView(setup.center ?? [37.5665, 126.978], setup.zoom ?? 12);
  element.dataset.ready = 'true';
  return map;
}

export const readSetup = <T>(id: string): T | undefined => {
  const block = document.getElementById(id);
  return block?.textContent ? (JSON.parse(block.textContent) as T) : undefined;
};
