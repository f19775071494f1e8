-- Run recording: idempotent completion and the run history order.
--
-- The answer given when a session was completed or recovered. A retried completion (the app retries on
-- timeouts) returns it unchanged instead of an error; the unique run_records.session_id keeps it to one run.
ALTER TABLE run_sessions ADD COLUMN completion_response jsonb;

-- GET /users/me/runs lists a user's runs newest finish first.
CREATE INDEX idx_runs_user_finished ON run_records (user_id, finished_at DESC, id);
