-- The course map (GET /courses/bounds) asks for public courses whose start lies in a longitude/latitude box.
-- On geography, `&&` compares geocentric boxes of geodesic shapes, which do not follow parallels, so a box
-- query there is only approximate; on the planar geometry of the start point it is exact.
CREATE INDEX idx_courses_public_start_geom ON courses USING GIST ((start_point::geometry)) WHERE is_public;

-- GET /courses ordered by popularity (the app's default) walks this index instead of sorting every course;
-- every course has its course_stats row from creation on.
CREATE INDEX idx_course_stats_total_runs ON course_stats (total_runs, course_id);
