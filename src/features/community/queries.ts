// SQL of the community board. Like and comment counts are counted when read (the migration says why); $1 is always
// the viewer. A crew's post is visible as its crew is: public, or to its members.
import type { Queryable } from '../../infra/db/database.js';
import { crewNameSeenBy } from '../crews/crew-name.js';

export interface PostRow {
  [key: string]: unknown;
  id: string;
  title: string | null;
  content: string;
  post_type: 'general' | 'crew_promo' | 'question';
  event_id: string | null;
  event_title: string | null;
  crew_id: string | null;
  course_id: string | null;
  image_urls: string[];
  like_count: number;
  comment_count: number;
  is_liked: boolean;
  author_id: string;
  nickname: string | null;
  avatar_url: string | null;
  crew_name: string | null;
  crew_grade_level: number | null;
  created_at: Date;
  updated_at: Date;
}

const IS_MEMBER = (crew: string) => `EXISTS (SELECT 1 FROM crew_members vm WHERE vm.crew_id = ${crew} AND vm.user_id = $1::uuid)`;
/** The post `p` may be read by the viewer: not removed, and its crew (if any) readable by them. */
const VISIBLE = `p.removed_at IS NULL AND (p.crew_id IS NULL OR (SELECT cr.is_public FROM crews cr WHERE cr.id = p.crew_id) OR ${IS_MEMBER('p.crew_id')})`;

/** The author of a post or comment: their primary crew named only when the viewer may see that crew. */
const AUTHOR = (alias: string, crew: string) => `
  ${alias}.user_id AS author_id, u.nickname, u.avatar_url,
  ${crewNameSeenBy('u.primary_crew_id', '$1::uuid')} AS crew_name,
  (SELECT m.grade_level FROM crew_members m WHERE m.crew_id = ${crew} AND m.user_id = ${alias}.user_id) AS crew_grade_level`;

/** Posts `p` as the app shows them; `extra` columns first, `from` the rows to show (`p` and its joins). */
const selectPosts = (from = 'community_posts p', extra = '') => `
  SELECT ${extra} p.id, p.title, p.content, p.post_type, p.event_id, e.title AS event_title, p.crew_id,
         CASE WHEN co.is_public OR co.creator_id = $1::uuid THEN p.course_id END AS course_id, p.image_urls,
         (SELECT count(*) FROM community_post_likes l WHERE l.post_id = p.id) AS like_count,
         (SELECT count(*) FROM community_comments c WHERE c.post_id = p.id AND c.removed_at IS NULL) AS comment_count,
         EXISTS (SELECT 1 FROM community_post_likes l WHERE l.post_id = p.id AND l.user_id = $1::uuid) AS is_liked,
         ${AUTHOR('p', 'p.crew_id')}, p.created_at, p.updated_at
    FROM ${from}
    JOIN users u ON u.id = p.user_id
    LEFT JOIN events e ON e.id = p.event_id
    LEFT JOIN courses co ON co.id = p.course_id`;
const SELECT_POST = selectPosts();

export async function findVisiblePost(db: Queryable, viewerId: string, postId: string): Promise<PostRow | undefined> {
  const { rows } = await db.query<PostRow>(`${SELECT_POST} WHERE p.id = $2 AND ${VISIBLE}`, [viewerId, postId]);
  return rows[0];
}

export interface PostFilter {
  postType?: string;
  crewId?: string;
  /** only posts created at or before this time, for pages that stay put while others post */
  before?: string;
  limit: number;
  offset: number;
}

/** One page of visible posts, newest first (id breaks ties), with how many there are in all. */
export async function listPosts(db: Queryable, viewerId: string, f: PostFilter) {
  const where = [
    VISIBLE,
    '($2::text IS NULL OR p.post_type = $2)',
    '($3::uuid IS NULL OR p.crew_id = $3)',
    // Times are given to the millisecond, stored to the microsecond: the whole millisecond is "at".
    "($4::timestamptz IS NULL OR p.created_at < $4::timestamptz + interval '1 millisecond')",
  ].join(' AND ');
  const params = [viewerId, f.postType ?? null, f.crewId ?? null, f.before ?? null];
  const [count, page] = await Promise.all([
    db.query<{ n: number }>(`SELECT count(*) AS n FROM community_posts p WHERE ${where}`, params),
    db.query<PostRow>(`${SELECT_POST} WHERE ${where} ORDER BY p.created_at DESC, p.id DESC LIMIT $5 OFFSET $6`, [...params, f.limit, f.offset]),
  ]);
  return { total_count: count.rows[0]!.n, rows: page.rows };
}

export interface PostAccessRow {
  [key: string]: unknown;
  id: string;
  user_id: string;
  crew_id: string | null;
  image_urls: string[];
  /** the caller's grade in the post's crew */
  my_grade: number | null;
}

