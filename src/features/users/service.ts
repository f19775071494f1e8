// Profiles and accounts: onboarding, profile edits, public profiles, account deletion.
import type { FastifyBaseLogger } from 'fastify';
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { AppError, conflict, notFound } from '../../infra/errors.js';
import { withoutNulls } from '../../infra/http/schemas.js';
import { revokeAppleAuthorization } from '../auth/service.js';
import { forgetUser } from '../auth/known-users.js';
import { departAllCrews } from '../crews/membership.js';
import { imagesOfPostsBy } from '../community/queries.js';
import { releaseImages } from '../crews/service.js';
import { toGearItem } from '../gear/service.js';
import * as q from './queries.js';
import { runnerLevel } from './runner-level.js';
import type {
  ConsentBody,
  ProfileResponse,
  PublicProfile,
  SetupProfileBody,
  SocialCounts,
  UpdateProfileBody,
  UserResponse,
  UserSearch,
  UserSearchQuery,
} from './schemas.js';

/**
 * Runs before validation, so the schema checks what will be stored: nickname NFC-normalised (a
 * decomposed Korean nickname must not pass as a different name) and trimmed; bio, Instagram name and
 * region trimmed, a leading "@" dropped, and an empty value taken as null; the country code upper-cased.
 */
export function normaliseProfileBody(body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const b = body as Record<string, unknown>;
  if (typeof b.nickname === 'string') b.nickname = b.nickname.normalize('NFC').trim();
  if (typeof b.avatar_url === 'string') b.avatar_url = b.avatar_url.trim();
  if (typeof b.bio === 'string') b.bio = b.bio.trim() || null;
  if (typeof b.instagram_username === 'string') b.instagram_username = b.instagram_username.trim().replace(/^@/, '') || null;
  if (typeof b.activity_region === 'string') b.activity_region = b.activity_region.trim() || null;
  if (typeof b.country === 'string') b.country = b.country.trim().toUpperCase() || null;
}

function toProfile(row: q.UserRow): ProfileResponse {
  return {
    id: row.id,
    nickname: row.nickname,
    avatar_url: row.avatar_url,
    birthday: row.birthday,
    height_cm: row.height_cm,
    weight_kg: row.weight_kg,
    bio: row.bio,
    instagram_username: row.instagram_username,
    country: row.country,
    ...withoutNulls({ activity_region: row.activity_region }),
    gender: null,
    total_distance_meters: row.total_distance_meters,
    total_runs: row.total_runs,
    total_points: row.total_points,
    runner_level: runnerLevel(row.total_distance_meters),
    created_at: row.created_at.toISOString(),
    user_code: row.user_code,
    crew_name: row.crew_name,
  };
}

export async function getMe(db: Queryable, userId: string): Promise<UserResponse> {
  const row = await q.findUser(db, userId);
  if (!row) throw notFound('User');
  return { ...toProfile(row), email: row.email };
}

const isNicknameTaken = (err: unknown) =>
  (err as { code?: string }).code === '23505' && (err as { constraint?: string }).constraint === 'idx_users_nickname';

type Deps = Pick<AppDeps, 'db' | 'storage'>;

/**
 * Deletes the stored avatars and thumbnails among `urls` that no profile or course still shows (a
 * profile may point at another user's file). External URLs are left alone. Runs after the change is
 * committed; a file left behind is only garbage, so failures are logged, not thrown.
 */
