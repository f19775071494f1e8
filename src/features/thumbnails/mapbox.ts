// Mapbox Static Images API: the route drawn on the outdoors style, 600x400 @2x. The URL carries the access token,
// so it is built only here, used for one server-side request, and never logged, stored or returned.
import polyline from '@mapbox/polyline';
import sharp from 'sharp';
import { simplifyRoute, type LngLat } from './simplify.js';

export const THUMBNAIL_STYLE = {
  width: 600,
  height: 400,
  /** Pixel ratio: @2x images are 1200x800 pixels. */
  scale: 2,
  padding: 40,
  strokeWidth: 4,
  /** The app's orange. */
  color: 'ff6b35',
  opacity: 0.9,
} as const;

/** Mapbox limits a Static Images URL to 8,192 characters; 100 positions as a polyline stay far below. */
export const MAX_OVERLAY_POINTS = 100;
const TIMEOUT_MS = 30_000;
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A failure described without the request URL (it holds the token). */
export class MapboxError extends Error {}

export function staticImageUrl(baseUrl: string, accessToken: string, route: readonly LngLat[]): string {
  const { width, height, scale, padding, strokeWidth, color, opacity } = THUMBNAIL_STYLE;
  // The polyline format takes [lat, lng].
  const encoded = polyline.encode(simplifyRoute(route, MAX_OVERLAY_POINTS).map(([lng, lat]) => [lat, lng]));
  const overlay = `path-${strokeWidth}+${color}-${opacity}(${encodeURIComponent(encoded)})`;
  const query = new URLSearchParams({ access_token: accessToken, padding: String(padding) });
  return `${baseUrl.replace(/\/+$/, '')}/styles/v1/mapbox/outdoors-v12/static/${overlay}/auto/${width}x${height}@${scale}x?${query}`;
}

/** Downloads the image; MapboxError for a non-200 answer, a timeout, or anything but a PNG. */
export async function fetchStaticImage(url: string): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
  } catch (err) {
    const reason = err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'could not be reached';
    throw new MapboxError(`Mapbox Static Images ${reason}`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new MapboxError(`Mapbox Static Images answered ${response.status}`);
  }
  const image = await readCapped(response);
  if (!image.subarray(0, 8).equals(PNG_SIGNATURE)) throw new MapboxError('Mapbox Static Images did not answer a PNG');
  try {
    const { format } = await sharp(image).metadata();
    if (format !== 'png') throw new Error(format);
  } catch {
    throw new MapboxError('Mapbox Static Images answered an unreadable PNG');
  }
  return image;
}

async function readCapped(response: Response): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.length;
      if (size > MAX_IMAGE_BYTES) throw new MapboxError('Mapbox Static Images answered more than 10 MiB');
      chunks.push(Buffer.from(chunk));
    }
  } catch (err) {
    if (err instanceof MapboxError) throw err;
    throw new MapboxError('Mapbox Static Images download failed');
  }
  return Buffer.concat(chunks);
}
