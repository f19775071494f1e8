// What a page's map island is told (web/map.ts reads it): the tiles when MAP_STYLE_URL is set, and what to draw.
import type { Config } from '../../infra/config.js';

export interface MapSetupInput {
  lines?: { coords: [number, number][]; title?: string; href?: string }[];
  center?: [number, number];
  zoom?: number;
}

export function mapSetup(config: Pick<Config, 'MAP_STYLE_URL' | 'MAP_ATTRIBUTION'>, input: MapSetupInput): Record<string, unknown> {
  return {
    ...(config.MAP_STYLE_URL ? { tiles: config.MAP_STYLE_URL, attribution: config.MAP_ATTRIBUTION } : {}),
    ...input,
  };
}
