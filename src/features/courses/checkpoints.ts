// The newer app marks a course's checkpoints on its map and counts them off during a run (useCheckpointTracker):
// the start, a point every 500 m along the route, and the finish; none for a route under 1 km, and no intermediate
// one within 200 m of the finish (the old server's rule). Derived from the route when read, so a corrected route
// never leaves stale checkpoints behind.
import { Type, type Static } from '@sinclair/typebox';
import { haversineMeters } from '../matching/geo.js';

const INTERVAL_METERS = 500;
const MIN_ROUTE_METERS = 1000;
const FINISH_CLEARANCE_METERS = 200;

export const Checkpoint = Type.Object({
  id: Type.Integer(),
  order: Type.Integer({ description: '0 at the start, the last one at the finish' }),
  lat: Type.Number(),
  lng: Type.Number(),
  distance_from_start_meters: Type.Integer(),
});
export type Checkpoint = Static<typeof Checkpoint>;

/** The checkpoints of a route of [lng, lat, ...] positions; empty under 1 km. */
export function courseCheckpoints(route: readonly (readonly number[])[]): Checkpoint[] {
  const steps = route.slice(1).map((p, i) => haversineMeters(route[i]![1]!, route[i]![0]!, p[1]!, p[0]!));
  const total = steps.reduce((a, b) => a + b, 0);
  if (route.length < 2 || total < MIN_ROUTE_METERS) return [];
  const points: Checkpoint[] = [];
  const at = (lng: number, lat: number, distance: number): Checkpoint => ({
    id: points.length + 1,
    order: points.length,
    lat,
    lng,
    distance_from_start_meters: Math.trunc(distance),
  });
  points.push(at(route[0]![0]!, route[0]![1]!, 0));
  let walked = 0;
  let step = 0;
  for (let target = INTERVAL_METERS; total - target >= FINISH_CLEARANCE_METERS; target += INTERVAL_METERS) {
    while (walked + steps[step]! < target) walked += steps[step++]!;
    // linear between the step's ends: at 500 m spacing the error is far below GPS noise
    const f = steps[step]! > 0 ? (target - walked) / steps[step]! : 0;
    const [a, b] = [route[step]!, route[step + 1]!];
    points.push(at(a[0]! + (b[0]! - a[0]!) * f, a[1]! + (b[1]! - a[1]!) * f, target));
  }
  const last = route[route.length - 1]!;
  points.push(at(last[0]!, last[1]!, total));
  return points;
}
