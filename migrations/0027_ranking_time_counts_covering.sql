-- A rank and total_runners sum ranking_time_counts over one course (a few thousand rows: its distinct best times).
-- Those rows are written over months, interleaved with other courses', so the primary key reached one heap page
-- per row: 2,400 pages for a course of 100,000 runners. With the counts in the index it is an index-only read of
-- a dozen pages.
CREATE INDEX idx_ranking_time_counts_cover ON ranking_time_counts (course_id, best_duration_seconds) INCLUDE (runners);
