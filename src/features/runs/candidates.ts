// The courses a finished run may have completed, found by a spatial query on the stored run route.
import type { Queryable } from '../../infra/db/database.js';
import type { LngLat } from '../matching/geo.js';
import { readLineStringWkb } from './wkb.js';

/** A course starts "on" the run when its start is this close to the run's track (the matcher's gate is 30 m). */
export const CANDIDATE_RADIUS_METERS = 50;
/** Most courses matched besides the chosen one; each is a full matcher pass at worst. */
export const MAX_CANDIDATES = 10;

export interface Candidate {
  id: string;
  distanceMeters: number;
  /** [lng, lat] vertices in the course's direction */
  route: LngLat[];
  /** the course the runner chose when starting the session */
  chosen: boolean;
}

/** Metres per degree of latitude (mean Earth radius); longitudes are scaled by cos(latitude) to match. */
const METERS_PER_DEGREE = 111_195;

// The chosen course (if the runner may still see it), then up to MAX_CANDIDATES other visible courses whose start
// and finish both lie within the radius of the run's route. The index on start_point finds the courses whose start
// is in the run's bounding box (the same condition ST_DWithin uses); the exact tests then measure in a flat copy
// of the run, made once (MATERIALIZED) with longitudes scaled by cos(latitude): over the few kilometres of a run
// that is exact to well under 1 %, and about four times cheaper than geodesic distances to a long route, which
// detoast and walk the route again for every course. The matcher re-checks start and finish exactly.
// Routes come back as WKB: binary doubles, read without parsing text.
const CANDIDATES_SQL = `
WITH run AS MATERIALIZED (
  SELECT r.route_geometry AS g, ST_Scale(r.route_geometry::geometry, k.k, 1) AS flat, k.k
    FROM run_records r, LATERAL (SELECT cos(radians(ST_Y(ST_Centroid(r.route_geometry::geometry)))) AS k) k
   WHERE r.id = $1)
SELECT c.id, c.distance_meters, ST_AsBinary(c.route_geometry) AS route, true AS chosen
  FROM courses c
 WHERE c.id = $3 AND (c.is_public OR c.creator_id = $2)
UNION ALL
(SELECT c.id, c.distance_meters, ST_AsBinary(c.route_geometry), false
   FROM run, courses c
  WHERE c.start_point && _ST_Expand(run.g, $4)
    AND ST_DWithin(ST_Scale(c.start_point::geometry, run.k, 1), run.flat, $4 / ${METERS_PER_DEGREE}.0)
    AND ST_DWithin(ST_Scale(ST_EndPoint(c.route_geometry::geometry), run.k, 1), run.flat, $4 / ${METERS_PER_DEGREE}.0)
    AND (c.is_public OR c.creator_id = $2)
    AND c.id IS DISTINCT FROM $3
  ORDER BY c.created_at, c.id
  LIMIT $5)`;

/** Candidates for the run record `runId` of `userId` (its route already stored), the chosen one flagged. */
export async function findCandidates(tx: Queryable, runId: string, userId: string, chosenCourseId: string | null): Promise<Candidate[]> {
  const { rows } = await tx.query<{ id: string; distance_meters: number; route: Buffer; chosen: boolean }>(CANDIDATES_SQL, [
    runId,
    userId,
    chosenCourseId,
    CANDIDATE_RADIUS_METERS,
    MAX_CANDIDATES,
  ]);
  return rows.map((r) => ({
    id: r.id,
    distanceMeters: r.distance_meters,
    route: readLineStringWkb(r.route),
    chosen: r.chosen,
  }));
}
