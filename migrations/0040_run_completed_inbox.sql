-- Followers find a run someone finished in their inbox (run_completed, as the newer app lists it); the run's id is
-- the item's cause, so deleting the run deletes its items through this index.
ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_type_check
  CHECK (type IN ('follow', 'friend_request', 'post_comment', 'post_like', 'crew_join_request', 'run_completed'));
CREATE INDEX idx_notifications_run_cause ON notifications (cause_key) WHERE type = 'run_completed';
