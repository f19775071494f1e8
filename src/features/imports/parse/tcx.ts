// Garmin Training Center (TCX) v2: the first activity's laps and their trackpoints. A lap's TotalTimeSeconds is
// the watch's timer time (pauses excluded), so their sum is the moving time.
import { child, children, num, parseXml, text, time, unescapeXml } from './xml.js';
import { addPoint, cleanName, ImportFileError, type ActivityPoint, type ParsedActivity } from './types.js';

export function parseTcx(bytes: Buffer): ParsedActivity {
  const root = child(parseXml(bytes, 'Trackpoint', ['Activity', 'Lap', 'Track', 'Trackpoint']), 'TrainingCenterDatabase');
  const activity = children(child(root, 'Activities'), 'Activity')[0];
  if (!activity) throw new ImportFileError('The TCX file holds no activity');
  const points: ActivityPoint[] = [];
  const laps = children(activity, 'Lap');
  let timer = 0;
  let timerKnown = laps.length > 0;
  let calories: number | null = null;
  for (const lap of laps) {
    const seconds = num(lap.TotalTimeSeconds);
    if (seconds === null || seconds < 0) timerKnown = false;
    else timer += seconds;
    const kcal = num(lap.Calories);
    if (kcal !== null && kcal >= 0) calories = (calories ?? 0) + kcal;
    for (const track of children(lap, 'Track')) {
      for (const tp of children(track, 'Trackpoint')) {
        const position = child(tp, 'Position');
        if (!position) continue; // indoor or GPS not yet fixed
        addPoint(points, {
          lat: num(position.LatitudeDegrees) ?? NaN,
          lng: num(position.LongitudeDegrees) ?? NaN,
          t: time(tp.Time),
          ele: num(tp.AltitudeMeters),
          speed: num(child(child(tp, 'Extensions'), 'TPX')?.Speed),
        });
      }
    }
  }
  return {
    kind: 'tcx',
    points,
    timerSeconds: timerKnown && timer > 0 ? timer : null,
    pauses: [],
    calories,
    sourceDevice: cleanName(unescapeXml(text(child(activity, 'Creator')?.Name) ?? null)),
    activityKey: null,
  };
}
