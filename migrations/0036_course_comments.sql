-- Comments on a course page, one level of replies (the newer app's courseService.ts). They go with the course and
-- with their author's account; a comment's replies go with it.
CREATE TABLE course_comments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  parent_id uuid REFERENCES course_comments (id) ON DELETE CASCADE,
  content text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 1000),
  image_urls text[] NOT NULL DEFAULT '{}' CHECK (cardinality(image_urls) <= 5),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_course_comments_course ON course_comments (course_id, created_at DESC, id DESC) WHERE parent_id IS NULL;
CREATE INDEX idx_course_comments_parent ON course_comments (parent_id, created_at, id);
CREATE INDEX idx_course_comments_user ON course_comments (user_id);
