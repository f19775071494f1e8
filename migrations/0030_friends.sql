-- Friends (the newer app's friendService.ts): one row per pair of users, whichever of them asked. It is a
-- pending request until the recipient accepts it, then the friendship itself. A declined or cancelled request
-- and an ended friendship are deleted, so either may ask again. The unique index on the unordered pair makes
-- two simultaneous requests A→B and B→A, or a double accept, end in one row.
CREATE TABLE friendships (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  requester_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  recipient_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted')),
  created_at timestamptz NOT NULL DEFAULT now(),
  accepted_at timestamptz,
  CONSTRAINT ck_friendships_not_self CHECK (requester_id <> recipient_id),
  CONSTRAINT ck_friendships_accepted_at CHECK ((status = 'accepted') = (accepted_at IS NOT NULL))
);
CREATE UNIQUE INDEX uq_friendships_pair ON friendships (LEAST(requester_id, recipient_id), GREATEST(requester_id, recipient_id));
-- Received and sent lists and the badge count read one side each, newest first.
CREATE INDEX idx_friendships_recipient ON friendships (recipient_id, status, created_at DESC);
CREATE INDEX idx_friendships_requester ON friendships (requester_id, status, created_at DESC);

-- The two pushes of friends, each one the user can turn off.
ALTER TABLE notification_settings
  ADD COLUMN friend_request boolean NOT NULL DEFAULT true,
  ADD COLUMN friend_accepted boolean NOT NULL DEFAULT true;

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
