-- Challenges of the newer app (challengeService.ts): goals an operator sets for everyone (no API creates them; see
-- README "Challenges"), which any user joins. A challenge runs over calendar days, start_date to end_date included,
-- and each participant's days are those of their own time zone. Progress is never stored: it is read from the
-- participant's own plausible runs finished in the period every time it is shown (challenges/queries.ts), so it
-- cannot drift from the runs. Only the moment the goal was first reached is stored, so its push goes out once.
CREATE TABLE challenges (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title varchar(100) NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '',
  -- total_distance in metres, total_runs in runs, total_duration in seconds, streak_days in consecutive days
  goal_type varchar(14) NOT NULL CHECK (goal_type IN ('total_distance', 'total_runs', 'total_duration', 'streak_days')),
  goal_value integer NOT NULL CHECK (goal_value > 0),
  -- shown to the user; no points are kept anywhere
  reward_points integer NOT NULL DEFAULT 0 CHECK (reward_points >= 0),
  start_date date NOT NULL,
  end_date date NOT NULL,
  -- false withdraws it: off the list, no more joins; who joined still reads it
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (end_date >= start_date)
);
CREATE INDEX idx_challenges_listed ON challenges (end_date, start_date) WHERE is_active;

CREATE TABLE challenge_participants (
  challenge_id uuid NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  joined_at timestamptz NOT NULL DEFAULT now(),
  -- when the goal was first reached (set once, by the run pipeline or at joining); not whether it is met now
  completed_at timestamptz,
  PRIMARY KEY (challenge_id, user_id)
);
CREATE INDEX idx_challenge_participants_user ON challenge_participants (user_id, challenge_id);

-- The completion push, which the user can turn off.
ALTER TABLE notification_settings ADD COLUMN challenge_completed boolean NOT NULL DEFAULT true;

-- The allowed kinds are exactly the switches of notification_settings (as in 0024): rebuilt from its boolean columns,
-- so kinds other migrations add alongside this one are kept whatever order they are merged in.
DO $$
DECLARE kinds text;
BEGIN
  SELECT string_agg(quote_literal(column_name), ', ' ORDER BY ordinal_position) INTO kinds
    FROM information_schema.columns
   WHERE table_schema = current_schema() AND table_name = 'notification_settings' AND data_type = 'boolean';
  ALTER TABLE push_notifications DROP CONSTRAINT push_notifications_kind_check;
  EXECUTE format('ALTER TABLE push_notifications ADD CONSTRAINT push_notifications_kind_check CHECK (kind IN (%s))', kinds);
END
$$;
