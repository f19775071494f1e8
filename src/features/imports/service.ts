// Activity file imports (API.md §12, RULES.md §12 with the GAPS fixes): the upload is streamed into the private
// 'imports' storage folder with a size cap, its kind decided from its bytes; the same bytes uploaded again answer
// with the first import; a background job turns the file into a run (job.ts); deleting an import deletes its run
// through the runs feature, so counters, rankings and course statistics follow.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import type { AppDeps } from '../../infra/deps.js';
import { AppError, conflict, notFound } from '../../infra/errors.js';
import { deleteRun } from '../runs/service.js';
import { IMPORT_FILE_JOB, type ImportFileJob } from './job.js';
import { detectKind, HEAD_BYTES } from './parse/detect.js';
import type { FileKind } from './parse/types.js';
import * as q from './queries.js';
import type { ImportAccepted, ImportDetail, ImportListQuery, ImportPage } from './schemas.js';

type Deps = Pick<AppDeps, 'db' | 'jobs' | 'config' | 'storage'>;

const SOURCES: Record<FileKind, q.ImportSource> = { gpx: 'gpx_upload', fit: 'fit_upload', tcx: 'tcx_upload' };

const refused = (message: string) => new AppError(400, 'VALIDATION_ERROR', message);

/** The name the user's device gave the file, for display only (it never names anything we store). */
function displayName(filename: string | undefined): string | null {
  const base = (filename ?? '').split(/[/\\]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean ? clean.slice(0, 255) : null;
}

/** Reads up to HEAD_BYTES from the part, and returns them with an iterator over the rest. */
async function readHead(file: AsyncIterable<Buffer>) {
  const rest = file[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  while (size < HEAD_BYTES) {
    const next = await rest.next();
    if (next.done) break;
    chunks.push(next.value);
    size += next.value.length;
  }
  return { head: Buffer.concat(chunks), rest };
}

/**
 * Stores the uploaded file and creates its import with the job that processes it, or answers with the import the
 * user already has of the same bytes. The kind comes from the content: a file named .gpx that holds FIT data is
 * imported as FIT, and anything that is none of GPX, TCX and FIT is refused (400), whatever its name.
 */
export async function uploadImport(
  deps: Deps,
  log: FastifyBaseLogger,
  userId: string,
  part: MultipartFile,
  maxMiB: number,
): Promise<ImportAccepted> {
  const { head, rest } = await readHead(part.file);
  const kind = head.length > 0 ? detectKind(head) : null;
  if (!kind) {
    for (let next = await rest.next(); !next.done; next = await rest.next()); // drain the (size-capped) part
    throw refused(head.length === 0 ? 'The file is empty' : 'The file is not a GPX, TCX or FIT activity file');
  }

  const hash = createHash('sha256');
  async function* bytes() {
    hash.update(head);
    yield head;
    for (let next = await rest.next(); !next.done; next = await rest.next()) {
      hash.update(next.value);
      yield next.value;
    }
  }
  const { key } = await deps.storage.put({ folder: 'imports', extension: `.${kind}`, body: Readable.from(bytes()) });
  // Busboy stops at the size limit and marks the part truncated.
  if (part.file.truncated) {
    await deleteQuietly(deps, log, key);
    throw new AppError(413, 'UPLOAD_TOO_LARGE', `The file is larger than ${maxMiB} MiB`);
  }
  const sha256 = hash.digest();

  let outcome: { row: q.ImportRow; created: boolean; replaced: string | null };
  try {
    outcome = await deps.db.transaction(async (tx) => {
      // A failed import of these bytes is tried again rather than answered.
      const replaced = (await q.deleteFailedByContent(tx, userId, sha256))?.file_path ?? null;
      const created = await q.insertFileImport(tx, { userId, source: SOURCES[kind], originalFilename: displayName(part.filename), fileKey: key, sha256 });
      if (created) {
        await deps.jobs.enqueue<ImportFileJob>(tx, IMPORT_FILE_JOB, { importId: created.id });
        return { row: created, created: true, replaced };
      }
      // The unique index made a concurrent upload of the same bytes wait for the first one: answer with it.
      const existing = await q.findByContent(tx, userId, sha256);
      if (!existing) throw conflict('DUPLICATE_IMPORT', 'The same file is being imported right now; try again');
      return { row: existing, created: false, replaced };
    });
  } catch (err) {
    await deleteQuietly(deps, log, key);
    throw err;
  }
  if (!outcome.created) await deleteQuietly(deps, log, key);
  if (outcome.replaced) await deleteQuietly(deps, log, outcome.replaced);
  return {
    import_id: outcome.row.id,
    status: outcome.row.status,
    message: outcome.created ? 'The file was received and is being imported' : 'This file was already uploaded: this is its import',
  };
}

function toDetail(r: q.ImportRow): ImportDetail {
  const s = r.import_summary;
  return {
    id: r.id,
    source: r.source,
    status: r.status,
    external_id: r.external_id,
    original_filename: r.original_filename,
    import_summary: s && {
      distance_meters: s.distance_meters,
      duration_seconds: s.duration_seconds,
      total_elapsed_seconds: s.total_elapsed_seconds ?? null,
      avg_pace_seconds_per_km: s.avg_pace_seconds_per_km ?? null,
      elevation_gain_meters: s.elevation_gain_meters,
      elevation_loss_meters: s.elevation_loss_meters,
      point_count: s.point_count,
      source_device: s.source_device ?? null,
    },
    course_match: r.course_match,
    run_record_id: r.run_record_id,
    error_message: r.error_message,
    created_at: r.created_at.toISOString(),
  };
}

export async function getImport(db: AppDeps['db'], userId: string, importId: string): Promise<ImportDetail> {
  const row = await q.findImport(db, importId, userId);
  if (!row) throw notFound('Import');
  return toDetail(row);
}

export async function listImports(db: AppDeps['db'], userId: string, query: ImportListQuery): Promise<ImportPage> {
  const { rows, total } = await q.listImports(db, userId, query.per_page, query.page * query.per_page);
  return { data: rows.map(toDetail), total_count: total, has_next: (query.page + 1) * query.per_page < total };
}

/**
 * Deletes the caller's import, its run (through the runs feature: counters, rankings and course statistics are
 * recomputed) and its stored file. The run goes first: should the rest fail, the import is still there (without
 * its run) to delete again. The import row is deleted last, locked by the delete: a job still processing it waits,
 * and a run it attached meanwhile is deleted as well.
 */
export async function deleteImport(deps: Deps, log: FastifyBaseLogger, userId: string, importId: string): Promise<void> {
  const row = await q.findImport(deps.db, importId, userId);
  if (!row) throw notFound('Import');
  if (row.run_record_id) await deleteRunIfThere(deps, userId, row.run_record_id);
  const deleted = await deps.db.transaction((tx) => q.deleteImport(tx, importId, userId));
  if (!deleted) throw notFound('Import');
  if (deleted.run_record_id) await deleteRunIfThere(deps, userId, deleted.run_record_id);
  if (deleted.file_path) await deleteQuietly(deps, log, deleted.file_path);
}

/** The user may have deleted the run already (DELETE /runs/{id}). */
async function deleteRunIfThere(deps: Deps, userId: string, runId: string): Promise<void> {
  try {
    await deleteRun(deps, userId, runId);
  } catch (err) {
    if (!(err instanceof AppError && err.statusCode === 404)) throw err;
  }
}

// A file left behind is only garbage; it must not fail a request whose change is committed.
async function deleteQuietly(deps: Pick<AppDeps, 'storage'>, log: FastifyBaseLogger, key: string): Promise<void> {
  try {
    await deps.storage.delete(key);
  } catch (err) {
    log.warn({ err, key }, 'could not delete an import file');
  }
}
