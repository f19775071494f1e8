-- The crew weekly ranking sums each member's runs since Monday that others may see (never Strava's, never
-- implausible ones). This index holds exactly those runs with their distance, so each member costs one index-only
-- range instead of a heap visit per run (a crew of 1,000 members is 1,000 ranges per request).
CREATE INDEX idx_runs_user_finished_counted ON run_records (user_id, finished_at) INCLUDE (distance_meters)
  WHERE source <> 'strava' AND is_plausible;
