// A course made as the app makes one: POST /api/v1/courses from a run of its owner (written straight into the
// database), a 3 km line in Seoul unless `fields` say otherwise.
import assert from 'node:assert/strict';
import type { TestApp } from './app.js';
import { insertRun } from './run-records.js';
import type { TestUser } from './users.js';

export async function postCourse(t: Pick<TestApp, 'app' | 'db'>, owner: TestUser, fields: Record<string, unknown> = {}): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/courses',
    headers: owner.auth,
    payload: {
      run_record_id: await insertRun(t.db, { userId: owner.id, finishedAt: new Date(), distanceMeters: 3000 }),
      title: 'Han river loop',
      route_geometry: { type: 'LineString', coordinates: [[126.97, 37.56, 0], [126.98, 37.565, 0], [126.99, 37.56, 0]] },
      distance_meters: 3000,
      estimated_duration_seconds: 900,
      elevation_profile: [10, 14, 22, 18, 12],
      is_public: true,
      ...fields,
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id;
}
