// SQL of the gear feature. A gear's mileage is summed from its runs (idx_runs_gear), never stored.
import type { Queryable } from '../../infra/db/database.js';

export interface GearRow {
  [key: string]: unknown;
  id: string;
  brand: string;
  model_name: string;
  image_url: string | null;
  is_primary: boolean;
  max_distance_meters: number | null;
  /** a Date from the driver, ISO text from gearJson */
  retired_at: Date | string | null;
  created_at: Date | string;
  total_distance_meters: number;
}

/** A gear's mileage; `withStrava` (SQL): whether runs imported from Strava count (only for their owner, DECISIONS "Privacy"). */
const mileage = (withStrava: string) =>
  `coalesce((SELECT sum(r.distance_meters) FROM run_records r WHERE r.gear_id = g.id AND (${withStrava} OR r.source <> 'strava')), 0)`;
const GEAR_COLUMNS = `g.id, g.brand, g.model_name, g.image_url, g.is_primary, g.max_distance_meters, g.retired_at, g.created_at,
  ${mileage('$2')} AS total_distance_meters`;
/** The primary first, retired last, then in the order it was added. */
const GEAR_ORDER = 'g.is_primary DESC, g.retired_at IS NOT NULL, g.created_at, g.id';

/** The gear of `userId` (SQL) as one JSON array of GearRow, for a query that shows it with other things (a profile). */
export const gearJson = (userId: string, withStrava: string) =>
  `(SELECT coalesce(json_agg(json_build_object(
      'id', g.id, 'brand', g.brand, 'model_name', g.model_name, 'image_url', g.image_url, 'is_primary', g.is_primary,
      'max_distance_meters', g.max_distance_meters, 'retired_at', g.retired_at, 'created_at', g.created_at,
      'total_distance_meters', ${mileage(withStrava)}) ORDER BY ${GEAR_ORDER}), '[]')
      FROM user_gear g WHERE g.user_id = ${userId})`;

/** The user's gear, in GEAR_ORDER. */
export async function listGear(db: Queryable, userId: string, withStrava: boolean): Promise<GearRow[]> {
  const { rows } = await db.query<GearRow>(
    `SELECT ${GEAR_COLUMNS} FROM user_gear g WHERE g.user_id = $1 ORDER BY ${GEAR_ORDER}`,
    [userId, withStrava],
  );
  return rows;
}

export async function findGear(db: Queryable, gearId: string, userId: string): Promise<GearRow | undefined> {
  const { rows } = await db.query<GearRow>(`SELECT ${GEAR_COLUMNS} FROM user_gear g WHERE g.id = $3 AND g.user_id = $1`, [
    userId,
    true,
    gearId,
  ]);
  return rows[0];
}

export async function userExists(db: Queryable, userId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM users WHERE id = $1', [userId]);
  return (rowCount ?? 0) > 0;
}

/**
 * Locks the user's row for the rest of the transaction: gear changes of one user run one at a time, so the count
 * limit holds and switching the primary gear never meets another switch half-done. False when the user is gone.
 */
export async function lockGearOwner(tx: Queryable, userId: string): Promise<boolean> {
  const { rowCount } = await tx.query('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [userId]);
  return (rowCount ?? 0) > 0;
}

export async function countGear(tx: Queryable, userId: string): Promise<number> {
  const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM user_gear WHERE user_id = $1', [userId]);
  return rows[0]!.n;
}

/** Makes no gear of the user primary except `keepId`. */
export async function clearPrimary(tx: Queryable, userId: string, keepId: string | null): Promise<void> {
  await tx.query('UPDATE user_gear SET is_primary = false WHERE user_id = $1 AND is_primary AND id IS DISTINCT FROM $2', [userId, keepId]);
}

export interface GearValues {
  brand: string;
  model_name: string;
  image_url: string | null;
  is_primary: boolean;
  max_distance_meters: number | null;
  retired: boolean;
}

export async function insertGear(tx: Queryable, userId: string, v: GearValues): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO user_gear (user_id, brand, model_name, image_url, is_primary, max_distance_meters, retired_at)
     VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::boolean THEN now() END) RETURNING id`,
    [userId, v.brand, v.model_name, v.image_url, v.is_primary, v.max_distance_meters, v.retired],
  );
  return rows[0]!.id;
}

/** Writes the gear's new values; retired_at keeps its first date while the gear stays retired. */
export async function updateGear(tx: Queryable, gearId: string, userId: string, v: GearValues): Promise<void> {
  await tx.query(
    `UPDATE user_gear SET brand = $3, model_name = $4, image_url = $5, is_primary = $6, max_distance_meters = $7,
            retired_at = CASE WHEN $8::boolean THEN coalesce(retired_at, now()) END
      WHERE id = $1 AND user_id = $2`,
    [gearId, userId, v.brand, v.model_name, v.image_url, v.is_primary, v.max_distance_meters, v.retired],
  );
}

/** Deletes the gear; its runs stay, without gear (fk_runs_gear sets their gear_id to null). */
export async function deleteGear(tx: Queryable, gearId: string, userId: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM user_gear WHERE id = $1 AND user_id = $2', [gearId, userId]);
  return (rowCount ?? 0) > 0;
}

/** The user's primary gear, which a new run naming none is counted on; locked against deletion until it is stored. */
export async function primaryGearFor(tx: Queryable, userId: string): Promise<string | null> {
  const { rows } = await tx.query<{ id: string }>('SELECT id FROM user_gear WHERE user_id = $1 AND is_primary FOR KEY SHARE', [userId]);
  return rows[0]?.id ?? null;
}

/** Whether the gear is the user's; if so it is locked against deletion until the run naming it is stored. */
export async function isOwnGear(tx: Queryable, userId: string, gearId: string): Promise<boolean> {
  const { rowCount } = await tx.query('SELECT 1 FROM user_gear WHERE id = $1 AND user_id = $2 FOR KEY SHARE', [gearId, userId]);
  return (rowCount ?? 0) > 0;
}
