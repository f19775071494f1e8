-- Personal data exports (GDPR): a user asks for an archive of everything we hold about them; a background job
-- builds a ZIP into the private 'exports' storage folder, which only its owner can download through the API.
-- A user keeps one archive: a new one that is ready replaces the older ones (rows and files).
CREATE TABLE data_exports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  status varchar(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'ready', 'failed')),
  -- Storage key of the archive (`exports/<hex>.zip`), set when ready.
  file_key text,
  size_bytes bigint CHECK (size_bytes >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  CONSTRAINT ck_data_exports_ready CHECK ((status = 'ready') = (file_key IS NOT NULL))
);
CREATE INDEX idx_data_exports_user_created ON data_exports (user_id, created_at DESC);
-- At most one export in progress per user, so repeated requests cannot pile up work.
CREATE UNIQUE INDEX uq_data_exports_user_in_progress ON data_exports (user_id) WHERE status IN ('pending', 'processing');
