-- RunCrew schema: the 18 tables of the old server (spec/DATA_MODEL.md) with its defects fixed
-- (spec/GAPS.md): jsonb everywhere, NOT NULL where the data demands it, defaults on every id and
-- timestamp, timestamptz throughout, CHECKs for enumerations and ranges, and ON DELETE rules that
-- let a user's account and a course be deleted cleanly.
--
-- Delete rules:
--   * everything a user owns goes with the user (CASCADE), so account deletion is one DELETE;
--   * a course deleted: its stats, rankings, reviews, likes and favorites go with it; runs and
--     sessions on it stay in their owners' history with course_id set to NULL; events keep
--     running without a course;
--   * a run record deleted: a course created from it and an import that produced it keep existing
--     with the reference set to NULL.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email varchar(255),
  nickname varchar(12) CHECK (char_length(nickname) BETWEEN 2 AND 12),
  avatar_url text,
  total_distance_meters bigint NOT NULL DEFAULT 0 CHECK (total_distance_meters >= 0),
  total_runs integer NOT NULL DEFAULT 0 CHECK (total_runs >= 0),
  birthday date,
  height_cm double precision CHECK (height_cm BETWEEN 50 AND 300),
  weight_kg double precision CHECK (weight_kg BETWEEN 20 AND 500),
  bio varchar(100),
  instagram_username varchar(30),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_users_nickname ON users (nickname);

CREATE TABLE social_accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider varchar(20) NOT NULL CHECK (provider IN ('kakao', 'apple', 'google', 'naver')),
  provider_id varchar(255) NOT NULL,
  provider_email varchar(255),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_social_provider ON social_accounts (provider, provider_id);
CREATE INDEX idx_social_user ON social_accounts (user_id);

-- Refresh tokens are opaque; only their SHA-256 is stored. Every login starts a family; rotation
-- keeps the family, and presenting a rotated token revokes the whole family.
CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id uuid NOT NULL,
  token_hash char(64) NOT NULL,
  expires_at timestamptz NOT NULL,
  is_revoked boolean NOT NULL DEFAULT false,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_refresh_token_hash ON refresh_tokens (token_hash);
CREATE INDEX idx_refresh_user ON refresh_tokens (user_id);
CREATE INDEX idx_refresh_family ON refresh_tokens (family_id);
CREATE INDEX idx_refresh_expires ON refresh_tokens (expires_at);

