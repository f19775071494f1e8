// SQL of the heatmap: public runs crossing a box, without their ends, counted per grid cell.
import type { Queryable } from '../../infra/db/database.js';

export interface HeatmapArgs {
  /** The box, aligned to the grid: [west, south, east, north] in degrees. */
  box: [number, number, number, number];
  /** Grid cells per degree of latitude and of longitude. */
  cellsPerDegree: number;
  /** Metres dropped at each end of every run. */
  trimMeters: number;
  /** Most recent runs considered. */
  maxRuns: number;
  limit: number;
}

export interface CellRow {
  [key: string]: unknown;
  lat: number;
  lng: number;
  weight: number;
}

/**
 * Public runs: never Strava's (their owner alone may see them), never implausible ones, never one run on a
 * private course or the run a private course was made from. Each run loses its first and last `trimMeters`
 * (runs too short for that give nothing): fractions of a run are taken on the line with longitudes scaled
 * by cos(latitude), where lengths are locally proportional to metres. What remains is simplified and then
 * sampled every quarter cell, so every cell the run passes through is counted once for that run.
 * Only cells and counts leave the database, never a track.
 */
export async function heatCells(db: Queryable, a: HeatmapArgs): Promise<CellRow[]> {
  const { rows } = await db.query<CellRow>(
    `WITH box AS (SELECT ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, 4326) AS g),
     runs AS (
       SELECT r.id, r.route_geometry::geometry AS g, ST_Length(r.route_geometry) AS len
         FROM run_records r, box
        WHERE r.route_geometry::geometry && box.g
          AND r.source <> 'strava' AND r.is_plausible
          AND NOT EXISTS (SELECT 1 FROM courses c
                           WHERE NOT c.is_public AND (c.id = r.course_id OR c.run_record_id = r.id))
        ORDER BY r.finished_at DESC
        LIMIT $8::int),
     scaled AS (
       SELECT id, g, len, cos(radians(ST_Y(ST_Centroid(g)))) AS k FROM runs WHERE len > 2 * $7::float8),
     trimmed AS (
       SELECT id, ST_Scale(ST_LineSubstring(ST_Scale(g, k, 1), $7::float8 / len, 1 - $7::float8 / len), 1 / k, 1) AS g FROM scaled),
     points AS (
       SELECT id, (ST_DumpPoints(ST_Segmentize(ST_Simplify(g, 0.25 / $5::float8), 0.25 / $5::float8))).geom AS p FROM trimmed),
     cells AS (
       -- A point on a cell edge (a decimal such as 129.315) times the cells per degree lands a hair below the
       -- whole number in binary floating point; the nudge keeps it in the cell it lies on.
       SELECT floor(ST_Y(p) * $5::float8 + 1e-9) AS y, floor(ST_X(p) * $5::float8 + 1e-9) AS x, count(DISTINCT id) AS weight
         FROM points, box
        WHERE ST_Intersects(p, box.g)
        GROUP BY 1, 2)
     SELECT round(((y + 0.5) / $5::float8)::numeric, 6) AS lat, round(((x + 0.5) / $5::float8)::numeric, 6) AS lng, weight
       FROM cells
      ORDER BY weight DESC, y, x
      LIMIT $6::int`,
    [...a.box, a.cellsPerDegree, a.limit, a.trimMeters, a.maxRuns],
  );
  return rows;
}
