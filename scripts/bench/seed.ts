// SQL-side generation of the benchmark data. Everything is deterministic enough to compare runs:
// positions come from random() but the sizes, areas and shapes are fixed.
import type pg from 'pg';

/** `count` public courses (every tenth private) spread over South Korea, each with a stats row. */
export async function seedCourses(db: pg.Pool, count: number): Promise<void> {
  await db.query(`INSERT INTO users (nickname) SELECT 'bc' || i FROM generate_series(1, 1000) i ON CONFLICT DO NOTHING`);
  await db.query(
    `INSERT INTO courses (creator_id, title, distance_meters, route_geometry, start_point, is_public, difficulty, created_at)
     SELECT cr.id, 'Bench course ' || g.i, 1000 + (g.i % 9000),
            ST_MakeLine(ST_MakePoint(g.lng, g.lat), ST_MakePoint(g.lng + 0.01, g.lat + 0.005))::geography,
            ST_MakePoint(g.lng, g.lat)::geography, g.i % 10 <> 0, 'easy', now() - make_interval(mins => g.i)
       FROM (SELECT i, 126.3 + random() * 3.0 AS lng, 34.6 + random() * 3.4 AS lat FROM generate_series(1, $1::int) i) g
       JOIN (SELECT id, row_number() OVER () - 1 AS n FROM users WHERE nickname LIKE 'bc%') cr ON cr.n = g.i % 1000`,
    [count],
  );
  await db.query(`INSERT INTO course_stats (course_id) SELECT id FROM courses ON CONFLICT DO NOTHING`);
  await db.query('VACUUM ANALYZE courses');
  await db.query('VACUUM ANALYZE course_stats');
}

/** One course with `runners` users on its leaderboard (distinct times, some ties broken by date). */
export async function seedLeaderboard(db: pg.Pool, runners: number): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO courses (creator_id, title, distance_meters, route_geometry, start_point, difficulty)
     SELECT id, 'Bench leaderboard', 5000, ST_GeogFromText('LINESTRING(127.0 37.5, 127.02 37.51)'),
            ST_GeogFromText('POINT(127.0 37.5)'), 'normal'
       FROM users WHERE nickname = 'bc1' RETURNING id`,
  );
  const courseId = rows[0]!.id;
  await db.query('INSERT INTO course_stats (course_id) VALUES ($1)', [courseId]);
  await db.query(`INSERT INTO users (nickname) SELECT 'br' || i FROM generate_series(1, $1::int) i ON CONFLICT DO NOTHING`, [runners]);
  await db.query(
    `INSERT INTO rankings (course_id, user_id, best_duration_seconds, best_pace_seconds_per_km, run_count, achieved_at)
     SELECT $1, u.id, 1200 + (random() * 2400)::int, 300, 1 + (random() * 5)::int, now() - make_interval(secs => random() * 3e7)
       FROM users u WHERE u.nickname LIKE 'br%'`,
    [courseId],
  );
  await db.query('VACUUM ANALYZE rankings');
  await db.query('VACUUM ANALYZE ranking_time_counts');
  return courseId;
}
