-- Live group runs (the newer app's liveGroupRunService.ts and GroupRunLobbyScreen.tsx): a host opens a run on a
-- course, people join it (up to max_participants, the host included), the host starts it once, and participants
-- share positions over a WebSocket. The live state (distance, time, last position) is kept here, not in one
-- process's memory, so any server process can answer a snapshot; Redis only fans messages out.
CREATE TABLE live_group_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  host_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title varchar(100) NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
  status varchar(9) NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'running', 'completed')),
  max_participants integer NOT NULL DEFAULT 10 CHECK (max_participants BETWEEN 2 AND 50),
  scheduled_at timestamptz,
  started_at timestamptz,
  completed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- A lobby never started is closed as completed without a start (expiry.ts).
  CHECK (status = 'waiting' OR status = 'completed' OR started_at IS NOT NULL),
  CHECK (status <> 'waiting' OR started_at IS NULL)
);
CREATE INDEX idx_live_group_runs_status ON live_group_runs (status, created_at DESC);
CREATE INDEX idx_live_group_runs_host ON live_group_runs (host_user_id);
CREATE INDEX idx_live_group_runs_course ON live_group_runs (course_id);

-- One row per participant, the host included. Standings are computed by the server from the positions it
-- receives (current_distance_m never comes from the client). run_session_id is the run the participant's finish
-- went through the normal run pipeline as: set once, unique, so a finish is recorded once whatever the sockets do.
CREATE TABLE live_group_run_participants (
  live_group_run_id uuid NOT NULL REFERENCES live_group_runs (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  status varchar(9) NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'running', 'completed')),
  current_distance_m double precision NOT NULL DEFAULT 0 CHECK (current_distance_m >= 0),
  current_duration_s integer NOT NULL DEFAULT 0 CHECK (current_duration_s >= 0),
  last_lat double precision CHECK (last_lat BETWEEN -90 AND 90),
  last_lng double precision CHECK (last_lng BETWEEN -180 AND 180),
  last_position_at timestamptz,
  position_count integer NOT NULL DEFAULT 0,
  run_session_id uuid UNIQUE REFERENCES run_sessions (id) ON DELETE SET NULL,
  joined_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  PRIMARY KEY (live_group_run_id, user_id)
);
CREATE INDEX idx_live_group_run_participants_user ON live_group_run_participants (user_id);

-- The positions a participant sent while running, in order: the track their run is recorded from at the finish.
-- Bounded per participant by the service (MAX_POSITIONS).
CREATE TABLE live_group_run_positions (
  live_group_run_id uuid NOT NULL,
  user_id uuid NOT NULL,
  seq integer NOT NULL,
  lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lng double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
  received_at timestamptz NOT NULL,
  PRIMARY KEY (live_group_run_id, user_id, seq),
  FOREIGN KEY (live_group_run_id, user_id) REFERENCES live_group_run_participants (live_group_run_id, user_id) ON DELETE CASCADE
);
