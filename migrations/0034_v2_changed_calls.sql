-- What the newer app reads and sends on the older endpoints (issue 14 item 6, APP_V2.md "Changed older calls").

-- Points: a ledger with the balance kept on the user. A run earns once (unique reference), a day's check-in once
-- (unique day), so concurrent duplicate requests cannot pay twice.
ALTER TABLE users
  ADD COLUMN total_points bigint NOT NULL DEFAULT 0 CHECK (total_points >= 0),
  ADD COLUMN weekly_goal_km double precision NOT NULL DEFAULT 20 CHECK (weekly_goal_km BETWEEN 1 AND 500),
  ADD COLUMN consent_terms_at timestamptz,
  ADD COLUMN consent_privacy_at timestamptz,
  ADD COLUMN consent_location_at timestamptz,
  ADD COLUMN consent_contacts_at timestamptz,
  ADD COLUMN consent_marketing_at timestamptz;

CREATE TABLE point_transactions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  amount integer NOT NULL,
  balance_after bigint NOT NULL,
  tx_type varchar(20) NOT NULL CHECK (tx_type IN ('run_earn', 'course_bonus', 'daily_checkin')),
  -- the run that earned it; the run may be deleted later, the points stay
  reference_id uuid,
  -- the calendar day of a check-in, in the user's time zone
  checkin_day date,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((tx_type = 'daily_checkin') = (checkin_day IS NOT NULL))
);
CREATE INDEX idx_point_transactions_user_created ON point_transactions (user_id, created_at DESC);
CREATE UNIQUE INDEX idx_point_transactions_run ON point_transactions (reference_id) WHERE reference_id IS NOT NULL;
CREATE UNIQUE INDEX idx_point_transactions_checkin ON point_transactions (user_id, checkin_day) WHERE checkin_day IS NOT NULL;

-- Loop courses are run lap_count times (the newer app's course editor).
ALTER TABLE courses
  ADD COLUMN course_type varchar(10) CHECK (course_type IN ('normal', 'loop')),
  ADD COLUMN lap_count integer CHECK (lap_count BETWEEN 1 AND 100);

-- Nickname search (GET /users/search) is a substring match.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX idx_users_nickname_trgm ON users USING gin (nickname gin_trgm_ops);
