// The newer app draws a course card's small map from `route_preview`: [[lng, lat], ...] of the route simplified
// (about 10 m tolerance, as the old server did) and thinned to at most ~50 positions, so a list stays small.
import { Type } from '@sinclair/typebox';
import { Nullable } from '../../infra/http/schemas.js';

export const ROUTE_PREVIEW_MAX_POINTS = 50;

/** SQL for the preview of the course row aliased `alias` (a json array, or null under 2 positions). */
export function routePreviewSql(alias: string): string {
  return `(SELECT CASE WHEN count(*) >= 2
                       THEN json_agg(json_build_array(round(ST_X(d.geom)::numeric, 6), round(ST_Y(d.geom)::numeric, 6)) ORDER BY d.path[1])
                  END
             FROM (SELECT ST_SimplifyPreserveTopology(${alias}.route_geometry::geometry, 0.0001) AS g) s,
                  LATERAL ST_DumpPoints(s.g) d
            WHERE (d.path[1] - 1) % ceil(ST_NPoints(s.g) / ${ROUTE_PREVIEW_MAX_POINTS}.0)::int = 0 OR d.path[1] = ST_NPoints(s.g))`;
}

export const RoutePreview = Nullable(Type.Array(Type.Array(Type.Number()), { description: '[[lng, lat], ...], at most ~50 positions; null without a route' }));
