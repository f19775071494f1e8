// Fields that show a picture to other users (crew logos, posts, comments, chat, gear, announcements) take only
// URLs of images we stored from POST /uploads/image (service.ts storeImage): nothing from elsewhere is fetched or
// shown, and no other folder of our storage (avatars, exports) can be pointed at.
import { AppError } from '../../infra/errors.js';
import type { Storage } from '../../infra/storage/storage.js';

export function requireStoredImage(storage: Storage, url: string, field: string): void {
  if (!storage.keyOf(url)?.startsWith('images/')) {
    throw new AppError(422, 'INVALID_IMAGE_URL', `${field} must be a URL returned by POST /uploads/image`);
  }
}
