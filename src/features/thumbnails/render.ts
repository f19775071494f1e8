// The local thumbnail, drawn when Mapbox is not configured or fails, so every course has a picture: the route on
// a light background in Web Mercator (as maps draw it), fitted inside the padding, with start and finish markers,
// at the size of the Mapbox image (600x400 @2x = 1200x800 pixels).
import sharp from 'sharp';
import { THUMBNAIL_STYLE } from './mapbox.js';
import { simplifyPixels, type LngLat } from './simplify.js';

const WIDTH = THUMBNAIL_STYLE.width * THUMBNAIL_STYLE.scale;
const HEIGHT = THUMBNAIL_STYLE.height * THUMBNAIL_STYLE.scale;
const PADDING = THUMBNAIL_STYLE.padding * THUMBNAIL_STYLE.scale;
const GRID = 100;

/** Web Mercator in units of the world's width (0..1). */
function mercator([lng, lat]: LngLat): { x: number; y: number } {
  const phi = (Math.max(-85, Math.min(85, lat)) * Math.PI) / 180;
  return { x: (lng + 180) / 360, y: (1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2 };
}

/** Positions in pixels, scaled to fit inside the padding and centred (a route that is a single spot sits in the middle). */
function project(route: readonly LngLat[]): { x: number; y: number }[] {
  const points = route.map(mercator);
  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const { x, y } of points) {
    [minX, maxX, minY, maxY] = [Math.min(minX, x), Math.max(maxX, x), Math.min(minY, y), Math.max(maxY, y)];
  }
  const spanX = maxX - minX;
  const spanY = maxY - minY;
  const scale = Math.min(spanX > 0 ? (WIDTH - 2 * PADDING) / spanX : Infinity, spanY > 0 ? (HEIGHT - 2 * PADDING) / spanY : Infinity);
  const k = Number.isFinite(scale) ? scale : 0;
  return points.map((p) => ({
    x: WIDTH / 2 + (p.x - (minX + maxX) / 2) * k,
    y: HEIGHT / 2 + (p.y - (minY + maxY) / 2) * k,
  }));
}

const fmt = (n: number) => n.toFixed(1);

export function routeSvg(route: readonly LngLat[]): string {
  // Detail finer than half a pixel cannot show; dropping it keeps long runs' SVGs small.
  const pixels = simplifyPixels(project(route), 0.5);
  const points = pixels.map((p) => `${fmt(p.x)},${fmt(p.y)}`).join(' ');
  const start = pixels[0]!;
  const finish = pixels[pixels.length - 1]!;
  const grid: string[] = [];
  for (let x = GRID; x < WIDTH; x += GRID) grid.push(`M${x} 0V${HEIGHT}`);
  for (let y = GRID; y < HEIGHT; y += GRID) grid.push(`M0 ${y}H${WIDTH}`);
  const line = 'fill="none" stroke-linejoin="round" stroke-linecap="round"';
  const color = `#${THUMBNAIL_STYLE.color}`;
  const width = THUMBNAIL_STYLE.strokeWidth * THUMBNAIL_STYLE.scale;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#f3f1ec"/>`,
    `<path d="${grid.join('')}" stroke="#e2ded5" stroke-width="2"/>`,
    `<polyline points="${points}" ${line} stroke="#ffffff" stroke-width="${width * 2.5}"/>`,
    `<polyline points="${points}" ${line} stroke="${color}" stroke-opacity="${THUMBNAIL_STYLE.opacity}" stroke-width="${width * 1.5}"/>`,
    `<circle cx="${fmt(finish.x)}" cy="${fmt(finish.y)}" r="14" fill="#d32f2f" stroke="#ffffff" stroke-width="5"/>`,
    `<circle cx="${fmt(start.x)}" cy="${fmt(start.y)}" r="14" fill="#2e7d32" stroke="#ffffff" stroke-width="5"/>`,
    '</svg>',
  ].join('\n');
}

/** The route as a 1200x800 PNG. */
export async function renderRoutePng(route: readonly LngLat[]): Promise<Buffer> {
  return sharp(Buffer.from(routeSvg(route))).png({ compressionLevel: 9 }).toBuffer();
}
