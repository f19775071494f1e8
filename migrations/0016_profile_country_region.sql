-- The profile's country (ISO 3166-1 alpha-2, upper case, as the app's country picker sends it) and the
-- free-text running region of the newer app's profile screen (at most 30 characters there).
ALTER TABLE users
  ADD COLUMN country char(2) CHECK (country ~ '^[A-Z]{2}$'),
  ADD COLUMN activity_region varchar(30);
