-- Running gear (the app's "My Gear": shoes by brand and model). A gear's mileage is never stored: it is the sum of
-- the distances of the runs that name it (run_records.gear_id, indexed with the distance), so deleting a run or
-- the gear can never leave a total that drifts from the runs.
CREATE TABLE user_gear (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  brand varchar(50) NOT NULL CHECK (char_length(brand) > 0),
  model_name varchar(100) NOT NULL CHECK (char_length(model_name) > 0),
  image_url text,
  is_primary boolean NOT NULL DEFAULT false,
  -- A target distance (a shoe's expected life), shown against the mileage.
  max_distance_meters integer CHECK (max_distance_meters > 0),
  retired_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Retired gear is kept with its mileage but is never the one new runs are counted on.
  CONSTRAINT ck_gear_primary_active CHECK (NOT (is_primary AND retired_at IS NOT NULL)),
  -- The target of run_records' (gear_id, user_id) key: a run can only name its own runner's gear.
  CONSTRAINT uq_gear_owner UNIQUE (id, user_id)
);
-- At most one primary (default) gear per user, whatever requests race.
CREATE UNIQUE INDEX uq_gear_primary ON user_gear (user_id) WHERE is_primary;
CREATE INDEX idx_gear_user ON user_gear (user_id, created_at);

-- Deleting a gear keeps its runs, without gear; SET NULL (gear_id) leaves the run's user_id alone.
ALTER TABLE run_records
  ADD COLUMN gear_id uuid,
  ADD CONSTRAINT fk_runs_gear FOREIGN KEY (gear_id, user_id) REFERENCES user_gear (id, user_id) ON DELETE SET NULL (gear_id);
-- A gear's mileage (all runs for its owner, no Strava run for anyone else) is one index-only range.
CREATE INDEX idx_runs_gear ON run_records (gear_id) INCLUDE (distance_meters, source) WHERE gear_id IS NOT NULL;
