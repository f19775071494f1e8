// Distances on the Earth and a local flat projection for the course matcher.

/** A GPS fix of a run: degrees and epoch milliseconds. */
export interface TrackPoint {
  lat: number;
  lng: number;
  t: number;
}

/** A course vertex as stored in GeoJSON: [longitude, latitude]. */
export type LngLat = readonly [number, number];

/** IUGG mean Earth radius. */
export const EARTH_RADIUS_M = 6_371_008.8;

const RAD = Math.PI / 180;

/** Great-circle distance in metres. */
export function haversineMeters(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const sinLat = Math.sin(((lat2 - lat1) * RAD) / 2);
  const sinLng = Math.sin(((lng2 - lng1) * RAD) / 2);
  const h = sinLat * sinLat + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * sinLng * sinLng;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Length in metres of a run track (sum of haversine steps). */
export function trackLengthMeters(points: readonly { lat: number; lng: number }[]): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    total += haversineMeters(a.lat, a.lng, b.lat, b.lng);
  }
  return total;
}

/** Length in metres of a course polyline given as [lng, lat] pairs. */
export function lineLengthMeters(coords: readonly LngLat[]): number {
  let total = 0;
  for (let i = 1; i < coords.length; i++) {
    const a = coords[i - 1]!;
    const b = coords[i]!;
    total += haversineMeters(a[1], a[0], b[1], b[0]);
  }
  return total;
}

/**
 * Equirectangular projection to metres around (lat0, lng0): x east, y north. Its scale error at a point is about
 * tan(lat)·Δlat (Δlat in radians from lat0): 0.4 % at 25 km from the centre at 45° latitude. The matcher only measures
 * short distances (tens of metres) between nearby points, so its error there is centimetres.
 */
export interface LocalProjection {
  readonly lat0: number;
  readonly lng0: number;
  /** metres per degree of longitude at lat0 */
  readonly kx: number;
  /** metres per degree of latitude */
  readonly ky: number;
}

export function localProjection(lat0: number, lng0: number): LocalProjection {
  const ky = EARTH_RADIUS_M * RAD;
  return { lat0, lng0, ky, kx: ky * Math.cos(lat0 * RAD) };
}

export function projectX(p: LocalProjection, lng: number): number {
  let d = lng - p.lng0;
  // A track near the antimeridian stays continuous.
  if (d > 180) d -= 360;
  else if (d < -180) d += 360;
  return d * p.kx;
}

export function projectY(p: LocalProjection, lat: number): number {
  return (lat - p.lat0) * p.ky;
}
