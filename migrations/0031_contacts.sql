-- Friends from the phone book (newer app). A row is a user's consent to be found by their number: only
-- HMAC-SHA-256(CONTACT_HASH_KEY, the app's SHA-256 of the number) is kept, never what the app sent (README
-- "Contacts"). One number maps to one user; the row goes with the account.
CREATE TABLE contact_phone_hashes (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  keyed_hash bytea NOT NULL CHECK (octet_length(keyed_hash) = 32),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_contact_phone_hashes_hash ON contact_phone_hashes (keyed_hash);
