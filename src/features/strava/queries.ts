// SQL of the Strava feature: the user's connection (tokens stored encrypted by the caller) and the Strava rows of
// external_imports, whose unique index uq_imports_external (user_id, source, external_id) is what keeps an activity
// from being imported twice, however many syncs run at once.
import type { Queryable } from '../../infra/db/database.js';

export interface ConnectionRow {
  [key: string]: unknown;
  user_id: string;
  strava_athlete_id: string;
  athlete_name: string | null;
  athlete_profile_url: string | null;
  /** encrypted */
  access_token: string;
  /** encrypted */
  refresh_token: string;
  token_expires_at: Date;
  auto_sync: boolean;
  last_sync_at: Date | null;
}

const CONNECTION_COLUMNS = `user_id, strava_athlete_id, athlete_name, athlete_profile_url, access_token, refresh_token,
  token_expires_at, auto_sync, last_sync_at`;

export async function upsertConnection(
  tx: Queryable,
  c: { userId: string; athleteId: string; name: string | null; profileUrl: string | null; access: string; refresh: string; expiresAt: Date },
): Promise<ConnectionRow> {
  const { rows } = await tx.query<ConnectionRow>(
    `INSERT INTO strava_connections (user_id, strava_athlete_id, athlete_name, athlete_profile_url, access_token, refresh_token,
                                     token_expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (user_id) DO UPDATE SET strava_athlete_id = excluded.strava_athlete_id, athlete_name = excluded.athlete_name,
       athlete_profile_url = excluded.athlete_profile_url, access_token = excluded.access_token,
       refresh_token = excluded.refresh_token, token_expires_at = excluded.token_expires_at, updated_at = now()
     RETURNING ${CONNECTION_COLUMNS}`,
    [c.userId, c.athleteId, c.name, c.profileUrl, c.access, c.refresh, c.expiresAt],
  );
  return rows[0]!;
}

export async function findConnection(db: Queryable, userId: string): Promise<ConnectionRow | undefined> {
  const { rows } = await db.query<ConnectionRow>(`SELECT ${CONNECTION_COLUMNS} FROM strava_connections WHERE user_id = $1`, [userId]);
  return rows[0];
}

/** The connection, locked until the transaction ends: one token refresh at a time per user. */
export async function lockConnection(tx: Queryable, userId: string): Promise<ConnectionRow | undefined> {
  const { rows } = await tx.query<ConnectionRow>(`SELECT ${CONNECTION_COLUMNS} FROM strava_connections WHERE user_id = $1 FOR UPDATE`, [
    userId,
  ]);
  return rows[0];
}

/**
 * Whether the user is still connected, holding a share lock: a disconnect (which deletes the row) waits for the
 * import in this transaction, so the clean-up after it sees that run.
 */
export async function holdConnection(tx: Queryable, userId: string): Promise<boolean> {
  const { rowCount } = await tx.query('SELECT 1 FROM strava_connections WHERE user_id = $1 FOR SHARE', [userId]);
  return (rowCount ?? 0) > 0;
}

export async function updateTokens(tx: Queryable, userId: string, access: string, refresh: string, expiresAt: Date): Promise<void> {
  await tx.query(
    'UPDATE strava_connections SET access_token = $2, refresh_token = $3, token_expires_at = $4, updated_at = now() WHERE user_id = $1',
    [userId, access, refresh, expiresAt],
  );
}

/** Deletes the connection; returns the database's time of it (Strava data created before it is the user's old data). */
export async function deleteConnection(tx: Queryable, userId: string): Promise<Date | undefined> {
  const { rows } = await tx.query<{ at: Date }>('DELETE FROM strava_connections WHERE user_id = $1 RETURNING clock_timestamp() AS at', [userId]);
  return rows[0]?.at;
}

export async function usersOfAthlete(db: Queryable, athleteId: string): Promise<{ user_id: string; auto_sync: boolean }[]> {
  const { rows } = await db.query<{ user_id: string; auto_sync: boolean }>(
    'SELECT user_id, auto_sync FROM strava_connections WHERE strava_athlete_id = $1',
    [athleteId],
  );
  return rows;
}

