-- Crew challenges ("raids" in the newer app): a crew's managers point the crew at a course; the members' runs on it
-- since then are the challenge's progress. Only the challenge is stored: records, counts and best times are read
-- from run_records each time (crews/challenges.ts), so nothing can drift from the runs. A challenge is active until
-- ended_at is set; one active challenge per crew is a partial unique index, so two creations at once cannot both
-- succeed. The creator's account may go: the crew keeps its history with created_by null.
CREATE TABLE crew_challenges (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  crew_id uuid NOT NULL REFERENCES crews (id) ON DELETE CASCADE,
  course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz CHECK (ended_at >= created_at)
);
CREATE UNIQUE INDEX uq_crew_challenges_active ON crew_challenges (crew_id) WHERE ended_at IS NULL;
CREATE INDEX idx_crew_challenges_history ON crew_challenges (crew_id, ended_at DESC, id DESC) WHERE ended_at IS NOT NULL;
CREATE INDEX idx_crew_challenges_course ON crew_challenges (course_id);
CREATE INDEX idx_crew_challenges_created_by ON crew_challenges (created_by);
