-- The goal the runner set before a run (the newer app sends it on completion and shows it in the history): a small
-- JSON object the server stores and returns, never interprets.
ALTER TABLE run_records
  ADD COLUMN goal_data jsonb CHECK (jsonb_typeof(goal_data) = 'object' AND octet_length(goal_data::text) <= 1024);
