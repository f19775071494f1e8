// A run as a GPX 1.1 document (gpx-builder writes and escapes the XML). App runs keep their recorded GPS points
// in run_chunks, which give positions, times and altitudes; runs without them (imports, old data) export the
// positions of their stored route only.
import { BaseBuilder, buildGPX } from 'gpx-builder';
import type { Queryable } from '../../infra/db/database.js';
import { recordedPoints, type ExportRun, type RecordedPoint } from './queries.js';

const { Metadata, Point, Segment, Track } = BaseBuilder.MODELS;

type GpxPoint = InstanceType<typeof Point>;

function recordedTrack(points: RecordedPoint[]): GpxPoint[] {
  // The app sends altitude 0 when it has none: a track of zeros is unknown elevation, not sea level.
  const hasElevation = points.some((p) => p.alt !== null && p.alt !== 0);
  return points.map(
    (p) =>
      new Point(p.lat, p.lng, {
        ...(hasElevation && p.alt !== null ? { ele: p.alt } : {}),
        ...(p.ts !== null && Number.isFinite(p.ts) ? { time: new Date(p.ts) } : {}),
      }),
  );
}

export function runGpx(run: ExportRun, recorded: RecordedPoint[]): string {
  const points = recorded.length > 0 ? recordedTrack(recorded) : (run.route?.coordinates ?? []).map(([lng, lat]) => new Point(lat, lng));
  const name = `RunCrew run ${run.started_at.toISOString().slice(0, 10)}`;
  const builder = new BaseBuilder();
  builder.setMetadata(new Metadata({ name, time: run.started_at }));
  // An empty <trkseg> would be written as a bare <trkpt/>, which is not valid GPX: no points, no track.
  if (points.length > 0) builder.setTracks([new Track([new Segment(points)], { name, type: 'running' })]);
  const data = builder.toObject();
  return buildGPX({ ...data, attributes: { ...data.attributes, creator: 'RunCrew' } });
}

/** The GPX document of a run, its recorded points read from the database. */
export async function loadRunGpx(db: Queryable, run: ExportRun): Promise<string> {
  return runGpx(run, await recordedPoints(db, run.session_id));
}

/** `runcrew-run-2026-02-17-<run id>.gpx` */
export function gpxFileName(run: Pick<ExportRun, 'id' | 'started_at'>): string {
  return `runcrew-run-${run.started_at.toISOString().slice(0, 10)}-${run.id}.gpx`;
}
