-- The inbox keeps 90 days (src/features/notifications/pruning.ts): the sweep deletes by age across all users.
CREATE INDEX idx_notifications_created ON notifications (created_at);
