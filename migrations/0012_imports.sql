-- Activity file imports (GPX, FIT, TCX): duplicates are recognised by the database, so two uploads racing each
-- other cannot both pass a check made in application code.
--
-- SHA-256 of the uploaded bytes: the same file uploaded twice by a user is one import. NULL for Strava imports
-- (they are de-duplicated by external_id); NULLs never conflict.
ALTER TABLE external_imports ADD COLUMN content_sha256 bytea CHECK (octet_length(content_sha256) = 32);
CREATE UNIQUE INDEX uq_imports_user_content ON external_imports (user_id, content_sha256);

-- The recording device's own identity of the activity (FIT file_id serial number + time_created), set when the
-- import completes: the same activity in a different file (re-exported, or converted) is not imported twice.
ALTER TABLE external_imports ADD COLUMN activity_key varchar(100);
CREATE UNIQUE INDEX uq_imports_user_activity ON external_imports (user_id, activity_key);
