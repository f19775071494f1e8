-- Crew chat (issue 12 item 6; the old server's crew_chat.py, on our crews). A member's messages go with their
-- account; a crew's messages go with the crew. client_id makes a retried send idempotent.
CREATE TABLE crew_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  crew_id uuid NOT NULL REFERENCES crews (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  content text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 2000),
  message_type text NOT NULL DEFAULT 'text' CHECK (message_type IN ('text', 'image')),
  client_id uuid,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- Pages newest first by (created_at, id); unread counts are a range of it.
CREATE INDEX idx_crew_messages_crew_created ON crew_messages (crew_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX uq_crew_messages_client_id ON crew_messages (crew_id, user_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX idx_crew_messages_user ON crew_messages (user_id);

CREATE TABLE crew_message_reads (
  crew_id uuid NOT NULL REFERENCES crews (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  last_read_at timestamptz NOT NULL,
  PRIMARY KEY (crew_id, user_id)
);
CREATE INDEX idx_crew_message_reads_user ON crew_message_reads (user_id);
