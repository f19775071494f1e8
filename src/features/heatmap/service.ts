// The public running heatmap (DECISIONS.md "Privacy and security"): public runs only, aggregated to a grid
// whose cells are never smaller than about 100 m, and without the first and last 200 m of each run so
// nobody's front door shows.
import type { Queryable } from '../../infra/db/database.js';
import { heatCells } from './queries.js';
import { MAX_SPAN_DEGREES, type HeatCell, type HeatmapQuery } from './schemas.js';

const TRIM_METERS = 200;
/** The most recent runs in the box that are counted; older ones only add to cells already warm. */
const MAX_RUNS = 2000;
// Cells per degree by the box's larger span: at most about 200 cells across, at least ~100 m per cell
// (0.001° of latitude is 111 m). Fixed steps keep the cells in place while the map pans.
const GRIDS: [maxSpan: number, cellsPerDegree: number][] = [
  [0.2, 1000],
  [0.4, 500],
  [MAX_SPAN_DEGREES, 200],
];

function invalid(path: string, message: string): Error {
  // Shaped like a schema failure so the client gets the usual 422 VALIDATION_ERROR body.
  return Object.assign(new Error(message), {
    statusCode: 422,
    validationContext: 'querystring',
    validation: [{ instancePath: path, keyword: 'range', message, params: {} }],
  });
}

export async function heatmap(db: Queryable, query: HeatmapQuery): Promise<HeatCell[]> {
  const { sw_lat, sw_lng, ne_lat, ne_lng } = query;
  if (sw_lat >= ne_lat) throw invalid('/sw_lat', 'sw_lat must be less than ne_lat (south-west corner first)');
  if (sw_lng >= ne_lng) throw invalid('/sw_lng', 'sw_lng must be less than ne_lng (south-west corner first)');
  const span = Math.max(ne_lat - sw_lat, ne_lng - sw_lng);
  if (span > MAX_SPAN_DEGREES) {
    throw invalid('/ne_lat', `the box may span at most ${MAX_SPAN_DEGREES} degree of latitude and of longitude`);
  }
  const cellsPerDegree = GRIDS.find(([maxSpan]) => span <= maxSpan)![1];
  // Whole cells only: the box grows outwards to the grid, so a cell on its edge is counted in full. A corner on a
  // grid line (129.015) times the cells per degree lands a hair off the whole number; the nudge keeps it there.
  const down = (v: number) => Math.floor(v * cellsPerDegree + 1e-9) / cellsPerDegree;
  const up = (v: number) => Math.ceil(v * cellsPerDegree - 1e-9) / cellsPerDegree;
  return heatCells(db, {
    box: [down(sw_lng), down(sw_lat), up(ne_lng), up(ne_lat)],
    cellsPerDegree,
    trimMeters: TRIM_METERS,
    maxRuns: MAX_RUNS,
    limit: query.limit,
  });
}
