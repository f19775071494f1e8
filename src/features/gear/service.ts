// Running gear (shoes): the caller's list, adding, editing, retiring and deleting gear, one primary (default) gear
// at a time, and another user's gear as their profile shows it. Mileage comes from the runs (queries.ts).
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { conflict, notFound } from '../../infra/errors.js';
import { withoutNulls } from '../../infra/http/schemas.js';
import * as q from './queries.js';
import { MAX_GEAR_PER_USER, type GearCreateBody, type GearItem, type GearUpdateBody } from './schemas.js';
import { requireStoredImage } from '../uploads/stored-images.js';

type Deps = Pick<AppDeps, 'db' | 'storage'>;

/** Runs before validation, so the schema checks what is stored: names NFC-normalised and trimmed. */
export function normaliseGearBody(body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const b = body as Record<string, unknown>;
  for (const key of ['brand', 'model_name'] as const) {
    if (typeof b[key] === 'string') b[key] = b[key].normalize('NFC').trim();
  }
}

export function toGearItem(row: q.GearRow): GearItem {
  return {
    id: row.id,
    brand: row.brand,
    model_name: row.model_name,
    ...withoutNulls({ image_url: row.image_url }),
    is_primary: row.is_primary,
    total_distance_meters: row.total_distance_meters,
    max_distance_meters: row.max_distance_meters,
    is_retired: row.retired_at !== null,
    retired_at: row.retired_at === null ? null : new Date(row.retired_at).toISOString(),
    created_at: new Date(row.created_at).toISOString(),
  };
}

/** Only images we stored from POST /uploads/image: the gear picture is shown on the runner's profile. */
function checkImage(deps: Deps, url: string | null | undefined): void {
  if (url) requireStoredImage(deps.storage, url, 'image_url');
}

/** Retired gear cannot be the default: asking for both is a contradiction, not something to guess at. */
function checkPrimaryActive(values: q.GearValues): void {
  if (values.is_primary && values.retired) throw conflict('GEAR_RETIRED', 'Retired gear cannot be the primary gear');
}

export async function listMine(db: Queryable, userId: string): Promise<GearItem[]> {
  return (await q.listGear(db, userId, true)).map(toGearItem);
}

/** Another user's gear as their profile shows it; their Strava runs are theirs alone, so they add no distance here. */
export async function listOfUser(db: Queryable, viewerId: string, userId: string): Promise<GearItem[]> {
  const own = viewerId === userId.toLowerCase();
  const [exists, rows] = await Promise.all([q.userExists(db, userId), q.listGear(db, userId, own)]);
  if (!exists) throw notFound('User');
  return rows.map(toGearItem);
}

async function reread(tx: Queryable, gearId: string, userId: string): Promise<GearItem> {
  return toGearItem((await q.findGear(tx, gearId, userId))!);
}

export async function create(deps: Deps, userId: string, body: GearCreateBody): Promise<GearItem> {
  checkImage(deps, body.image_url);
  const values: q.GearValues = {
    brand: body.brand,
    model_name: body.model_name,
    image_url: body.image_url ?? null,
    is_primary: body.is_primary ?? false,
    max_distance_meters: body.max_distance_meters ?? null,
    retired: body.is_retired ?? false,
  };
  checkPrimaryActive(values);
  return deps.db.transaction(async (tx) => {
    if (!(await q.lockGearOwner(tx, userId))) throw notFound('User');
    if ((await q.countGear(tx, userId)) >= MAX_GEAR_PER_USER) {
      throw conflict('GEAR_LIMIT_REACHED', `You can keep at most ${MAX_GEAR_PER_USER} gear items`);
    }
    if (values.is_primary) await q.clearPrimary(tx, userId, null);
    const id = await q.insertGear(tx, userId, values);
    return reread(tx, id, userId);
  });
}

/** Absent keys stay, null clears. Making a gear primary demotes the previous one in the same transaction. */
export async function update(deps: Deps, userId: string, gearId: string, body: GearUpdateBody): Promise<GearItem> {
  checkImage(deps, body.image_url);
  return deps.db.transaction(async (tx) => {
    await q.lockGearOwner(tx, userId);
    const gear = await q.findGear(tx, gearId, userId);
    if (!gear) throw notFound('Gear');
    const retired = body.is_retired ?? gear.retired_at !== null;
    const values: q.GearValues = {
      brand: body.brand ?? gear.brand,
      model_name: body.model_name ?? gear.model_name,
      image_url: body.image_url === undefined ? gear.image_url : body.image_url,
      // Retiring the primary gear leaves the user without one.
      is_primary: body.is_primary ?? (gear.is_primary && !retired),
      max_distance_meters: body.max_distance_meters === undefined ? gear.max_distance_meters : body.max_distance_meters,
      retired,
    };
    checkPrimaryActive(values);
    if (values.is_primary && !gear.is_primary) await q.clearPrimary(tx, userId, gearId);
    await q.updateGear(tx, gearId, userId, values);
    return reread(tx, gearId, userId);
  });
}

/** Deletes the caller's gear; its runs stay in their history, on no gear. */
export async function remove(db: Queryable, userId: string, gearId: string): Promise<void> {
  if (!(await q.deleteGear(db, gearId, userId))) throw notFound('Gear');
}
