-- Announcements of the newer app's home screen (announcementService.ts): notices and events an administrator
-- (users.is_admin, 0028) writes. The public list shows the published ones within their window, highest priority
-- (pinned) first, then the newest. Links are only stored and shown, never fetched.
CREATE TABLE announcements (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title varchar(100) NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
  content text CHECK (char_length(content) <= 5000),
  -- an image of our storage (POST /uploads/image)
  image_url text CHECK (char_length(image_url) <= 2048),
  -- what tapping the card opens: nothing, an http(s) URL, a crew or an event (link_value is its id)
  link_type varchar(10) NOT NULL DEFAULT 'none' CHECK (link_type IN ('none', 'url', 'crew', 'event')),
  link_value varchar(500),
  -- higher first: 0 is an ordinary notice, more pins it above the others
  priority integer NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 100),
  -- false unpublishes it: off the public list, kept for the administrators
  is_published boolean NOT NULL DEFAULT true,
  -- the window it is shown in, from starts_at (included) to ends_at (excluded); null is open-ended
  starts_at timestamptz,
  ends_at timestamptz,
  -- the administrator who wrote it; kept (author unknown) when their account is deleted
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at),
  CHECK ((link_type = 'none') = (link_value IS NULL))
);
CREATE INDEX idx_announcements_listed ON announcements (priority DESC, (coalesce(starts_at, created_at)) DESC) WHERE is_published;
CREATE INDEX idx_announcements_created_by ON announcements (created_by) WHERE created_by IS NOT NULL;
