// Runs in a worker thread of the parse pool (parse-pool.ts): reads an activity file and builds its run. Parsing a
// large file is seconds of synchronous work and hundreds of MB of garbage, kept off the API's event loop and heap.
import { buildRun, type BuiltRun } from './activity.js';
import { parseFit } from './parse/fit.js';
import { parseGpx } from './parse/gpx.js';
import { parseTcx } from './parse/tcx.js';
import { ImportFileError, type ParsedActivity } from './parse/types.js';

export type FileSource = 'gpx_upload' | 'fit_upload' | 'tcx_upload';

export interface ParseTask {
  source: FileSource;
  bytes: Uint8Array;
  /** epoch ms: "now" for the check against timestamps in the future */
  now: number;
}

/** The run, or why the file cannot be imported (ImportFileError does not survive the trip between threads). */
export type ParseResult = { run: BuiltRun } | { error: string };

const PARSERS: Record<FileSource, (bytes: Buffer) => ParsedActivity> = {
  gpx_upload: parseGpx,
  fit_upload: parseFit,
  tcx_upload: parseTcx,
};

export default function parseActivityFile({ source, bytes, now }: ParseTask): ParseResult {
  // A Buffer arrives as a plain Uint8Array; this views the same memory.
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return { run: buildRun(PARSERS[source](buffer), new Date(now)) };
  } catch (err) {
    if (err instanceof ImportFileError) return { error: err.message };
    throw err;
  }
}
