// Exports: one run as GPX, and the whole of a user's data (GDPR) as a ZIP built by a background job into the
// private 'exports' folder, which is never served publicly: only its owner downloads it, through the API.
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { AppDeps } from '../../infra/deps.js';
import type { Database } from '../../infra/db/database.js';
import { notFound } from '../../infra/errors.js';
import { userArchive } from './archive.js';
import { gpxFileName, loadRunGpx } from './gpx.js';
import * as q from './queries.js';
import type { ExportStatus } from './schemas.js';

export const USER_EXPORT_JOB = 'user-data-export';
export const USER_EXPORT_RETRY_LIMIT = 2;

export interface UserExportJob {
  exportId: string;
}

/** The run's GPX and its file name; 404 unless the caller owns the run. */
export async function runGpxExport(db: Database, userId: string, runId: string): Promise<{ fileName: string; gpx: string }> {
  const run = await q.findRun(db, runId);
  if (!run || run.user_id !== userId) throw notFound('Run');
  return { fileName: gpxFileName(run), gpx: await loadRunGpx(db, run) };
}

/** `exportsUrl`: the absolute URL of /users/me/export, under which each archive is downloaded. */
function toStatus(exportsUrl: string, row: q.ExportRow): ExportStatus {
  return {
    id: row.id,
    status: row.status,
    created_at: row.created_at.toISOString(),
    completed_at: row.completed_at?.toISOString() ?? null,
    size_bytes: row.size_bytes,
    download_url: row.status === 'ready' ? `${exportsUrl}/${row.id}/download` : null,
  };
}

/** Starts an export, or returns the one already in progress (one at a time per user). */
export async function requestUserExport(deps: Pick<AppDeps, 'db' | 'jobs'>, exportsUrl: string, userId: string): Promise<ExportStatus> {
  const row = await deps.db.transaction(async (tx) => {
    const created = await q.insertPendingExport(tx, userId);
    if (created) await deps.jobs.enqueue<UserExportJob>(tx, USER_EXPORT_JOB, { exportId: created.id });
    return created ?? (await q.latestExport(tx, userId));
  });
  return toStatus(exportsUrl, row!);
}

export async function userExportStatus(db: Database, exportsUrl: string, userId: string): Promise<ExportStatus> {
  const row = await q.latestExport(db, userId);
  if (!row) throw notFound('Export');
  return toStatus(exportsUrl, row);
}

/** The caller's ready archive as a stream; 404 for anyone else's, or one not ready (or replaced) yet. */
export async function openUserExport(
  deps: Pick<AppDeps, 'db' | 'storage'>,
  userId: string,
  exportId: string,
): Promise<{ stream: Readable; size: number | null; fileName: string }> {
  const row = await q.findExport(deps.db, exportId);
  if (!row || row.user_id !== userId || row.status !== 'ready' || !row.file_key) throw notFound('Export');
  const stream = await deps.storage.stream(row.file_key);
  const day = (row.completed_at ?? row.created_at).toISOString().slice(0, 10);
  return { stream, size: row.size_bytes, fileName: `runcrew-data-${day}.zip` };
}

/** The job: writes the archive, marks the export ready, and removes the user's older archives. */
export async function buildUserExport(deps: Pick<AppDeps, 'db' | 'storage'>, log: Logger, exportId: string): Promise<void> {
  const userId = await q.claimExport(deps.db, exportId);
  if (!userId) return; // already done, or the account was deleted
  const archive = await userArchive(deps.db, userId);
  const { key } = await deps.storage.put({ folder: 'exports', extension: '.zip', body: archive.stream });
  let ready: boolean;
  try {
    ready = await q.markReady(deps.db, exportId, key, archive.size());
  } catch (err) {
    await deleteQuietly(deps, log, key);
    throw err;
  }
  if (!ready) {
    await deleteQuietly(deps, log, key); // the account was deleted meanwhile
    return;
  }
  for (const old of await q.deleteOlderExports(deps.db, userId, exportId)) await deleteQuietly(deps, log, old);
}

export function registerExportJobs(deps: AppDeps): void {
  deps.jobs.register<UserExportJob>(
    USER_EXPORT_JOB,
    async (job) => {
      const log = deps.logger.child({ job: job.name, exportId: job.data.exportId });
      try {
        await buildUserExport(deps, log, job.data.exportId);
      } catch (err) {
        // After the last attempt the user sees 'failed' and may ask again.
        if (job.retryCount >= USER_EXPORT_RETRY_LIMIT) await q.markFailed(deps.db, job.data.exportId);
        throw err;
      }
    },
    { retryLimit: USER_EXPORT_RETRY_LIMIT, retryDelay: 30, expireInSeconds: 30 * 60 },
  );
}

async function deleteQuietly(deps: Pick<AppDeps, 'storage'>, log: Logger, key: string): Promise<void> {
  try {
    await deps.storage.delete(key);
  } catch (err) {
    log.warn({ err, key }, 'could not delete an export file');
  }
}
