import type { FastifyBaseLogger } from 'fastify';
import type { AppDeps } from '../../infra/deps.js';
import { notFound } from '../../infra/errors.js';
import { AVATAR_SIZE, IMAGE_SIZE, toJpeg } from './image.js';
import { avatarInUse, replaceAvatarUrl } from './queries.js';

type Deps = Pick<AppDeps, 'db' | 'storage'>;

/** Stores the re-encoded image as the user's avatar, removes the one it replaces, and returns its absolute URL. */
export async function replaceAvatar(deps: Deps, log: FastifyBaseLogger, userId: string, upload: Buffer): Promise<string> {
  const jpeg = await toJpeg(upload, AVATAR_SIZE);
  const { url } = await deps.storage.put({ folder: 'avatars', extension: '.jpg', body: jpeg });
  let replaced: Awaited<ReturnType<typeof replaceAvatarUrl>>;
  try {
    replaced = await replaceAvatarUrl(deps.db, userId, url);
  } catch (err) {
    await deleteQuietly(deps, log, url);
    throw err;
  }
  if (!replaced) {
    // The account was deleted while the image was being processed.
    await deleteQuietly(deps, log, url);
    throw notFound('User');
  }
  if (replaced.previous) await removeOldAvatar(deps, log, replaced.previous);
  return url;
}

/**
 * Stores the re-encoded image for the caller to use (a crew logo or cover) and returns its absolute URL. Fields
 * that take an image accept only URLs of this folder, so nothing a user sends is fetched or shown from elsewhere.
 */
export async function storeImage(deps: Deps, upload: Buffer): Promise<string> {
  const { url } = await deps.storage.put({ folder: 'images', extension: '.jpg', body: await toJpeg(upload, IMAGE_SIZE) });
  return url;
}

// Only avatar files of our storage go (never external URLs or other folders' keys), and only when no profile still
// shows the file: PATCH /users/me/profile may have pointed someone's avatar_url at it.
async function removeOldAvatar(deps: Deps, log: FastifyBaseLogger, url: string): Promise<void> {
  if (!deps.storage.keyOf(url)?.startsWith('avatars/')) return;
  if (await avatarInUse(deps.db, url)) return;
  await deleteQuietly(deps, log, url);
}

// A file left behind is only garbage; it must not fail a request whose change is committed.
async function deleteQuietly(deps: Deps, log: FastifyBaseLogger, url: string): Promise<void> {
  try {
    await deps.storage.delete(url);
  } catch (err) {
    log.warn({ err, url }, 'could not delete an avatar file');
  }
}
