// SQL of the imports feature. JSON values are sent as JSON text.
import type { Queryable } from '../../infra/db/database.js';
import type { ImportSummary } from './activity.js';

export type ImportSource = 'gpx_upload' | 'fit_upload' | 'tcx_upload' | 'strava';
export type ImportStatus = 'pending' | 'processing' | 'completed' | 'failed';

export interface CourseMatch {
  [key: string]: unknown;
  course_id: string;
  course_title: string;
  match_percent: number;
  is_completed: boolean;
}

export interface ImportRow {
  [key: string]: unknown;
  id: string;
  user_id: string;
  source: ImportSource;
  status: ImportStatus;
  external_id: string | null;
  original_filename: string | null;
  file_path: string | null;
  import_summary: ImportSummary | null;
  course_match: CourseMatch | null;
  run_record_id: string | null;
  error_message: string | null;
  created_at: Date;
}

const COLUMNS = `id, user_id, source, status, external_id, original_filename, file_path, import_summary, course_match,
  run_record_id, error_message, created_at`;

// What the user is shown: the course match only while the user may still see that course (DECISIONS "Privacy":
// a course made private since the import is its owner's alone).
const SHOWN_COLUMNS = `i.id, i.user_id, i.source, i.status, i.external_id, i.original_filename, i.file_path, i.import_summary,
  CASE WHEN c.id IS NOT NULL THEN i.course_match END AS course_match, i.run_record_id, i.error_message, i.created_at`;
const SHOWN_FROM = `external_imports i
  LEFT JOIN courses c ON c.id = (i.course_match->>'course_id')::uuid AND (c.is_public OR c.creator_id = i.user_id)`;

/** A new pending import; undefined when the user already has one of these bytes. */
export async function insertFileImport(
  tx: Queryable,
  i: { userId: string; source: ImportSource; originalFilename: string | null; fileKey: string; sha256: Buffer },
): Promise<ImportRow | undefined> {
  const { rows } = await tx.query<ImportRow>(
    `INSERT INTO external_imports (user_id, source, original_filename, file_path, content_sha256)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (user_id, content_sha256) DO NOTHING
     RETURNING ${COLUMNS}`,
    [i.userId, i.source, i.originalFilename, i.fileKey, i.sha256],
  );
  return rows[0];
}

export async function findByContent(db: Queryable, userId: string, sha256: Buffer): Promise<ImportRow | undefined> {
  const { rows } = await db.query<ImportRow>(`SELECT ${COLUMNS} FROM external_imports WHERE user_id = $1 AND content_sha256 = $2`, [
    userId,
    sha256,
  ]);
  return rows[0];
}

/** Removes a failed import of the same bytes, so the file can be tried again; returns its stored file. */
export async function deleteFailedByContent(tx: Queryable, userId: string, sha256: Buffer): Promise<{ file_path: string | null } | undefined> {
  const { rows } = await tx.query<{ file_path: string | null }>(
    "DELETE FROM external_imports WHERE user_id = $1 AND content_sha256 = $2 AND status = 'failed' RETURNING file_path",
    [userId, sha256],
  );
  return rows[0];
}

export async function findImport(db: Queryable, id: string, userId: string): Promise<ImportRow | undefined> {
  const { rows } = await db.query<ImportRow>(`SELECT ${SHOWN_COLUMNS} FROM ${SHOWN_FROM} WHERE i.id = $1 AND i.user_id = $2`, [id, userId]);
  return rows[0];
}

export async function listImports(db: Queryable, userId: string, limit: number, offset: number): Promise<{ rows: ImportRow[]; total: number }> {
  const [page, count] = await Promise.all([
    db.query<ImportRow>(
      `SELECT ${SHOWN_COLUMNS} FROM ${SHOWN_FROM} WHERE i.user_id = $1 ORDER BY i.created_at DESC, i.id DESC LIMIT $2 OFFSET $3`,
      [userId, limit, offset],
    ),
    db.query<{ n: number }>('SELECT count(*) AS n FROM external_imports WHERE user_id = $1', [userId]),
  ]);
  return { rows: page.rows, total: count.rows[0]!.n };
}