/** A visible post locked for a change (likes and comments on it wait their turn), with the viewer's grade in its crew. */
export async function lockVisiblePost(tx: Queryable, viewerId: string, postId: string): Promise<PostAccessRow | undefined> {
  const { rows } = await tx.query<PostAccessRow>(
    `SELECT p.id, p.user_id, p.crew_id, p.image_urls,
            (SELECT m.grade_level FROM crew_members m WHERE m.crew_id = p.crew_id AND m.user_id = $1) AS my_grade
       FROM community_posts p WHERE p.id = $2 AND ${VISIBLE}
        FOR NO KEY UPDATE OF p`,
    [viewerId, postId],
  );
  return rows[0];
}

export interface NewPost {
  title: string | null;
  content: string;
  post_type: string;
  crew_id: string | null;
  event_id: string | null;
  course_id: string | null;
  image_urls: string[];
}

export async function insertPost(tx: Queryable, userId: string, p: NewPost): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO community_posts (user_id, title, content, post_type, crew_id, event_id, course_id, image_urls)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [userId, p.title, p.content, p.post_type, p.crew_id, p.event_id, p.course_id, p.image_urls],
  );
  return rows[0]!.id;
}

export async function updatePost(tx: Queryable, postId: string, changes: { title?: string | null; content?: string; image_urls?: string[] }) {
  await tx.query(
    `UPDATE community_posts SET
       title = CASE WHEN $2 THEN $3 ELSE title END,
       content = coalesce($4, content),
       image_urls = coalesce($5, image_urls),
       updated_at = now()
     WHERE id = $1`,
    [postId, changes.title !== undefined, changes.title ?? null, changes.content ?? null, changes.image_urls ?? null],
  );
}

export async function deletePost(tx: Queryable, postId: string): Promise<void> {
  await tx.query('DELETE FROM community_posts WHERE id = $1', [postId]);
}

/** Likes when not liked, unlikes when liked; the primary key settles a double tap. Returns the state after. */
export async function toggleLike(tx: Queryable, postId: string, userId: string): Promise<{ is_liked: boolean; like_count: number }> {
  const removed = await tx.query('DELETE FROM community_post_likes WHERE post_id = $1 AND user_id = $2', [postId, userId]);
  if (!removed.rowCount) {
    await tx.query('INSERT INTO community_post_likes (post_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [postId, userId]);
  }
  const { rows } = await tx.query<{ like_count: number }>('SELECT count(*) AS like_count FROM community_post_likes WHERE post_id = $1', [postId]);
  return { is_liked: !removed.rowCount, like_count: rows[0]!.like_count };
}

export interface CommentRow {
  [key: string]: unknown;
  id: string;
  post_id: string;
  content: string;
  author_id: string;
  nickname: string | null;
  avatar_url: string | null;
  crew_name: string | null;
  crew_grade_level: number | null;
  created_at: Date;
}

/** Comments `c` as the app shows them; `extra` columns first. */
const selectComments = (from: string, extra = '') => `
  SELECT ${extra} c.id, c.post_id, c.content, ${AUTHOR('c', '(SELECT cp.crew_id FROM community_posts cp WHERE cp.id = c.post_id)')}, c.created_at
    FROM ${from} JOIN users u ON u.id = c.user_id`;

/** One page of a post's comments, oldest first, with how many there are. */
export async function listComments(db: Queryable, viewerId: string, postId: string, limit: number, offset: number) {
  const [count, page] = await Promise.all([
    db.query<{ n: number }>('SELECT count(*) AS n FROM community_comments WHERE post_id = $1 AND removed_at IS NULL', [postId]),
    db.query<CommentRow>(
      `${selectComments('community_comments c')} WHERE c.post_id = $2 AND c.removed_at IS NULL
        ORDER BY c.created_at, c.id LIMIT $3 OFFSET $4`,
      [viewerId, postId, limit, offset],
    ),
  ]);
  return { total_count: count.rows[0]!.n, rows: page.rows };
}

export async function insertComment(tx: Queryable, viewerId: string, postId: string, content: string): Promise<CommentRow> {
  const { rows } = await tx.query<CommentRow>(
    `WITH c AS (INSERT INTO community_comments (post_id, user_id, content) VALUES ($2, $1, $3) RETURNING *)
     ${selectComments('c')}`,
    [viewerId, postId, content],
  );
  return rows[0]!;
}

/** A comment not removed, locked, on `postId`. */
export async function lockComment(tx: Queryable, postId: string, commentId: string) {
  const { rows } = await tx.query<{ id: string; user_id: string }>(
    'SELECT id, user_id FROM community_comments WHERE id = $1 AND post_id = $2 AND removed_at IS NULL FOR UPDATE',
    [commentId, postId],
  );
  return rows[0];
}

export async function deleteComment(tx: Queryable, commentId: string): Promise<void> {
  await tx.query('DELETE FROM community_comments WHERE id = $1', [commentId]);
}

export async function nicknameOf(db: Queryable, userId: string): Promise<string | null> {
  const { rows } = await db.query<{ nickname: string | null }>('SELECT nickname FROM users WHERE id = $1', [userId]);
  return rows[0]?.nickname ?? null;
}

/** The crew's visibility and the caller's grade in it (null: not a member). */
export async function crewStanding(db: Queryable, viewerId: string, crewId: string) {
  const { rows } = await db.query<{ is_public: boolean; my_grade: number | null }>(
    'SELECT c.is_public, (SELECT m.grade_level FROM crew_members m WHERE m.crew_id = c.id AND m.user_id = $1) AS my_grade FROM crews c WHERE c.id = $2',
    [viewerId, crewId],
  );
  return rows[0];
}

export async function eventExists(db: Queryable, eventId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM events WHERE id = $1', [eventId]);
  return (rowCount ?? 0) > 0;
}

/** A comment not removed, on `postId`. */
export async function findComment(db: Queryable, postId: string, commentId: string) {
  const { rows } = await db.query<{ id: string; user_id: string }>(
    'SELECT id, user_id FROM community_comments WHERE id = $1 AND post_id = $2 AND removed_at IS NULL',
    [commentId, postId],
  );
  return rows[0];
}

export async function insertPostReport(db: Queryable, postId: string, userId: string, reason: string): Promise<void> {
  await db.query(
    'INSERT INTO community_post_reports (post_id, user_id, reason) VALUES ($1, $2, $3) ON CONFLICT (post_id, user_id) DO NOTHING',
    [postId, userId, reason],
  );
}

export async function insertCommentReport(db: Queryable, commentId: string, userId: string, reason: string): Promise<void> {
  await db.query(
    'INSERT INTO community_comment_reports (comment_id, user_id, reason) VALUES ($1, $2, $3) ON CONFLICT (comment_id, user_id) DO NOTHING',
    [commentId, userId, reason],
  );
}

// ---- moderation (administrators)

/** Hides the post from everyone; false when there is no such post. Removing it again keeps the first removal. */
export async function removePost(db: Queryable, adminId: string, postId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE community_posts SET removed_at = coalesce(removed_at, now()), removed_by = coalesce(removed_by, $2) WHERE id = $1`,
    [postId, adminId],
  );
  return (rowCount ?? 0) > 0;
}

export async function removeComment(db: Queryable, adminId: string, commentId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE community_comments SET removed_at = coalesce(removed_at, now()), removed_by = coalesce(removed_by, $2) WHERE id = $1`,
    [commentId, adminId],
  );
  return (rowCount ?? 0) > 0;
}

