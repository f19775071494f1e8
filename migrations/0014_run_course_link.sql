-- A run's ranked time belongs to its course: when the course goes (ON DELETE SET NULL, e.g. when its
-- creator deletes their account) the time goes with it. 0004's CHECK made those cascades fail; a
-- trigger keeps the rule and lets every path that unlinks a run stay simple.
ALTER TABLE run_records DROP CONSTRAINT ck_runs_course_duration;

CREATE FUNCTION run_records_unlink_course() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.course_duration_seconds := NULL;
  NEW.course_started_at := NULL;
  RETURN NEW;
END $$;

CREATE TRIGGER trg_run_records_unlink_course
  BEFORE UPDATE OF course_id ON run_records
  FOR EACH ROW WHEN (NEW.course_id IS NULL AND OLD.course_id IS NOT NULL)
  EXECUTE FUNCTION run_records_unlink_course();
