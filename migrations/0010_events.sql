-- Group-run events made by users: who made them, cancellation, reminders, and progress from runs.
--
-- Events created before this migration have no creator (they were made in the database) and nobody can edit them
-- through the API. A user's events go with the user (account deletion is one DELETE).
ALTER TABLE events
  ADD COLUMN creator_id uuid REFERENCES users (id) ON DELETE CASCADE,
  -- Set when the creator cancels; a cancelled event is also inactive, stays readable and can no longer be joined.
  ADD COLUMN cancelled_at timestamptz,
  -- Set when the reminder sweep claimed the event; editing starts_at clears it so the new time is reminded.
  ADD COLUMN reminder_sent_at timestamptz,
  ADD CONSTRAINT ck_event_cancelled_inactive CHECK (cancelled_at IS NULL OR NOT is_active);
CREATE INDEX idx_events_creator ON events (creator_id);

-- The reminder sweep looks for active events starting soon that were not reminded yet.
CREATE INDEX idx_events_reminder_due ON events (starts_at) WHERE is_active AND reminder_sent_at IS NULL;

-- The map asks for active events whose meeting point lies in a longitude/latitude box. On geography, `&&`
-- compares geocentric boxes of geodesic shapes, which do not follow parallels (points near a box's equatorward
-- edge are missed); on the planar geometry of the point the box test is exact.
CREATE INDEX idx_events_active_center_geom ON events USING GIST ((center_point::geometry)) WHERE is_active;

-- One row per (event, run) that moved a participant's progress: a run applied twice (a retried completion, a
-- re-processed import) counts once.
CREATE TABLE event_run_contributions (
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  run_record_id uuid NOT NULL REFERENCES run_records (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  distance_meters integer NOT NULL CHECK (distance_meters >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, run_record_id)
);
CREATE INDEX idx_event_contributions_run ON event_run_contributions (run_record_id);
CREATE INDEX idx_event_contributions_user ON event_run_contributions (user_id);
