-- The community board of the newer app (communityService.ts): posts, comments, likes, and reports that
-- administrators act on. Like and comment counts are never stored: they are counted when read, so concurrent likes
-- and comments can never leave them wrong. A post or comment an administrator removed keeps its row (removed_at) for
-- the record and is hidden from everyone; its author's deletion deletes the row. A deleted account takes its posts,
-- comments, likes and reports with it (ON DELETE CASCADE).
CREATE TABLE community_posts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title varchar(100),
  -- plain text as sent, never rendered as HTML
  content text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 5000),
  post_type varchar(20) NOT NULL DEFAULT 'general' CHECK (post_type IN ('general', 'crew_promo', 'question')),
  -- a crew's post is read as the crew is (public, or members only); it goes with the crew
  crew_id uuid REFERENCES crews (id) ON DELETE CASCADE,
  event_id uuid REFERENCES events (id) ON DELETE SET NULL,
  course_id uuid REFERENCES courses (id) ON DELETE SET NULL,
  -- URLs of images we stored (POST /uploads/image); the first is the post's image_url
  image_urls text[] NOT NULL DEFAULT '{}' CHECK (cardinality(image_urls) <= 10),
  removed_at timestamptz,
  removed_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- The feed, newest first (id breaks ties), and a crew's board.
CREATE INDEX idx_community_posts_feed ON community_posts (created_at DESC, id DESC) WHERE removed_at IS NULL;
CREATE INDEX idx_community_posts_crew ON community_posts (crew_id, created_at DESC, id DESC) WHERE removed_at IS NULL;
CREATE INDEX idx_community_posts_user ON community_posts (user_id);
CREATE INDEX idx_community_posts_event ON community_posts (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX idx_community_posts_course ON community_posts (course_id) WHERE course_id IS NOT NULL;
-- Whether any post still shows an image, before its file is deleted.
CREATE INDEX idx_community_posts_images ON community_posts USING gin (image_urls);
CREATE INDEX idx_community_posts_removed_by ON community_posts (removed_by) WHERE removed_by IS NOT NULL;

CREATE TABLE community_comments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  post_id uuid NOT NULL REFERENCES community_posts (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  content text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 1000),
  removed_at timestamptz,
  removed_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_community_comments_post ON community_comments (post_id, created_at, id) WHERE removed_at IS NULL;
CREATE INDEX idx_community_comments_user ON community_comments (user_id);
CREATE INDEX idx_community_comments_removed_by ON community_comments (removed_by) WHERE removed_by IS NOT NULL;

-- One like per user and post: the primary key decides between concurrent toggles.
CREATE TABLE community_post_likes (
  post_id uuid NOT NULL REFERENCES community_posts (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (post_id, user_id)
);
CREATE INDEX idx_community_post_likes_user ON community_post_likes (user_id, post_id);

-- One report per user and post (or comment); reporting again keeps the first.
CREATE TABLE community_post_reports (
  post_id uuid NOT NULL REFERENCES community_posts (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  reason varchar(500) NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (post_id, user_id)
);
CREATE INDEX idx_community_post_reports_user ON community_post_reports (user_id);

CREATE TABLE community_comment_reports (
  comment_id uuid NOT NULL REFERENCES community_comments (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  reason varchar(500) NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (comment_id, user_id)
);
CREATE INDEX idx_community_comment_reports_user ON community_comment_reports (user_id);

-- Someone commented on your post: a push the user can turn off.
ALTER TABLE notification_settings ADD COLUMN community_comment boolean NOT NULL DEFAULT true;

-- The allowed kinds are exactly the switches of notification_settings (as in 0024): rebuilt from its boolean columns,
-- so kinds other migrations add alongside this one are kept whatever order they are merged in.
DO $$
DECLARE kinds text;
BEGIN
  SELECT string_agg(quote_literal(column_name), ', ' ORDER BY ordinal_position) INTO kinds
    FROM information_schema.columns
   WHERE table_schema = current_schema() AND table_name = 'notification_settings' AND data_type = 'boolean';
  ALTER TABLE push_notifications DROP CONSTRAINT push_notifications_kind_check;
  EXECUTE format('ALTER TABLE push_notifications ADD CONSTRAINT push_notifications_kind_check CHECK (kind IN (%s))', kinds);
END
$$;
