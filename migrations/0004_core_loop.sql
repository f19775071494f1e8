-- The core loop: server-side course matching, plausibility, ranked times and time zones.
--
-- A run's ranked time on a course is the elapsed time between passing the course's start gate and
-- its finish gate inside the run (not the whole run's duration). Implausible runs (speeds no runner
-- reaches, teleports) are kept in their owner's history but flagged and never ranked.
ALTER TABLE run_records
  ADD COLUMN course_duration_seconds integer CHECK (course_duration_seconds > 0),
  ADD COLUMN course_started_at timestamptz,
  ADD COLUMN is_plausible boolean NOT NULL DEFAULT true,
  ADD COLUMN implausible_reasons text[] NOT NULL DEFAULT '{}',
  ADD COLUMN ranking_at_time integer CHECK (ranking_at_time > 0),
  ADD CONSTRAINT ck_runs_course_duration CHECK (course_duration_seconds IS NULL OR course_id IS NOT NULL);

-- Completed runs of a course, fastest first: "my best" and statistics read these.
CREATE INDEX idx_runs_course_completed ON run_records (course_id, user_id, course_duration_seconds)
  WHERE course_completed;

-- Calendar periods (week, month, year, streak days) are counted in the user's own time zone;
-- null means the server default (DEFAULT_TIME_ZONE, Asia/Seoul).
ALTER TABLE users ADD COLUMN time_zone varchar(64);

-- Sessions left active are expired by a periodic job; it looks them up by age.
CREATE INDEX idx_sessions_active_started ON run_sessions (started_at) WHERE status = 'active';
