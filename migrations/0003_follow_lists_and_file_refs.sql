-- Follower/following lists are read newest first, a page at a time: these indexes give that order
-- without sorting every follow of a popular user. The (following_id, created_at) one replaces the
-- plain following_id index; (follower_id, following_id) stays unique for the pair.
CREATE INDEX idx_follows_following_created ON follows (following_id, created_at DESC);
CREATE INDEX idx_follows_follower_created ON follows (follower_id, created_at DESC);
DROP INDEX idx_follows_following;

-- Before a stored avatar or thumbnail is deleted, we check that no profile or course still points at
-- its URL (a profile may name another user's file). Equality lookups on long URLs: hash indexes.
CREATE INDEX idx_users_avatar_url ON users USING hash (avatar_url);
CREATE INDEX idx_courses_thumbnail_url ON courses USING hash (thumbnail_url);
