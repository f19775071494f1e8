// FIT activity files, decoded with Garmin's FIT SDK. The file must pass the SDK's integrity check (header, size
// and CRC), so a truncated or damaged file is refused as a whole. Positions are semicircles; the moving time is
// the sum of the timer's running spans (timer start/stop events), else the session's total_timer_time.
import { Decoder, Profile, Stream } from '@garmin/fitsdk';
import { addPoint, checkPointCount, cleanName, ImportFileError, MAX_POINTS, type ActivityPoint, type ParsedActivity } from './types.js';

/** Every message counts against this, so a file of millions of tiny messages cannot fill the memory. */
const MAX_MESSAGES = 5 * MAX_POINTS;
const SEMICIRCLE_DEG = 180 / 2 ** 31;

type Fields = Record<string, unknown>;

const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : NaN);
const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

class TooLarge extends Error {}

export function parseFit(bytes: Buffer): ParsedActivity {
  if (!Decoder.isFIT(Stream.fromBuffer(bytes))) throw new ImportFileError('The file is not a FIT file');
  if (!new Decoder(Stream.fromBuffer(bytes)).checkIntegrity()) {
    throw new ImportFileError('The FIT file is damaged or incomplete (its size or checksum is wrong)');
  }
  let messages = 0;
  let records = 0;
  const { messages: m, errors } = new Decoder(Stream.fromBuffer(bytes)).read({
    mesgListener: (mesgNum) => {
      if (++messages > MAX_MESSAGES) throw new TooLarge();
      if (mesgNum === Profile.MesgNum.RECORD) checkPointCount(++records);
    },
    mergeHeartRates: false,
    decodeMemoGlobs: false,
    includeUnknownData: false,
  });
  const error = errors[0];
  if (error instanceof ImportFileError) throw error;
  if (error instanceof TooLarge) throw new ImportFileError(`The FIT file has more than ${MAX_MESSAGES.toLocaleString('en-US')} messages`);
  if (error) throw new ImportFileError('The FIT file could not be decoded: it is damaged');

  const fileId = (m.fileIdMesgs?.[0] ?? {}) as Fields;
  if (fileId.type !== undefined && fileId.type !== 'activity') {
    throw new ImportFileError(`The FIT file is not an activity (it is a "${String(fileId.type).slice(0, 30)}" file)`);
  }

  const points: ActivityPoint[] = [];
  for (const r of (m.recordMesgs ?? []) as Fields[]) {
    const lat = finite(r.positionLat);
    const lng = finite(r.positionLong);
    if (lat === null || lng === null) continue; // no GPS fix for this record
    addPoint(points, {
      lat: lat * SEMICIRCLE_DEG,
      lng: lng * SEMICIRCLE_DEG,
      t: ms(r.timestamp),
      ele: finite(r.enhancedAltitude) ?? finite(r.altitude),
      speed: finite(r.enhancedSpeed) ?? finite(r.speed),
    });
  }

  const sessions = (m.sessionMesgs ?? []) as Fields[];
  const timer = timerSpans((m.eventMesgs ?? []) as Fields[], points[points.length - 1]?.t ?? NaN);
  const sessionTimer = sessions.reduce<number | null>((sum, s) => (finite(s.totalTimerTime) === null ? sum : (sum ?? 0) + (s.totalTimerTime as number)), null);
  const calories = sessions.reduce<number | null>((sum, s) => (finite(s.totalCalories) === null ? sum : (sum ?? 0) + (s.totalCalories as number)), null);
  const device = ((m.deviceInfoMesgs ?? []) as Fields[]).find((d) => d.productName !== undefined);
  const serial = finite(fileId.serialNumber);
  const created = ms(fileId.timeCreated);

  return {
    kind: 'fit',
    points,
    timerSeconds: timer ? timer.seconds : sessionTimer,
    pauses: timer?.pauses ?? [],
    calories,
    sourceDevice: cleanName(device?.productName) ?? cleanName(fileId.manufacturer),
    activityKey: serial !== null && Number.isFinite(created) ? `fit:${serial}:${created / 1000}` : null,
  };
}

/** The timer's running time and its stopped spans, from timer events; null when the file has none. */
function timerSpans(events: Fields[], end: number): { seconds: number; pauses: [number, number][] } | null {
  const timerEvents = events
    .filter((e) => e.event === 'timer' && Number.isFinite(ms(e.timestamp)))
    .sort((a, b) => ms(a.timestamp) - ms(b.timestamp));
  if (!timerEvents.some((e) => e.eventType === 'start')) return null;
  let runningSince: number | null = null;
  let stoppedAt: number | null = null;
  let running = 0;
  const pauses: [number, number][] = [];
  for (const e of timerEvents) {
    const at = ms(e.timestamp);
    if (e.eventType === 'start' && runningSince === null) {
      if (stoppedAt !== null) pauses.push([stoppedAt, at]);
      runningSince = at;
    } else if (typeof e.eventType === 'string' && e.eventType.startsWith('stop') && runningSince !== null) {
      running += at - runningSince;
      runningSince = null;
      stoppedAt = at;
    }
  }
  if (runningSince !== null && end > runningSince) running += end - runningSince;
  return { seconds: running / 1000, pauses };
}
