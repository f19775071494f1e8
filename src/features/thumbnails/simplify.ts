// Route simplification for thumbnails: Douglas-Peucker (simplify-js) with a growing tolerance until few enough
// positions remain. Distances are measured in local metres, so east-west and north-south count the same.
import simplify from 'simplify-js';

/** [lng, lat] as in GeoJSON. */
export type LngLat = [number, number];

const METRES_PER_DEGREE_LAT = 110_574;
const METRES_PER_DEGREE_LNG_AT_EQUATOR = 111_320;

/** At most `max` (≥ 2) positions of `route`, its first and last always kept, in order. */
export function simplifyRoute(route: readonly LngLat[], max: number): LngLat[] {
  if (route.length <= max) return [...route];
  const meanLat = route.reduce((sum, [, lat]) => sum + lat, 0) / route.length;
  const kx = METRES_PER_DEGREE_LNG_AT_EQUATOR * Math.cos((meanLat * Math.PI) / 180);
  const points = route.map(([lng, lat], i) => ({ x: lng * kx, y: lat * METRES_PER_DEGREE_LAT, i }));
  // simplify-js returns a subset of the very objects it was given, so each keeps its index.
  for (let toleranceMetres = 1; ; toleranceMetres *= 1.5) {
    const kept = simplify(points, toleranceMetres, true) as typeof points;
    if (kept.length <= max) return kept.map((p) => route[p.i]!);
  }
}

/** Simplifies points already in pixels, dropping detail smaller than `tolerance` pixels. */
export function simplifyPixels(points: { x: number; y: number }[], tolerance: number): { x: number; y: number }[] {
  return simplify(points, tolerance, true);
}
