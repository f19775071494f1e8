-- Administrators moderate community posts and manage announcements (issue 14). Granted by `npm run admin -- grant`.
ALTER TABLE users ADD COLUMN is_admin boolean NOT NULL DEFAULT false;