/** Deletes the caller's import; returns its run and stored file. */
export async function deleteImport(tx: Queryable, id: string, userId: string) {
  const { rows } = await tx.query<{ run_record_id: string | null; file_path: string | null }>(
    'DELETE FROM external_imports WHERE id = $1 AND user_id = $2 RETURNING run_record_id, file_path',
    [id, userId],
  );
  return rows[0];
}

// --- processing ---

/** Marks a pending import as being processed (again, after a crash); undefined when it is done or gone. */
export async function claimImport(db: Queryable, id: string) {
  const { rows } = await db.query<{ user_id: string; source: ImportSource; file_path: string | null }>(
    `UPDATE external_imports SET status = 'processing'
      WHERE id = $1 AND status IN ('pending', 'processing') AND run_record_id IS NULL
      RETURNING user_id, source, file_path`,
    [id],
  );
  return rows[0];
}

/** The import row, locked until the transaction ends. */
export async function lockImport(tx: Queryable, id: string) {
  const { rows } = await tx.query<{ user_id: string; source: ImportSource; status: ImportStatus; run_record_id: string | null }>(
    'SELECT user_id, source, status, run_record_id FROM external_imports WHERE id = $1 FOR UPDATE',
    [id],
  );
  return rows[0];
}

/** Serialises the processing of one user's imports, so two files of the same activity cannot both pass. */
export async function lockUserImports(tx: Queryable, userId: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('runcrew.imports:' || $1, 0))", [userId]);
}

export async function markFailed(db: Queryable, id: string, message: string): Promise<void> {
  await db.query(
    `UPDATE external_imports SET status = 'failed', error_message = $2
      WHERE id = $1 AND status IN ('pending', 'processing') AND run_record_id IS NULL`,
    [id, message],
  );
}

export async function markCompleted(
  tx: Queryable,
  id: string,
  c: { runRecordId: string; summary: ImportSummary; courseMatch: CourseMatch | null; activityKey: string | null },
): Promise<void> {
  await tx.query(
    `UPDATE external_imports SET status = 'completed', error_message = NULL, run_record_id = $2, import_summary = $3,
            course_match = $4, activity_key = $5
      WHERE id = $1`,
    [id, c.runRecordId, JSON.stringify(c.summary), c.courseMatch && JSON.stringify(c.courseMatch), c.activityKey],
  );
}

/**
 * A run of the user that is this activity: one of their imports with the same recorder key, or any run of theirs
 * that started within `seconds` of it and has about the same distance.
 */
export async function findSameActivity(
  tx: Queryable,
  a: { userId: string; activityKey: string | null; startedAt: Date; distanceMeters: number; seconds: number; distanceTolerance: number },
): Promise<{ import_id: string | null } | undefined> {
  const { rows } = await tx.query<{ import_id: string | null }>(
    `(SELECT id AS import_id FROM external_imports WHERE user_id = $1 AND activity_key = $2)
     UNION ALL
     (SELECT r.external_import_id FROM run_records r
       WHERE r.user_id = $1
         AND r.started_at BETWEEN $3::timestamptz - make_interval(secs => $5) AND $3::timestamptz + make_interval(secs => $5)
         AND abs(r.distance_meters - $4) <= greatest($6, $4 * 0.05))
     LIMIT 1`,
    [a.userId, a.activityKey, a.startedAt, a.distanceMeters, a.seconds, a.distanceTolerance],
  );
  return rows[0];
}

export async function insertImportedSession(tx: Queryable, userId: string, startedAt: Date, deviceInfo: object): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO run_sessions (user_id, status, started_at, device_info) VALUES ($1, 'imported', $2, $3) RETURNING id`,
    [userId, startedAt, JSON.stringify(deviceInfo)],
  );
  return rows[0]!.id;
}

/** How the run matched its course, as the import shows it. */
export async function courseMatchOf(tx: Queryable, runRecordId: string): Promise<CourseMatch | null> {
  const { rows } = await tx.query<CourseMatch>(
    `SELECT c.id AS course_id, c.title AS course_title, coalesce(r.route_match_percent, 0) AS match_percent,
            coalesce(r.course_completed, false) AS is_completed
       FROM run_records r JOIN courses c ON c.id = r.course_id
      WHERE r.id = $1`,
    [runRecordId],
  );
  return rows[0] ?? null;
}
