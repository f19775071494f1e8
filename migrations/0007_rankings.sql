-- Leaderboards that answer "what is my rank" without counting everybody ahead of me.
--
-- Rank = 1 + the runners strictly before me in (best_duration_seconds, achieved_at, user_id): equal times go
-- to whoever ran it first, and the user id makes the order total, so ranks are unique and consecutive.
-- Counting the rows ahead in an index is O(rank) (~10 ms for the last of 100,000 runners, more when the
-- visibility map is stale). Instead ranking_time_counts keeps, per course, how many runners hold each best
-- time (whole seconds). A rank is then a sum over the distinct best times faster than mine (a few thousand
-- rows at most: the spread of times on one course in seconds) plus an index count of the runners with
-- exactly my time who got it earlier (a handful). total_runners is the sum of the counts.

CREATE TABLE ranking_time_counts (
  course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  best_duration_seconds integer NOT NULL,
  runners integer NOT NULL CHECK (runners >= 0),
  PRIMARY KEY (course_id, best_duration_seconds)
);

INSERT INTO ranking_time_counts (course_id, best_duration_seconds, runners)
SELECT course_id, best_duration_seconds, count(*) FROM rankings GROUP BY course_id, best_duration_seconds;

-- A trigger keeps the counts exact on every change to rankings, including the cascades when a user or a
-- course is deleted. Counts are locked in descending time order whatever the direction of the change
-- (a new best is lower, a rebuilt one may be higher), so two transactions never wait for each other in
-- a cycle. A decrement is an UPDATE, never an insert: during a course's cascade delete its counts may
-- already be gone. Rows that fall to zero stay (there are at most as many as distinct times).
CREATE FUNCTION rankings_count_times() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.course_id = OLD.course_id
     AND NEW.best_duration_seconds = OLD.best_duration_seconds THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.best_duration_seconds > OLD.best_duration_seconds THEN
    INSERT INTO ranking_time_counts (course_id, best_duration_seconds, runners)
    VALUES (NEW.course_id, NEW.best_duration_seconds, 1)
    ON CONFLICT (course_id, best_duration_seconds) DO UPDATE SET runners = ranking_time_counts.runners + 1;
    UPDATE ranking_time_counts SET runners = runners - 1
    WHERE course_id = OLD.course_id AND best_duration_seconds = OLD.best_duration_seconds;
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE ranking_time_counts SET runners = runners - 1
    WHERE course_id = OLD.course_id AND best_duration_seconds = OLD.best_duration_seconds;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO ranking_time_counts (course_id, best_duration_seconds, runners)
    VALUES (NEW.course_id, NEW.best_duration_seconds, 1)
    ON CONFLICT (course_id, best_duration_seconds) DO UPDATE SET runners = ranking_time_counts.runners + 1;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER trg_rankings_count_times
  AFTER INSERT OR DELETE OR UPDATE OF course_id, best_duration_seconds ON rankings
  FOR EACH ROW EXECUTE FUNCTION rankings_count_times();

-- The board order in full, so pages and the count of equal times are index-only up to the rows shown.
DROP INDEX idx_rankings_course_time;
CREATE INDEX idx_rankings_board ON rankings (course_id, best_duration_seconds, achieved_at, user_id);
