-- The in-app notification inbox of the newer app (notificationService.ts): what someone did that concerns the
-- user, whatever their push settings or devices. One item per cause; the actor's account takes its items along.
CREATE TABLE notifications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('follow', 'friend_request', 'post_comment', 'post_like', 'crew_join_request')),
  actor_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  target_type text,
  target_id uuid,
  data jsonb NOT NULL DEFAULT '{}',
  cause_key text NOT NULL,
  read_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, type, cause_key)
);
CREATE INDEX idx_notifications_user_created ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX idx_notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX idx_notifications_actor ON notifications (actor_id);
