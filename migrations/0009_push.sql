-- Push notifications that are really sent (DECISIONS.md), and which kinds each user wants.

-- One row per user who changed a setting; no row means every kind is on.
CREATE TABLE notification_settings (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  new_follower boolean NOT NULL DEFAULT true,
  course_review boolean NOT NULL DEFAULT true,
  review_reply boolean NOT NULL DEFAULT true,
  ranking_first_place_lost boolean NOT NULL DEFAULT true,
  event_reminder boolean NOT NULL DEFAULT true,
  event_cancelled boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One notification per (recipient, kind, cause): the unique key makes enqueueing the same cause again a no-op.
-- sent_at is set once every device of the user has had it (or could never have it).
CREATE TABLE push_notifications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind varchar(40) NOT NULL CHECK (kind IN ('new_follower', 'course_review', 'review_reply', 'ranking_first_place_lost',
                                            'event_reminder', 'event_cancelled')),
  cause_key text NOT NULL CHECK (char_length(cause_key) BETWEEN 1 AND 200),
  title text NOT NULL,
  body text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  CONSTRAINT uq_push_notifications_cause UNIQUE (user_id, kind, cause_key)
);

-- What each device got, so a retried job sends only to the devices that have not had the notification.
-- 'failed': FCM refused this message for this device for good (the token itself stays valid).
CREATE TABLE push_deliveries (
  notification_id uuid NOT NULL REFERENCES push_notifications (id) ON DELETE CASCADE,
  device_token_id uuid NOT NULL REFERENCES device_tokens (id) ON DELETE CASCADE,
  outcome varchar(10) NOT NULL CHECK (outcome IN ('sent', 'failed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (notification_id, device_token_id)
);
-- Deleting a device token cascades here.
CREATE INDEX idx_push_deliveries_device ON push_deliveries (device_token_id);
