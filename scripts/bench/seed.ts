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
  // The trigger updated each of the ~2,400 count rows about 40 times: compacted, as a table of steady small
  // updates stays, instead of 600 pages of dead rows read by every rank.
  await db.query('VACUUM FULL ANALYZE ranking_time_counts');
  return courseId;
}

const ZONES = ['Asia/Seoul', 'Asia/Tokyo', 'Europe/Berlin', 'America/New_York', 'UTC'];

/**
 * A crew of `members` users (time zones set, one of five per member) with `runs` runs over eight weeks: an eighth
 * between Monday 00:00 UTC of the current week and now, so "this week" always holds about as many runs whatever
 * the weekday, the rest over the seven weeks before; 2% from Strava and 1% implausible (never counted). Seeding
 * again (a later week) replaces the previous crew, its members and their runs.
 */
export async function seedCrewWeekly(db: pg.Pool, members: number, runs: number): Promise<void> {
  await db.query(`DELETE FROM crews WHERE name = 'Bench crew'`);
  await db.query(`DELETE FROM users WHERE nickname LIKE 'bw%'`);
  await db.query(
    `INSERT INTO users (nickname, time_zone) SELECT 'bw' || i, ($2::text[])[1 + i % cardinality($2::text[])] FROM generate_series(1, $1::int) i`,
    [members, ZONES],
  );
  const { rows } = await db.query<{ id: string }>(`INSERT INTO crews (name) VALUES ('Bench crew') RETURNING id`);
  await db.query(
    `INSERT INTO crew_members (crew_id, user_id, grade_level, joined_at)
     SELECT $1, id, CASE WHEN nickname = 'bw1' THEN 5 ELSE 1 END, now() - interval '100 days' + make_interval(secs => substr(nickname, 3)::int)
       FROM users WHERE nickname LIKE 'bw%'`,
    [rows[0]!.id],
  );
  await db.query(
    `WITH m AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM users WHERE nickname LIKE 'bw%'),
     g AS (
       SELECT i, date_trunc('week', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS monday, random() AS x FROM generate_series(0, $1::int - 1) i
     ), s AS (
       INSERT INTO run_sessions (user_id, status, started_at)
       SELECT m.id, 'completed', CASE WHEN g.i % 8 = 0 THEN g.monday + (now() - g.monday) * g.x ELSE g.monday - interval '49 days' * g.x END
              - interval '1 hour'
         FROM g JOIN m ON m.n = g.i % $2::int
       RETURNING id, user_id, started_at
     )
     INSERT INTO run_records (user_id, session_id, distance_meters, duration_seconds, started_at, finished_at, source, is_plausible)
     SELECT s.user_id, s.id, 3000 + (random() * 12000)::int, 3600, s.started_at, s.started_at + interval '1 hour',
            CASE WHEN random() < 0.02 THEN 'strava' ELSE 'app' END, random() >= 0.01
       FROM s`,
    [runs, members],
  );
  await db.query('VACUUM ANALYZE run_records');
  await db.query('VACUUM ANALYZE run_sessions');
  await db.query('VACUUM ANALYZE crew_members');
  await db.query('VACUUM ANALYZE users');
}
