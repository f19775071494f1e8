// Line strings as WKB (ISO, 2-D, little-endian) to and from PostGIS: binary doubles are sent and read without
// formatting or parsing decimal text, the cheapest way to move a run's thousands of points (see candidates.ts).
import type { LngLat } from '../matching/geo.js';

const HEADER = 9; // byte order (1) + geometry type (4) + number of points (4)
const LINESTRING = 2;

export function lineStringWkb(points: readonly LngLat[]): Buffer {
  const wkb = Buffer.allocUnsafe(HEADER + 16 * points.length);
  wkb.writeUInt8(1, 0);
  wkb.writeUInt32LE(LINESTRING, 1);
  wkb.writeUInt32LE(points.length, 5);
  let offset = HEADER;
  for (const [lng, lat] of points) {
    wkb.writeDoubleLE(lng, offset);
    wkb.writeDoubleLE(lat, offset + 8);
    offset += 16;
  }
  return wkb;
}

/** Reads a 2-D LineString as ST_AsBinary writes it (either byte order). */
export function readLineStringWkb(wkb: Buffer): LngLat[] {
  const le = wkb.readUInt8(0) === 1;
  const type = le ? wkb.readUInt32LE(1) : wkb.readUInt32BE(1);
  if (type !== LINESTRING) throw new Error(`Expected a 2-D WKB LineString, got type ${type}`);
  const n = le ? wkb.readUInt32LE(5) : wkb.readUInt32BE(5);
  const points = new Array<LngLat>(n);
  for (let i = 0, o = HEADER; i < n; i++, o += 16) {
    points[i] = le ? [wkb.readDoubleLE(o), wkb.readDoubleLE(o + 8)] : [wkb.readDoubleBE(o), wkb.readDoubleBE(o + 8)];
  }
  return points;
}
