-- Crews (the newer app, APP_V2.md): crews with members, grades and join requests; each user's invite code and
-- primary crew.
--
-- A member's grade is the one stored fact of their standing: 5 owner, 4 admin, 1..3 members (the app's grade names).
-- The role is derived from it, so the two can never disagree; one owner per crew is a unique index. Members are
-- counted when read (a join changes no row but the member's own); a join locks the crew row before counting, so no
-- crew goes over its limit.

-- Short codes people read to each other to be invited: 8 characters of an alphabet without 0/O, 1/I/L.
CREATE FUNCTION new_user_code() RETURNS varchar LANGUAGE sql VOLATILE AS $$
  SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + floor(random() * 31)::int, 1), '')
    FROM generate_series(1, 8)
$$;
ALTER TABLE users ADD COLUMN user_code varchar(8) NOT NULL DEFAULT new_user_code();
CREATE UNIQUE INDEX uq_users_user_code ON users (user_code);

CREATE TABLE crews (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name varchar(100) NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  description text CHECK (char_length(description) <= 2000),
  logo_url text,
  cover_image_url text,
  region varchar(100),
  max_members integer CHECK (max_members BETWEEN 2 AND 1000),
  -- Not public: neither listed nor searchable, and readable by its members only; joined through invitations.
  is_public boolean NOT NULL DEFAULT true,
  badge_color varchar(7) NOT NULL DEFAULT '#FF7A33' CHECK (badge_color ~ '^#[0-9A-Fa-f]{6}$'),
  badge_icon varchar(30) NOT NULL DEFAULT 'people',
  recurring_schedule varchar(200),
  meeting_point varchar(200),
  requires_approval boolean NOT NULL DEFAULT false,
  -- Custom grade names ({"levels": {"1": {"name": ...}, ...}}).
  grade_config jsonb,
  -- Distance in metres its members ran while members (kept by a trigger on crew_run_contributions).
  total_xp bigint NOT NULL DEFAULT 0 CHECK (total_xp >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Names are unique whatever their case.
CREATE UNIQUE INDEX uq_crews_name ON crews (lower(name));

CREATE TABLE crew_members (
  crew_id uuid NOT NULL REFERENCES crews (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  grade_level smallint NOT NULL DEFAULT 1 CHECK (grade_level BETWEEN 1 AND 5),
  role varchar(6) NOT NULL GENERATED ALWAYS AS (
    CASE grade_level WHEN 5 THEN 'owner' WHEN 4 THEN 'admin' ELSE 'member' END) STORED,
  joined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (crew_id, user_id)
);
CREATE UNIQUE INDEX uq_crew_members_user ON crew_members (user_id, crew_id);
CREATE UNIQUE INDEX uq_crew_members_owner ON crew_members (crew_id) WHERE grade_level = 5;

-- The primary crew shown on the user's profile (crew_name) is one of their crews: leaving it clears it.
ALTER TABLE users ADD COLUMN primary_crew_id uuid,
  ADD CONSTRAINT fk_users_primary_crew FOREIGN KEY (id, primary_crew_id)
    REFERENCES crew_members (user_id, crew_id) ON DELETE SET NULL (primary_crew_id);

-- Departures, for the owners' "left in the last 7 days". Owners only ever see the count; a deleted account's
-- departures stay counted without it.
CREATE TABLE crew_departures (
  crew_id uuid NOT NULL REFERENCES crews (id) ON DELETE CASCADE,
  user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  left_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_crew_departures_user ON crew_departures (user_id);
CREATE INDEX idx_crew_departures ON crew_departures (crew_id, left_at);

CREATE TABLE crew_join_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  crew_id uuid NOT NULL REFERENCES crews (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  message varchar(500),
  status varchar(8) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  created_at timestamptz NOT NULL DEFAULT now(),
  reviewed_at timestamptz,
  reviewed_by uuid REFERENCES users (id) ON DELETE SET NULL
);
-- One pending request per user and crew; a rejected user may ask again.
CREATE UNIQUE INDEX uq_crew_join_requests_pending ON crew_join_requests (crew_id, user_id) WHERE status = 'pending';
CREATE INDEX idx_crew_join_requests_queue ON crew_join_requests (crew_id, created_at, id) WHERE status = 'pending';
CREATE INDEX idx_crew_join_requests_user ON crew_join_requests (user_id);

-- Which crews a run counted for (crew XP): a run counts once per crew, and leaves when the run is deleted.
CREATE TABLE crew_run_contributions (
  crew_id uuid NOT NULL REFERENCES crews (id) ON DELETE CASCADE,
  run_record_id uuid NOT NULL REFERENCES run_records (id) ON DELETE CASCADE,
  distance_meters integer NOT NULL CHECK (distance_meters >= 0),
  PRIMARY KEY (crew_id, run_record_id)
);
CREATE INDEX idx_crew_run_contributions_run ON crew_run_contributions (run_record_id);

CREATE FUNCTION crew_run_contributions_xp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE crews SET total_xp = total_xp + NEW.distance_meters WHERE id = NEW.crew_id;
  ELSE
    -- During a crew's cascade delete its row is already gone: nothing to update.
    UPDATE crews SET total_xp = greatest(total_xp - OLD.distance_meters, 0) WHERE id = OLD.crew_id;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER trg_crew_run_contributions_xp AFTER INSERT OR DELETE ON crew_run_contributions
  FOR EACH ROW EXECUTE FUNCTION crew_run_contributions_xp();

-- Push kinds of crews, each one the user can turn off.
ALTER TABLE notification_settings
  ADD COLUMN crew_join_request boolean NOT NULL DEFAULT true,
  ADD COLUMN crew_join_approved boolean NOT NULL DEFAULT true,
  ADD COLUMN crew_course_lost boolean NOT NULL DEFAULT true;
ALTER TABLE push_notifications DROP CONSTRAINT push_notifications_kind_check;
ALTER TABLE push_notifications ADD CONSTRAINT push_notifications_kind_check CHECK (kind IN (
  'new_follower', 'course_review', 'review_reply', 'ranking_first_place_lost', 'event_reminder', 'event_cancelled',
  'crew_join_request', 'crew_join_approved', 'crew_course_lost'));
