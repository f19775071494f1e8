// The completion case: a 60-minute run (3,600 fixes at 1 Hz) finished against 10 candidate courses of about
// 1,000 points each, laid along the run far from the seeded catalogue so nothing else is a candidate.
import type pg from 'pg';
import { completionOf, shifted } from '../../test/helpers/runs.js';
import { course, simulateRun, slice, type XY } from '../../test/helpers/tracks.js';

const SPOT: XY = [2_000_000, 0]; // 2,000 km east of Seoul, over the Pacific
const RUNNERS = 50;

export interface CompletionFixture {
  /** The completion body (about 150 KB of JSON) every session sends. */
  body: ReturnType<typeof completionOf>;
  runners: string[];
  startedAt: string;
}

/** A 10.8 km zig-zag run and ten 3 km courses along it with a vertex every 3 m. */
function fixture() {
  const zigzag: XY[] = [];
  for (let i = 0; i <= 12; i++) zigzag.push([i * 800, i % 2 === 0 ? 0 : 300]);
  const path = shifted(zigzag, SPOT);
  const sim = simulateRun({ path, speed: 3, noise: 4, seed: 3, startTime: Date.now() - 4 * 3600_000 });
  const points = sim.points.slice(0, 3600);
  const routes = Array.from({ length: 10 }, (_, k) => course(slice(path, 200 + k * 700, 200 + k * 700 + 3000), 3));
  return { points, routes };
}

export async function seedCompletion(db: pg.Pool): Promise<void> {
  const { routes } = fixture();
  await db.query(`INSERT INTO users (nickname) SELECT 'bu' || i FROM generate_series(1, $1::int) i ON CONFLICT DO NOTHING`, [RUNNERS]);
  for (const [k, route] of routes.entries()) {
    const wkt = `LINESTRING(${route.map(([lng, lat]) => `${lng} ${lat}`).join(',')})`;
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO courses (creator_id, title, distance_meters, route_geometry, start_point, difficulty)
       SELECT id, $1, round(ST_Length(ST_GeogFromText($2))), ST_GeogFromText($2), ST_StartPoint(ST_GeomFromText($2, 4326))::geography, 'normal'
         FROM users WHERE nickname = 'bu1' RETURNING id`,
      [`Bench candidate ${k}`, wkt],
    );
    await db.query('INSERT INTO course_stats (course_id) VALUES ($1)', [rows[0]!.id]);
  }
}

export async function completionFixture(db: pg.Pool): Promise<CompletionFixture> {
  const { points } = fixture();
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM users WHERE nickname LIKE 'bu%' ORDER BY nickname`);
  return { body: completionOf(points), runners: rows.map((r) => r.id), startedAt: new Date(points[0]!.t).toISOString() };
}

/** `count` fresh active sessions, spread over the runners, ready to be completed. */
export async function newSessions(db: pg.Pool, f: CompletionFixture, count: number): Promise<{ id: string; userId: string }[]> {
  const { rows } = await db.query<{ id: string; user_id: string }>(
    `INSERT INTO run_sessions (user_id, started_at)
     SELECT ($1::uuid[])[1 + i % cardinality($1::uuid[])], $2 FROM generate_series(0, $3::int - 1) i
     RETURNING id, user_id`,
    [f.runners, f.startedAt, count],
  );
  return rows.map((r) => ({ id: r.id, userId: r.user_id }));
}
