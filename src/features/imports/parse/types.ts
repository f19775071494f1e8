// What every parser (GPX, TCX, FIT) produces, and the error that ends an import with a message for the user.

export type FileKind = 'gpx' | 'tcx' | 'fit';

/** Most track points an imported file may hold: 27 hours at one fix per second. */
export const MAX_POINTS = 100_000;

/** A timed GPS fix: degrees, epoch milliseconds, metres and metres per second. */
export interface ActivityPoint {
  lat: number;
  lng: number;
  t: number;
  ele: number | null;
  speed: number | null;
}

export interface ParsedActivity {
  kind: FileKind;
  /** positioned, timed fixes in time order */
  points: ActivityPoint[];
  /** the recorder's own moving time in seconds (FIT timer, TCX laps), when the file states it */
  timerSeconds: number | null;
  /** spans (epoch ms) during which the recorder's timer was stopped (FIT timer events) */
  pauses: [number, number][];
  calories: number | null;
  sourceDevice: string | null;
  /** the recorder's identity of this activity (FIT file_id), to recognise it in another file */
  activityKey: string | null;
}

/** A file that cannot be imported; the message is shown to the user as the import's error_message. */
export class ImportFileError extends Error {}

const tooMany = () => new ImportFileError(`The file has more than ${MAX_POINTS.toLocaleString('en-US')} track points`);

export function checkPointCount(count: number): void {
  if (count > MAX_POINTS) throw tooMany();
}

/**
 * Appends a fix if it is usable: finite coordinates in range and a time. A fix whose time goes backwards is
 * dropped (tracks are read in time order, as the matcher expects them).
 */
export function addPoint(points: ActivityPoint[], p: ActivityPoint): void {
  if (!Number.isFinite(p.lat) || !Number.isFinite(p.lng) || !Number.isFinite(p.t)) return;
  if (Math.abs(p.lat) > 90 || Math.abs(p.lng) > 180) return;
  const last = points[points.length - 1];
  if (last && p.t < last.t) return;
  if (points.length >= MAX_POINTS) throw tooMany();
  points.push({
    lat: p.lat,
    lng: p.lng,
    t: p.t,
    ele: p.ele !== null && Number.isFinite(p.ele) ? p.ele : null,
    speed: p.speed !== null && Number.isFinite(p.speed) && p.speed >= 0 ? p.speed : null,
  });
}

/** A name from the file (creator, device) as plain short text. */
export function cleanName(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const text = String(value).replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  return text ? text.slice(0, 100) : null;
}