export async function touchLastSync(db: Queryable, userId: string): Promise<void> {
  await db.query('UPDATE strava_connections SET last_sync_at = now() WHERE user_id = $1', [userId]);
}

// --- imports ---

/** Of `externalIds`, those already imported or given up on (a pending import is still to be done). */
export async function settledImports(db: Queryable, userId: string, externalIds: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ external_id: string }>(
    `SELECT external_id FROM external_imports
      WHERE user_id = $1 AND source = 'strava' AND external_id = ANY($2::text[]) AND status <> 'pending'`,
    [userId, externalIds],
  );
  return new Set(rows.map((r) => r.external_id));
}

/** Creates the import of a requested activity (POST /strava/sync); undefined when it exists already. */
export async function insertPendingImport(tx: Queryable, userId: string, externalId: string, raw: unknown): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO external_imports (user_id, source, external_id, raw_metadata) VALUES ($1, 'strava', $2, $3)
     ON CONFLICT (user_id, source, external_id) DO NOTHING RETURNING id`,
    [userId, externalId, JSON.stringify(raw)],
  );
  return rows[0]?.id;
}

/**
 * Takes the activity's import for this transaction: a new row, or the pending one a request created. Undefined
 * when it was already imported, failed, or is being imported by a concurrent transaction (which this one waits
 * for: the unique index serialises them).
 */
export async function claimImport(tx: Queryable, userId: string, externalId: string, raw: unknown): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO external_imports AS i (user_id, source, external_id, raw_metadata, status) VALUES ($1, 'strava', $2, $3, 'processing')
     ON CONFLICT (user_id, source, external_id) DO UPDATE SET status = 'processing', raw_metadata = excluded.raw_metadata
       WHERE i.status = 'pending'
     RETURNING id`,
    [userId, externalId, JSON.stringify(raw)],
  );
  return rows[0]?.id;
}

/** Links the run and records what was imported, with the course the run completed if any. */
export async function completeImport(tx: Queryable, importId: string, runRecordId: string, summary: unknown): Promise<void> {
  await tx.query(
    `UPDATE external_imports i SET status = 'completed', run_record_id = $2, import_summary = $3, error_message = NULL,
            course_match = (SELECT jsonb_build_object('course_id', c.id, 'course_title', c.title,
                                                      'match_percent', r.route_match_percent, 'is_completed', true)
                              FROM run_records r JOIN courses c ON c.id = r.course_id
                             WHERE r.id = $2 AND r.course_completed)
      WHERE i.id = $1`,
    [importId, runRecordId, JSON.stringify(summary)],
  );
}

export async function failImport(tx: Queryable, importId: string, message: string): Promise<void> {
  await tx.query(`UPDATE external_imports SET status = 'failed', error_message = $2 WHERE id = $1`, [importId, message]);
}

export interface ImportRow {
  [key: string]: unknown;
  id: string;
  run_record_id: string | null;
  status: string;
}

export async function findImport(db: Queryable, userId: string, externalId: string): Promise<ImportRow | undefined> {
  const { rows } = await db.query<ImportRow>(
    `SELECT id, run_record_id, status FROM external_imports WHERE user_id = $1 AND source = 'strava' AND external_id = $2`,
    [userId, externalId],
  );
  return rows[0];
}

/** A renamed (still running) activity: its stored description follows. */
export async function updateImportMetadata(db: Queryable, importId: string, raw: unknown): Promise<void> {
  await db.query('UPDATE external_imports SET raw_metadata = $2 WHERE id = $1', [importId, JSON.stringify(raw)]);
}

export async function deleteImport(db: Queryable, importId: string): Promise<void> {
  await db.query('DELETE FROM external_imports WHERE id = $1', [importId]);
}

/** The user's runs that came from Strava, created before `before`. */
export async function stravaRunIds(db: Queryable, userId: string, before: Date): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM run_records WHERE user_id = $1 AND source = 'strava' AND created_at < $2`,
    [userId, before],
  );
  return rows.map((r) => r.id);
}

export async function deleteStravaImports(db: Queryable, userId: string, before: Date): Promise<void> {
  await db.query(`DELETE FROM external_imports WHERE user_id = $1 AND source = 'strava' AND created_at < $2`, [userId, before]);
}