interface ReportSummary {
  report_count: number;
  last_reported_at: Date;
  reasons: string[];
}

/** Posts not removed that have reports, latest report first; posts of every crew (administrators see them all). */
export async function reportedPosts(db: Queryable, adminId: string, limit: number, offset: number) {
  const [count, page] = await Promise.all([
    db.query<{ n: number }>(
      `SELECT count(*) AS n FROM community_posts p
        WHERE p.removed_at IS NULL AND EXISTS (SELECT 1 FROM community_post_reports r WHERE r.post_id = p.id)`,
    ),
    db.query<PostRow & ReportSummary>(
      `WITH reported AS (
         SELECT r.post_id, count(*) AS report_count, max(r.created_at) AS last_reported_at,
                (array_agg(r.reason ORDER BY r.created_at DESC))[1:10] AS reasons
           FROM community_post_reports r GROUP BY r.post_id)
       ${selectPosts('reported rp JOIN community_posts p ON p.id = rp.post_id', 'rp.report_count, rp.last_reported_at, rp.reasons,')}
        WHERE p.removed_at IS NULL
        ORDER BY rp.last_reported_at DESC, p.id DESC LIMIT $2 OFFSET $3`,
      [adminId, limit, offset],
    ),
  ]);
  return { total_count: count.rows[0]!.n, rows: page.rows };
}

/** Comments not removed, on posts not removed, that have reports, latest report first. */
export async function reportedComments(db: Queryable, adminId: string, limit: number, offset: number) {
  const where = 'c.removed_at IS NULL AND (SELECT p.removed_at FROM community_posts p WHERE p.id = c.post_id) IS NULL';
  const [count, page] = await Promise.all([
    db.query<{ n: number }>(
      `SELECT count(*) AS n FROM community_comments c
        WHERE ${where} AND EXISTS (SELECT 1 FROM community_comment_reports r WHERE r.comment_id = c.id)`,
    ),
    db.query<CommentRow & ReportSummary>(
      `WITH reported AS (
         SELECT r.comment_id, count(*) AS report_count, max(r.created_at) AS last_reported_at,
                (array_agg(r.reason ORDER BY r.created_at DESC))[1:10] AS reasons
           FROM community_comment_reports r GROUP BY r.comment_id)
       ${selectComments('reported rc JOIN community_comments c ON c.id = rc.comment_id', 'rc.report_count, rc.last_reported_at, rc.reasons,')}
        WHERE ${where}
        ORDER BY rc.last_reported_at DESC, c.id DESC LIMIT $2 OFFSET $3`,
      [adminId, limit, offset],
    ),
  ]);
  return { total_count: count.rows[0]!.n, rows: page.rows };
}

/** The images the user's posts show (for their files to go with the account). */
export async function imagesOfPostsBy(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ url: string }>('SELECT DISTINCT unnest(image_urls) AS url FROM community_posts WHERE user_id = $1', [userId]);
  return rows.map((r) => r.url);
}
