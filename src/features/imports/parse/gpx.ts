// GPX 1.0/1.1: every point of every segment of every track, in file order. Speed comes from GPX 1.0's <speed>
// or the Garmin TrackPointExtension; the recording app is the `creator` attribute.
import { child, children, num, parseXml, text, time, unescapeXml } from './xml.js';
import { addPoint, cleanName, ImportFileError, type ActivityPoint, type ParsedActivity } from './types.js';

export function parseGpx(bytes: Buffer): ParsedActivity {
  const gpx = child(parseXml(bytes, 'trkpt', ['trk', 'trkseg', 'trkpt'], ['lat', 'lon', 'creator']), 'gpx');
  if (!gpx) throw new ImportFileError('The file is not a GPX document');
  const points: ActivityPoint[] = [];
  for (const trk of children(gpx, 'trk')) {
    for (const seg of children(trk, 'trkseg')) {
      for (const pt of children(seg, 'trkpt')) {
        const ext = child(pt, 'extensions');
        addPoint(points, {
          lat: num(pt['@_lat']) ?? NaN,
          lng: num(pt['@_lon']) ?? NaN,
          t: time(pt.time),
          ele: num(pt.ele),
          speed: num(pt.speed) ?? num(child(ext, 'TrackPointExtension')?.speed) ?? num(ext?.speed),
        });
      }
    }
  }
  return {
    kind: 'gpx',
    points,
    timerSeconds: null,
    pauses: [],
    calories: null,
    sourceDevice: cleanName(unescapeXml(text(gpx['@_creator']) ?? null)),
    activityKey: null,
  };
}
