// The web client's built files (scripts/build-web.ts → dist/web): served with their gzip/brotli copies and cached
// for a year (their names carry their content hash). The manifest says which names the pages link.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const ASSETS_PREFIX = '/assets/';
// src/features/web and dist/features/web are both two levels below the root.
const BUILT = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

export interface AssetNames {
  script?: string;
  style?: string;
}

let names: AssetNames | undefined;

/** The linked names, read from the manifest once (a new build needs a restart, as new code does). */
export function assetNames(): AssetNames {
  if (names) return names;
  const manifest = `${BUILT}manifest.json`;
  if (!existsSync(manifest)) return {};
  const built = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, string>;
  names = {
    script: built['app.js'] && `${ASSETS_PREFIX}${built['app.js']}`,
    style: built['app.css'] && `${ASSETS_PREFIX}${built['app.css']}`,
  };
  return names;
}

export async function assetRoutes(app: FastifyInstance): Promise<void> {
  if (!existsSync(BUILT)) {
    app.log.warn('the web client is not built (npm run build): pages are served without their script and style');
    return;
  }
  await app.register(fastifyStatic, {
    root: BUILT,
    prefix: ASSETS_PREFIX,
    decorateReply: false,
    index: false,
    preCompressed: true,
    immutable: true,
    maxAge: '365d',
    allowedPath: (path) => !path.endsWith('manifest.json'),
  });
}
