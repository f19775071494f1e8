// The 'import-file' job: reads the stored file, builds the run, and hands it to the shared run pipeline in one
// transaction with the import's completion. Safe to run again: the import row is locked and a completed one
// (or one already holding its run) is left alone, so a retry after a crash never makes a second run.
import type { Logger } from 'pino';
import type { AppDeps } from '../../infra/deps.js';
import { AppError } from '../../infra/errors.js';
import { finishRun } from '../runs/pipeline.js';
import type { BuiltRun } from './activity.js';
import { parsePool } from './parse-pool.js';
import * as q from './queries.js';

export const IMPORT_FILE_JOB = 'import-file';
const RETRY_LIMIT = 3;
/** Another run of the user that started this close to the activity, with about its distance, is the same run. */
const SAME_START_SECONDS = 10;
const SAME_DISTANCE_METERS = 50;

export interface ImportFileJob {
  importId: string;
}

type Deps = Pick<AppDeps, 'db' | 'jobs' | 'config' | 'storage' | 'logger'>;

/**
 * The activity in the stored file, or the message saying why it cannot be imported. Whatever goes wrong while
 * reading a file happens again on every attempt, so it fails the import rather than being retried (a shutdown
 * during the read throws, and the job is retried).
 */
async function readActivity(deps: Deps, log: Logger, source: q.ImportSource, fileKey: string | null): Promise<BuiltRun | string> {
  if (source === 'strava' || !fileKey) return 'The import has no file to read';
  let bytes: Buffer;
  try {
    bytes = await deps.storage.get(fileKey);
  } catch (err) {
    if (err instanceof AppError && err.statusCode === 404) return 'The uploaded file is missing; upload it again';
    throw err; // storage unavailable: retried
  }
  return parsePool(deps).parse(source, bytes, log);
}

export async function processImport(deps: Deps, log: Logger, importId: string): Promise<void> {
  const claimed = await q.claimImport(deps.db, importId);
  if (!claimed) return; // done, failed, or deleted
  const built = await readActivity(deps, log, claimed.source, claimed.file_path);
  if (typeof built === 'string') {
    await q.markFailed(deps.db, importId, built);
    return;
  }
  const source = claimed.source as 'gpx_upload' | 'fit_upload' | 'tcx_upload';
  const parsedKey = built.activityKey;

  await deps.db.transaction(async (tx) => {
    const row = await q.lockImport(tx, importId);
    if (!row || row.status !== 'processing' || row.run_record_id) return; // deleted, or finished by an earlier attempt
    await q.lockUserImports(tx, row.user_id);
    const same = await q.findSameActivity(tx, {
      userId: row.user_id,
      activityKey: parsedKey,
      startedAt: built.values.started_at,
      distanceMeters: built.values.distance_meters,
      seconds: SAME_START_SECONDS,
      distanceTolerance: SAME_DISTANCE_METERS,
    });
    if (same) {
      await q.markFailed(
        tx,
        importId,
        same.import_id ? `This activity was already imported (import ${same.import_id})` : 'This activity is already among your runs',
      );
      return;
    }
    const sessionId = await q.insertImportedSession(tx, row.user_id, built.values.started_at, {
      source,
      device: built.summary.source_device,
    });
    const finished = await finishRun(deps, tx, {
      userId: row.user_id,
      sessionId,
      chosenCourseId: null,
      source,
      values: { ...built.values, external_import_id: importId },
      route: built.route,
      track: built.track,
    });
    await q.markCompleted(tx, importId, {
      runRecordId: finished.runRecordId,
      summary: built.summary,
      courseMatch: finished.courseId ? await q.courseMatchOf(tx, finished.runRecordId) : null,
      activityKey: parsedKey,
    });
  });
}

export function registerImportJobs(deps: AppDeps): void {
  deps.jobs.register<ImportFileJob>(
    IMPORT_FILE_JOB,
    async (job) => {
      const log = deps.logger.child({ job: job.name, importId: job.data.importId });
      try {
        await processImport(deps, log, job.data.importId);
      } catch (err) {
        // After the last attempt the user sees why; uploading the same file again retries it.
        if (job.retryCount >= RETRY_LIMIT) await q.markFailed(deps.db, job.data.importId, 'The import failed because of a server error; upload the file again');
        throw err;
      }
    },
    { retryLimit: RETRY_LIMIT, retryDelay: 10, retryBackoff: true, expireInSeconds: 10 * 60 },
  );
}
