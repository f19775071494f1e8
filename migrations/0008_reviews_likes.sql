-- Reviews listed newest first, and the public heatmap.
--
-- GET /courses/{id}/reviews pages a course's reviews newest first; the id makes the order total.
CREATE INDEX idx_reviews_course_created ON reviews (course_id, created_at DESC, id DESC);

-- GET /heatmap looks for public runs (never Strava's, never implausible ones) crossing a longitude/latitude box.
-- On geography, `&&` compares geocentric boxes of geodesic shapes, which do not follow parallels; on the planar
-- geometry of the route the box test is exact.
CREATE INDEX idx_runs_heatmap_route ON run_records USING GIST ((route_geometry::geometry))
  WHERE source <> 'strava' AND is_plausible;