CREATE TABLE courses (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  creator_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  run_record_id uuid, -- FK added after run_records exists
  title varchar(30) NOT NULL CHECK (char_length(title) BETWEEN 2 AND 30),
  description text CHECK (char_length(description) <= 500),
  distance_meters integer NOT NULL CHECK (distance_meters >= 0),
  estimated_duration_seconds integer CHECK (estimated_duration_seconds >= 0),
  elevation_gain_meters integer NOT NULL DEFAULT 0,
  elevation_profile jsonb,
  thumbnail_url text,
  is_public boolean NOT NULL DEFAULT true,
  tags text[] NOT NULL DEFAULT '{}',
  route_geometry geography(LineString, 4326) NOT NULL,
  start_point geography(Point, 4326) NOT NULL,
  difficulty varchar(10) CHECK (difficulty IN ('easy', 'medium', 'hard')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_courses_creator ON courses (creator_id);
CREATE INDEX idx_courses_created_at ON courses (created_at DESC);
CREATE INDEX idx_courses_public_created ON courses (is_public, created_at DESC);
CREATE INDEX idx_courses_distance ON courses (distance_meters);
CREATE INDEX idx_courses_start_point ON courses USING GIST (start_point);
CREATE INDEX idx_courses_route ON courses USING GIST (route_geometry);
CREATE INDEX idx_courses_run_record ON courses (run_record_id);

CREATE TABLE course_stats (
  course_id uuid PRIMARY KEY REFERENCES courses (id) ON DELETE CASCADE,
  total_runs integer NOT NULL DEFAULT 0,
  unique_runners integer NOT NULL DEFAULT 0,
  avg_duration_seconds integer,
  avg_pace_seconds_per_km integer,
  best_duration_seconds integer,
  best_pace_seconds_per_km integer,
  completion_rate double precision NOT NULL DEFAULT 0 CHECK (completion_rate BETWEEN 0 AND 1),
  runs_by_hour jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE run_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  course_id uuid REFERENCES courses (id) ON DELETE SET NULL,
  status varchar(20) NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'completed', 'recovered', 'imported', 'discarded', 'expired')),
  started_at timestamptz NOT NULL,
  device_info jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_sessions_user_status ON run_sessions (user_id, status);
CREATE INDEX idx_sessions_status_course ON run_sessions (status, course_id);
CREATE INDEX idx_sessions_course ON run_sessions (course_id);

CREATE TABLE run_chunks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL REFERENCES run_sessions (id) ON DELETE CASCADE,
  sequence integer NOT NULL CHECK (sequence >= 0),
  chunk_type varchar(20) NOT NULL CHECK (chunk_type IN ('intermediate', 'final')),
  raw_gps_points jsonb NOT NULL,
  filtered_points jsonb,
  chunk_summary jsonb NOT NULL,
  cumulative jsonb NOT NULL,
  completed_splits jsonb NOT NULL DEFAULT '[]',
  pause_intervals jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_chunks_session_seq ON run_chunks (session_id, sequence);

CREATE TABLE external_imports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  run_record_id uuid, -- FK added after run_records exists
  source varchar(20) NOT NULL CHECK (source IN ('gpx_upload', 'fit_upload', 'tcx_upload', 'strava')),
  external_id varchar(255),
  original_filename varchar(255),
  file_path text,
  raw_metadata jsonb,
  status varchar(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  error_message text,
  import_summary jsonb,
  course_match jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_imports_user_created ON external_imports (user_id, created_at DESC);
CREATE UNIQUE INDEX uq_imports_external ON external_imports (user_id, source, external_id);

-- One run record per session: this is what makes a retried completion idempotent.
CREATE TABLE run_records (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_id uuid NOT NULL REFERENCES run_sessions (id) ON DELETE CASCADE,
  course_id uuid REFERENCES courses (id) ON DELETE SET NULL,
  distance_meters integer NOT NULL CHECK (distance_meters >= 0),
  duration_seconds integer NOT NULL CHECK (duration_seconds >= 0),
  total_elapsed_seconds integer CHECK (total_elapsed_seconds >= 0),
  avg_pace_seconds_per_km integer,
  best_pace_seconds_per_km integer,
  avg_speed_ms double precision,
  max_speed_ms double precision,
  calories integer,
  elevation_gain_meters integer NOT NULL DEFAULT 0,
  elevation_loss_meters integer NOT NULL DEFAULT 0,
  elevation_profile jsonb,
  splits jsonb NOT NULL DEFAULT '[]',
  pause_intervals jsonb NOT NULL DEFAULT '[]',
  filter_config jsonb,
  course_completed boolean,
  route_match_percent double precision,
  max_deviation_meters double precision,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL CHECK (finished_at >= started_at),
  route_geometry geography(LineString, 4326),
  source varchar(20) NOT NULL DEFAULT 'app' CHECK (source IN ('app', 'gpx_upload', 'fit_upload', 'tcx_upload', 'strava')),
  external_import_id uuid REFERENCES external_imports (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_runs_session ON run_records (session_id);
CREATE INDEX idx_runs_user_started ON run_records (user_id, started_at DESC);
CREATE INDEX idx_runs_course_duration ON run_records (course_id, duration_seconds);
CREATE INDEX idx_runs_started_at ON run_records (started_at DESC);
CREATE INDEX idx_runs_route ON run_records USING GIST (route_geometry);
CREATE INDEX idx_runs_external_import ON run_records (external_import_id);

ALTER TABLE courses ADD CONSTRAINT fk_courses_run_record
  FOREIGN KEY (run_record_id) REFERENCES run_records (id) ON DELETE SET NULL;
ALTER TABLE external_imports ADD CONSTRAINT fk_imports_run_record
  FOREIGN KEY (run_record_id) REFERENCES run_records (id) ON DELETE SET NULL;
CREATE INDEX idx_imports_run_record ON external_imports (run_record_id);

-- One row per (course, user): that user's best time. Rank = position in
-- (best_duration_seconds, achieved_at): equal times go to whoever ran it first.
CREATE TABLE rankings (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  run_record_id uuid REFERENCES run_records (id) ON DELETE SET NULL,
  best_duration_seconds integer NOT NULL CHECK (best_duration_seconds > 0),
  best_pace_seconds_per_km integer NOT NULL,
  run_count integer NOT NULL DEFAULT 1 CHECK (run_count >= 1),
  achieved_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_rankings_course_user ON rankings (course_id, user_id);
CREATE INDEX idx_rankings_course_time ON rankings (course_id, best_duration_seconds, achieved_at);
CREATE INDEX idx_rankings_user ON rankings (user_id);
CREATE INDEX idx_rankings_run_record ON rankings (run_record_id);

CREATE TABLE reviews (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  rating integer CHECK (rating BETWEEN 1 AND 5),
  content text CHECK (char_length(content) <= 500),
  creator_reply text CHECK (char_length(creator_reply) <= 300),
  creator_reply_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_reviews_course_user ON reviews (course_id, user_id);
CREATE INDEX idx_reviews_user ON reviews (user_id);

CREATE TABLE follows (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  follower_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  following_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_no_self_follow CHECK (follower_id <> following_id)
);
CREATE UNIQUE INDEX uq_follow_pair ON follows (follower_id, following_id);
CREATE INDEX idx_follows_following ON follows (following_id);

CREATE TABLE events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title varchar(100) NOT NULL,
  description text,
  event_type varchar(20) NOT NULL DEFAULT 'challenge',
  course_id uuid REFERENCES courses (id) ON DELETE SET NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  target_distance_meters integer CHECK (target_distance_meters > 0),
  target_runs integer CHECK (target_runs > 0),
  badge_color varchar(20) NOT NULL DEFAULT '#FF5252',
  badge_icon varchar(30) NOT NULL DEFAULT 'trophy',
  max_participants integer CHECK (max_participants > 0),
  is_active boolean NOT NULL DEFAULT true,
  center_lat double precision CHECK (center_lat BETWEEN -90 AND 90),
  center_lng double precision CHECK (center_lng BETWEEN -180 AND 180),
  -- Derived from center_lat/center_lng so the map query can use a spatial index.
  center_point geography(Point, 4326)
    GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(center_lng, center_lat), 4326)::geography) STORED,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_event_dates CHECK (starts_at < ends_at)
);
CREATE INDEX idx_events_dates ON events (starts_at, ends_at);
CREATE INDEX idx_events_ends_at ON events (ends_at);
CREATE INDEX idx_events_active_dates ON events (is_active, starts_at, ends_at);
CREATE INDEX idx_events_center_point ON events USING GIST (center_point);
CREATE INDEX idx_events_course ON events (course_id);

CREATE TABLE event_participants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  progress_distance_meters integer NOT NULL DEFAULT 0 CHECK (progress_distance_meters >= 0),
  progress_runs integer NOT NULL DEFAULT 0 CHECK (progress_runs >= 0),
  completed boolean NOT NULL DEFAULT false,
  joined_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_event_participant ON event_participants (event_id, user_id);
CREATE INDEX idx_event_participants_user ON event_participants (user_id);

CREATE TABLE course_favorites (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_course_favorites_user_course ON course_favorites (user_id, course_id);
CREATE INDEX idx_course_favorites_course ON course_favorites (course_id);

CREATE TABLE course_likes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_course_likes_user_course ON course_likes (user_id, course_id);
CREATE INDEX idx_course_likes_course ON course_likes (course_id);

-- Tokens are stored encrypted by the application (never in plain text).
CREATE TABLE strava_connections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  strava_athlete_id varchar(50) NOT NULL,
  athlete_name varchar(100),
  athlete_profile_url text,
  access_token text NOT NULL,
  refresh_token text NOT NULL,
  token_expires_at timestamptz NOT NULL,
  auto_sync boolean NOT NULL DEFAULT true,
  last_sync_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_strava_connections_user ON strava_connections (user_id);
CREATE INDEX idx_strava_connections_athlete ON strava_connections (strava_athlete_id);

CREATE TABLE device_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  device_token text NOT NULL CHECK (char_length(device_token) BETWEEN 1 AND 4096),
  platform varchar(10) NOT NULL CHECK (platform IN ('ios', 'android')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_device_tokens_token ON device_tokens (device_token);
CREATE INDEX idx_device_tokens_user ON device_tokens (user_id);
