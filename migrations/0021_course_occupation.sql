-- Which crew holds each course (the newer app's "dominion"). The holder is a function of the rankings and the crew
-- memberships (crews/occupation.ts: the lowest average of a crew's three best members' best times, at least three
-- ranked members); this table keeps the result so map markers and course pages read it in one join, and is rewritten
-- by the transaction that ranks a run on the course or by a job after any change of members: recomputing it again
-- changes nothing, so it cannot drift.
CREATE TABLE course_occupations (
  course_id uuid PRIMARY KEY REFERENCES courses (id) ON DELETE CASCADE,
  crew_id uuid NOT NULL REFERENCES crews (id) ON DELETE CASCADE,
  avg_duration_seconds integer NOT NULL CHECK (avg_duration_seconds > 0),
  top_member_ids uuid[] NOT NULL,
  occupied_since timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_course_occupations_crew ON course_occupations (crew_id);
