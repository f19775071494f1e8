// Course thumbnails: Mapbox Static Images when MAPBOX_ACCESS_TOKEN is set, the local rendering otherwise or when
// Mapbox fails, stored in our storage ('thumbnails', public). courses.thumbnail_url only ever holds our storage
// URL: the Mapbox URL carries the token, so it never reaches the database or a client.
import type { Logger } from 'pino';
import type { AppDeps } from '../../infra/deps.js';
import { fetchStaticImage, MapboxError, staticImageUrl } from './mapbox.js';
import { courseRoute, replaceThumbnailUrl, thumbnailInUse } from './queries.js';
import { renderRoutePng } from './render.js';
import type { LngLat } from './simplify.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'storage'>;

/**
 * Renders and stores the course's thumbnail, replacing (and deleting) the previous one, so running it again is
 * harmless. Returns the stored URL, or null when the course is gone or has no drawable route.
 */
export async function renderCourseThumbnail(deps: Deps, log: Logger, courseId: string): Promise<string | null> {
  const route = await courseRoute(deps.db, courseId);
  if (!route || route.length < 2) return null;
  const png = await thumbnailPng(deps, log, route);
  const { url } = await deps.storage.put({ folder: 'thumbnails', extension: '.png', body: png });
  let replaced: Awaited<ReturnType<typeof replaceThumbnailUrl>>;
  try {
    replaced = await replaceThumbnailUrl(deps.db, courseId, url);
  } catch (err) {
    await deleteQuietly(deps, log, url);
    throw err;
  }
  if (!replaced) {
    await deleteQuietly(deps, log, url); // the course was deleted meanwhile
    return null;
  }
  if (replaced.previous && replaced.previous !== url) await removeOldThumbnail(deps, log, replaced.previous);
  return url;
}

async function thumbnailPng(deps: Deps, log: Logger, route: LngLat[]): Promise<Buffer> {
  const { MAPBOX_ACCESS_TOKEN: token, MAPBOX_BASE_URL: baseUrl } = deps.config;
  if (token) {
    try {
      return await fetchStaticImage(staticImageUrl(baseUrl, token, route));
    } catch (err) {
      // Only our own messages are logged: an unexpected error could quote the URL and its token.
      const reason = err instanceof MapboxError ? err.message : 'unexpected error';
      log.warn({ reason }, 'Mapbox thumbnail failed; rendering locally');
    }
  }
  return renderRoutePng(route);
}

// Only thumbnail files of our storage go (a migrated row may hold an external URL), and only when no other course
// shows the same file.
async function removeOldThumbnail(deps: Deps, log: Logger, url: string): Promise<void> {
  if (!deps.storage.keyOf(url)?.startsWith('thumbnails/')) return;
  if (await thumbnailInUse(deps.db, url)) return;
  await deleteQuietly(deps, log, url);
}

// A file left behind is only garbage; it must not fail a job whose change is committed.
async function deleteQuietly(deps: Deps, log: Logger, url: string): Promise<void> {
  try {
    await deps.storage.delete(url);
  } catch (err) {
    log.warn({ err, url }, 'could not delete a thumbnail file');
  }
}
