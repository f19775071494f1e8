// Visibility and ownership checks every feature uses. Objects a caller may not see are reported as
// missing (404), so their existence does not leak; visible objects the caller does not own give 403.
import { forbidden, notFound } from '../../infra/errors.js';

export interface Owned {
  owner_id: string;
  /** Absent means the object is visible to everyone. */
  is_public?: boolean;
}

export function canSee(object: Owned, userId: string | undefined): boolean {
  return object.is_public !== false || object.owner_id === userId;
}

/** The object if `userId` may see it; 404 otherwise (missing, or private to someone else). */
export function requireVisible<T extends Owned>(object: T | undefined | null, userId: string | undefined, what: string): T {
  if (!object || !canSee(object, userId)) throw notFound(what);
  return object;
}

/** The object if `userId` owns it; 404 when the caller cannot see it, 403 when visible but not theirs. */
export function requireOwner<T extends Owned>(object: T | undefined | null, userId: string, what: string): T {
  const visible = requireVisible(object, userId, what);
  if (visible.owner_id !== userId) throw forbidden(`Only the owner can change this ${what.toLowerCase()}`);
  return visible;
}
