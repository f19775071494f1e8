// Request and response schemas of the heatmap route (API.md §15).
import { Type, type Static } from '@sinclair/typebox';

/** Widest box the heatmap answers, in degrees of latitude and of longitude (about 110 km). */
export const MAX_SPAN_DEGREES = 1;

export const HeatmapQuery = Type.Object({
  sw_lat: Type.Number({ minimum: -90, maximum: 90 }),
  sw_lng: Type.Number({ minimum: -180, maximum: 180 }),
  ne_lat: Type.Number({ minimum: -90, maximum: 90 }),
  ne_lng: Type.Number({ minimum: -180, maximum: 180 }),
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 5000, description: 'Most cells returned' }),
});
export type HeatmapQuery = Static<typeof HeatmapQuery>;

export const HeatCell = Type.Object({
  lat: Type.Number({ description: 'Centre of the grid cell' }),
  lng: Type.Number(),
  weight: Type.Integer({ description: 'Public runs through the cell' }),
});
export type HeatCell = Static<typeof HeatCell>;

export const Heatmap = Type.Array(HeatCell, { description: 'Heaviest cells first' });
