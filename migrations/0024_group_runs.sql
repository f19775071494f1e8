-- Planned group runs (the newer app's groupRunService.ts): a host picks a course they can see and invites up to
-- four people by user id; each invitee accepts or declines. A group run has at most 5 participants, the host
-- included, invitations counted: every change locks the group_runs row before counting, so concurrent invitations
-- never take it over. The host cannot leave (they disband it); a deleted host's group runs go with the account,
-- a deleted participant's row with theirs.
CREATE TABLE group_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  creator_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name varchar(30) NOT NULL CHECK (char_length(name) BETWEEN 1 AND 30),
  status varchar(9) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed')),
  -- When the group means to run (optional; the app does not send it yet): a reminder is pushed before it.
  scheduled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_group_runs_creator ON group_runs (creator_id);
CREATE INDEX idx_group_runs_course ON group_runs (course_id);

-- The host is a participant too ('accepted' from the start); a declined invitation is deleted.
CREATE TABLE group_run_members (
  group_run_id uuid NOT NULL REFERENCES group_runs (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  status varchar(9) NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'accepted', 'completed')),
  invited_at timestamptz NOT NULL DEFAULT now(),
  accepted_at timestamptz,
  PRIMARY KEY (group_run_id, user_id)
);
CREATE INDEX idx_group_run_members_user ON group_run_members (user_id, group_run_id);

-- Push kinds of group runs, each one the user can turn off.
ALTER TABLE notification_settings
  ADD COLUMN group_run_invite boolean NOT NULL DEFAULT true,
  ADD COLUMN group_run_reminder boolean NOT NULL DEFAULT true;

-- The allowed kinds are exactly the switches of notification_settings: the list is rebuilt from its boolean
-- columns, so kinds other migrations add alongside this one are kept whatever order they are merged in.
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
