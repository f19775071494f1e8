-- Difficulty in the app's words: its badge knows easy, normal, hard (and expert, legend, which our three-level
-- score never reaches); the old server's 'medium' showed an empty badge.
ALTER TABLE courses DROP CONSTRAINT courses_difficulty_check;
UPDATE courses SET difficulty = 'normal' WHERE difficulty = 'medium';
ALTER TABLE courses ADD CONSTRAINT courses_difficulty_check CHECK (difficulty IN ('easy', 'normal', 'hard'));