async function releaseFiles(deps: Deps, log: FastifyBaseLogger, urls: string[]): Promise<void> {
  const ours = urls.filter((url) => /^(avatars|thumbnails)\//.test(deps.storage.keyOf(url) ?? ''));
  try {
    for (const url of await q.unreferencedFiles(deps.db, ours)) {
      await deps.storage.delete(url).catch((err: unknown) => log.warn({ err, url }, 'could not delete a stored file'));
    }
  } catch (err) {
    log.warn({ err, urls: ours }, 'could not release stored files');
  }
}

/** Applies `changes`; a nickname taken by someone else (even by a concurrent request) is 409, never 500. */
async function applyChanges(deps: Deps, log: FastifyBaseLogger, userId: string, changes: Partial<Record<q.EditableColumn, unknown>>) {
  let row;
  try {
    row = await q.updateUser(deps.db, userId, changes);
  } catch (err) {
    if (isNicknameTaken(err)) throw conflict('DUPLICATE_NICKNAME', 'This nickname is already taken');
    throw err;
  }
  if (!row) throw notFound('User');
  if (row.previous_avatar_url && row.previous_avatar_url !== row.avatar_url) await releaseFiles(deps, log, [row.previous_avatar_url]);
  return toProfile(row);
}

/** Onboarding: sets the nickname, and the avatar and country only when given. */
export async function setupProfile(deps: Deps, log: FastifyBaseLogger, userId: string, body: SetupProfileBody): Promise<ProfileResponse> {
  return applyChanges(deps, log, userId, { nickname: body.nickname, avatar_url: body.avatar_url ?? undefined, country: body.country ?? undefined });
}

/** Present keys are applied, an explicit null clears the field (M5), absent keys stay as they are. */
export async function updateProfile(deps: Deps, log: FastifyBaseLogger, userId: string, body: UpdateProfileBody): Promise<ProfileResponse> {
  if (body.crew_name !== undefined && !(await q.setPrimaryCrewByName(deps.db, userId, body.crew_name?.trim() || null))) {
    throw new AppError(422, 'NOT_A_CREW_MEMBER', 'crew_name must name one of your crews');
  }
  const changes: Partial<Record<q.EditableColumn, unknown>> = {};
  for (const column of q.EDITABLE_COLUMNS) {
    if (body[column] !== undefined) changes[column] = body[column];
  }
  if (Object.keys(changes).length === 0) {
    const row = await q.findUser(deps.db, userId);
    if (!row) throw notFound('User');
    return toProfile(row);
  }
  return applyChanges(deps, log, userId, changes);
}

export function getSocialCounts(db: Queryable, userId: string): Promise<SocialCounts> {
  return q.socialCounts(db, userId);
}

export async function getPublicProfile(db: Queryable, userId: string, viewerId: string): Promise<PublicProfile> {
  const row = await q.findPublicProfile(db, userId, viewerId);
  if (!row) throw notFound('User');
  const { activity_region, gear, ...rest } = row;
  const gearItems = gear.map(toGearItem);
  return {
    ...rest,
    ...withoutNulls({ activity_region }),
    runner_level: runnerLevel(row.total_distance_meters),
    created_at: row.created_at.toISOString(),
    // The app's profile screen features the primary gear and lists the others from gear_items.
    primary_gear: gearItems.find((g) => g.is_primary) ?? null,
    gear_items: gearItems,
  };
}

/**
 * Deletes the account and everything it owns (one DELETE; the foreign keys cascade; crews it owns are handed over
 * first, see departAllCrews), then its stored
 * avatar, course thumbnails, imported activity files and data exports. A Sign in with Apple authorisation is revoked first, while its token
 * is still stored; that step is best-effort (it never throws and logs its outcome), so Apple being
 * unreachable never blocks a deletion.
 */
export async function deleteAccount(deps: Deps & Pick<AppDeps, 'config' | 'logger' | 'jobs'>, log: FastifyBaseLogger, userId: string): Promise<void> {
  await revokeAppleAuthorization(deps, userId);
  const deleted = await deps.db.transaction(async (tx) => {
    // Crews are shared: one the user owns passes to another member rather than vanishing with them.
    const crewImages = await departAllCrews(deps, tx, userId);
    // Their community posts' images go too, unless a crew or someone else's post shows them.
    const postImages = await imagesOfPostsBy(tx, userId);
    const rows = await q.deleteUser(tx, userId);
    return rows && { ...rows, crewImages: [...crewImages, ...postImages] };
  });
  if (!deleted) throw notFound('User');
  forgetUser(deps.db, userId);
  await releaseFiles(deps, log, deleted.files);
  await releaseImages(deps, log, deleted.crewImages);
  // Imported activity files and data exports are private to the user: nobody else can point at them.
  for (const key of deleted.privateKeys) {
    await deps.storage.delete(key).catch((err: unknown) => log.warn({ err, key }, 'could not delete a stored file'));
  }
}

export async function saveConsent(db: Queryable, userId: string, body: ConsentBody): Promise<{ status: 'ok' }> {
  if (!(await q.saveConsent(db, userId, body))) throw notFound('User');
  return { status: 'ok' };
}

export async function searchUsers(db: Queryable, viewerId: string, query: UserSearchQuery): Promise<UserSearch> {
  const { rows, total } = await q.searchUsers(db, viewerId, query.q.trim() || query.q, query.per_page, query.page * query.per_page);
  return { data: rows, total_count: total, has_next: (query.page + 1) * query.per_page < total };
}
