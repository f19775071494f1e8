import type { Queryable, Row } from '../../infra/db/database.js';

export interface ExportRun {
  [key: string]: unknown;
  id: string;
  user_id: string;
  session_id: string;
  started_at: Date;
  route: { coordinates: [number, number][] } | null;
}

export async function findRun(db: Queryable, runId: string): Promise<ExportRun | undefined> {
  const { rows } = await db.query<ExportRun>(
    `SELECT id, user_id, session_id, started_at, ST_AsGeoJSON(route_geometry::geometry)::json AS route
       FROM run_records WHERE id = $1`,
    [runId],
  );
  return rows[0];
}

export interface RecordedPoint {
  [key: string]: unknown;
  lat: number;
  lng: number;
  alt: number | null;
  /** Unix time in milliseconds. */
  ts: number | null;
}

/** The raw GPS points the app sent for a session, in the order it recorded them. */
export async function recordedPoints(db: Queryable, sessionId: string): Promise<RecordedPoint[]> {
  const { rows } = await db.query<RecordedPoint>(
    `SELECT (p->>'lat')::float8 AS lat, (p->>'lng')::float8 AS lng, (p->>'alt')::float8 AS alt, (p->>'timestamp')::float8 AS ts
       FROM run_chunks c CROSS JOIN LATERAL jsonb_array_elements(c.raw_gps_points) WITH ORDINALITY AS e(p, n)
      WHERE c.session_id = $1
      ORDER BY c.sequence, e.n`,
    [sessionId],
  );
  return rows;
}

// --- export requests ---

export type ExportState = 'pending' | 'processing' | 'ready' | 'failed';

export interface ExportRow {
  [key: string]: unknown;
  id: string;
  user_id: string;
  status: ExportState;
  file_key: string | null;
  size_bytes: number | null;
  created_at: Date;
  completed_at: Date | null;
}

const EXPORT_COLUMNS = 'id, user_id, status, file_key, size_bytes, created_at, completed_at';

/** A new pending export, or undefined when the user already has one pending or processing. */
export async function insertPendingExport(tx: Queryable, userId: string): Promise<ExportRow | undefined> {
  const { rows } = await tx.query<ExportRow>(
    `INSERT INTO data_exports (user_id) VALUES ($1)
     ON CONFLICT (user_id) WHERE status IN ('pending', 'processing') DO NOTHING
     RETURNING ${EXPORT_COLUMNS}`,
    [userId],
  );
  return rows[0];
}

export async function latestExport(db: Queryable, userId: string): Promise<ExportRow | undefined> {
  const { rows } = await db.query<ExportRow>(
    `SELECT ${EXPORT_COLUMNS} FROM data_exports WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`,
    [userId],
  );
  return rows[0];
}

export async function findExport(db: Queryable, exportId: string): Promise<ExportRow | undefined> {
  const { rows } = await db.query<ExportRow>(`SELECT ${EXPORT_COLUMNS} FROM data_exports WHERE id = $1`, [exportId]);
  return rows[0];
}

/** Marks a pending (or interrupted) export as processing; its owner, or undefined when there is nothing to do. */
export async function claimExport(db: Queryable, exportId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ user_id: string }>(
    `UPDATE data_exports SET status = 'processing' WHERE id = $1 AND status IN ('pending', 'processing') RETURNING user_id`,
    [exportId],
  );
  return rows[0]?.user_id;
}

export async function markReady(db: Queryable, exportId: string, fileKey: string, sizeBytes: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE data_exports SET status = 'ready', file_key = $2, size_bytes = $3, completed_at = now()
      WHERE id = $1 AND status = 'processing'`,
    [exportId, fileKey, sizeBytes],
  );
  return (rowCount ?? 0) > 0;
}

export async function markFailed(db: Queryable, exportId: string): Promise<void> {
  await db.query(`UPDATE data_exports SET status = 'failed', completed_at = now() WHERE id = $1 AND status = 'processing'`, [exportId]);
}

/** Deletes the user's finished exports other than `keepId`; returns their files. */
export async function deleteOlderExports(db: Queryable, userId: string, keepId: string): Promise<string[]> {
  const { rows } = await db.query<{ file_key: string | null }>(
    `DELETE FROM data_exports WHERE user_id = $1 AND id <> $2 AND status IN ('ready', 'failed') RETURNING file_key`,
    [userId, keepId],
  );
  return rows.flatMap((r) => (r.file_key ? [r.file_key] : []));
}

// --- the archive's contents ---

async function all<R extends Row>(db: Queryable, text: string, values: unknown[]): Promise<R[]> {
  return (await db.query<R>(text, values)).rows;
}

/**
 * Account data; secrets (provider tokens, refresh tokens, device tokens) are left out on purpose, and so is the
 * stored phone hash: it is a keyed hash, not the number, and means nothing outside this server.
 */
export async function profileData(db: Queryable, userId: string) {
  const [user, socialAccounts, strava, points, contactMatching] = await Promise.all([
    all(
      db,
      `SELECT id, email, nickname, avatar_url, bio, instagram_username, birthday, height_cm, weight_kg, time_zone,
              total_distance_meters, total_runs, user_code, total_points, weekly_goal_km, consent_terms_at, consent_privacy_at,
              consent_location_at, consent_contacts_at, consent_marketing_at, created_at, updated_at
         FROM users WHERE id = $1`,
      [userId],
    ),
    all(db, 'SELECT provider, provider_id, provider_email, created_at FROM social_accounts WHERE user_id = $1 ORDER BY created_at', [userId]),
    all(
      db,
      `SELECT strava_athlete_id, athlete_name, athlete_profile_url, auto_sync, last_sync_at, created_at
         FROM strava_connections WHERE user_id = $1`,
      [userId],
    ),
    all(
      db,
      `SELECT amount, balance_after, tx_type, reference_id AS run_record_id, checkin_day, created_at
         FROM point_transactions WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    ),
    all<{ has_phone_hash: boolean; registered_at: Date | null }>(
      db,
      `SELECT count(*) > 0 AS has_phone_hash, max(created_at) AS registered_at FROM contact_phone_hashes WHERE user_id = $1`,
      [userId],
    ),
  ]);
  return {
    ...user[0], social_accounts: socialAccounts, strava_connection: strava[0] ?? null, point_transactions: points, contact_matching: contactMatching[0],
  };
}

/** The user's inbox: what others did that concerned them (the actor by id and nickname). */
export function inboxData(db: Queryable, userId: string) {
  return all(
    db,
    `SELECT n.id, n.type, n.actor_id, u.nickname AS actor_nickname, n.target_type, n.target_id, n.data, n.read_at, n.created_at
       FROM notifications n JOIN users u ON u.id = n.actor_id WHERE n.user_id = $1 ORDER BY n.created_at, n.id`,
    [userId],
  );
}

/** The user's runs in start order: ids and start times only (the archive reads each run when it writes it). */
export async function runRefs(db: Queryable, userId: string): Promise<Pick<ExportRun, 'id' | 'started_at'>[]> {
  return all(db, 'SELECT id, started_at FROM run_records WHERE user_id = $1 ORDER BY started_at, id', [userId]);
}

// Someone else's course that is private (now) is the owner's alone: the archive names it nowhere, as the API does not.
const VISIBLE_COURSE = (alias: string, courseId: string, userId: string) =>
  `LEFT JOIN courses ${alias} ON ${alias}.id = ${courseId} AND (${alias}.is_public OR ${alias}.creator_id = ${userId})`;

/** Full rows of some of the user's runs, the route as GeoJSON instead of the stored geography. */
export async function runsByIds(db: Queryable, userId: string, ids: string[]): Promise<ExportRun[]> {
  const rows = await all<ExportRun>(
    db,
    `SELECT r.*, ST_AsGeoJSON(r.route_geometry::geometry)::json AS route, c.id AS visible_course_id
       FROM run_records r ${VISIBLE_COURSE('c', 'r.course_id', 'r.user_id')}
      WHERE r.user_id = $1 AND r.id = ANY($2::uuid[])
      ORDER BY r.started_at, r.id`,
    [userId, ids],
  );
  return rows.map(({ route_geometry: _, visible_course_id, ...row }) => ({ ...row, course_id: visible_course_id }) as ExportRun);
}

export async function coursesData(db: Queryable, userId: string) {
  const rows = await all(
    db,
    `SELECT c.*, ST_AsGeoJSON(c.route_geometry::geometry)::json AS route, ST_AsGeoJSON(c.start_point::geometry)::json AS start
       FROM courses c WHERE c.creator_id = $1 ORDER BY c.created_at, c.id`,
    [userId],
  );
  return rows.map(({ route_geometry: _r, start_point: _s, ...row }) => row);
}

export async function reviewsData(db: Queryable, userId: string) {
  const [written, replies, comments] = await Promise.all([
    all(
      db,
      `SELECT r.id, c.id AS course_id, c.title AS course_title, r.user_id, r.rating, r.content, r.creator_reply,
              r.creator_reply_at, r.created_at, r.updated_at
         FROM reviews r ${VISIBLE_COURSE('c', 'r.course_id', '$1')}
        WHERE r.user_id = $1 ORDER BY r.created_at, r.id`,
      [userId],
    ),
    all(
      db,
      `SELECT r.id AS review_id, r.course_id, c.title AS course_title, r.creator_reply, r.creator_reply_at
         FROM reviews r JOIN courses c ON c.id = r.course_id
        WHERE c.creator_id = $1 AND r.creator_reply IS NOT NULL ORDER BY r.creator_reply_at, r.id`,
      [userId],
    ),
    // Course comments the user wrote; the course is named only while they may see it.
    all(
      db,
      `SELECT m.id, c.id AS course_id, c.title AS course_title, m.parent_id, m.content, m.image_urls, m.created_at, m.updated_at
         FROM course_comments m ${VISIBLE_COURSE('c', 'm.course_id', '$1')}
        WHERE m.user_id = $1 ORDER BY m.created_at, m.id`,
      [userId],
    ),
  ]);
  return { written, replies_to_reviews_of_my_courses: replies, course_comments: comments };
}

export async function followsData(db: Queryable, userId: string) {
  const [following, followers] = await Promise.all([
    all(
      db,
      `SELECT f.following_id AS user_id, u.nickname, f.created_at AS followed_at
         FROM follows f JOIN users u ON u.id = f.following_id WHERE f.follower_id = $1 ORDER BY f.created_at`,
      [userId],
    ),
    all(
      db,
      `SELECT f.follower_id AS user_id, u.nickname, f.created_at AS followed_at
         FROM follows f JOIN users u ON u.id = f.follower_id WHERE f.following_id = $1 ORDER BY f.created_at`,
      [userId],
    ),
  ]);
  return { following, followers };
}

/** The user's friendships and pending friend requests, sent and received, with the other user's nickname. */
export async function friendsData(db: Queryable, userId: string) {
  const rows = await all(
    db,
    `SELECT f.id, f.status, f.requester_id = $1 AS sent_by_me, u.id AS user_id, u.nickname, f.created_at, f.accepted_at
       FROM friendships f
       JOIN users u ON u.id = CASE WHEN f.requester_id = $1 THEN f.recipient_id ELSE f.requester_id END
      WHERE f.requester_id = $1 OR f.recipient_id = $1
      ORDER BY f.created_at, f.id`,
    [userId],
  );
  const friends: Row[] = [];
  const sent: Row[] = [];
  const received: Row[] = [];
  for (const { sent_by_me: mine, ...row } of rows) {
    if (row.status === 'accepted') friends.push({ ...row, requested_by_me: mine });
    else (mine ? sent : received).push(row);
  }
  return { friends, requests_sent: sent, requests_received: received };
}

export async function rankingsData(db: Queryable, userId: string) {
  return all(
    db,
    `SELECT c.id AS course_id, c.title AS course_title, r.run_record_id, r.best_duration_seconds, r.best_pace_seconds_per_km,
            r.run_count, r.achieved_at, r.updated_at
       FROM rankings r ${VISIBLE_COURSE('c', 'r.course_id', '$1')} WHERE r.user_id = $1 ORDER BY r.achieved_at`,
    [userId],
  );
}

export async function courseReactionsData(db: Queryable, userId: string) {
  const [favorites, likes] = await Promise.all([
    all(
      db,
      `SELECT c.id AS course_id, c.title AS course_title, f.created_at FROM course_favorites f ${VISIBLE_COURSE('c', 'f.course_id', '$1')}
        WHERE f.user_id = $1 ORDER BY f.created_at`,
      [userId],
    ),
    all(
      db,
      `SELECT c.id AS course_id, c.title AS course_title, l.created_at FROM course_likes l ${VISIBLE_COURSE('c', 'l.course_id', '$1')}
        WHERE l.user_id = $1 ORDER BY l.created_at`,
      [userId],
    ),
  ]);
  return { favorites, likes };
}

export async function eventsData(db: Queryable, userId: string) {
  const [created, joined] = await Promise.all([
    all(db, 'SELECT e.* FROM events e WHERE e.creator_id = $1 ORDER BY e.created_at, e.id', [userId]),
    all(
      db,
      `SELECT p.event_id, e.title AS event_title, p.progress_distance_meters, p.progress_runs, p.completed, p.joined_at
         FROM event_participants p JOIN events e ON e.id = p.event_id WHERE p.user_id = $1 ORDER BY p.joined_at`,
      [userId],
    ),
  ]);
  return { created: created.map(({ center_point: _, ...row }) => row), joined };
}

/**
 * The user's crews (whole, for those they own), join requests, departures, the challenges they started and the chat
 * messages they sent; other members (and their messages) are not theirs.
 */
export async function crewsData(db: Queryable, userId: string) {
  const [memberships, owned, joinRequests, departures, challenges, chatMessages] = await Promise.all([
    all(
      db,
      `SELECT m.crew_id, c.name AS crew_name, m.grade_level, m.role, m.joined_at, u.primary_crew_id = m.crew_id AS is_primary
         FROM crew_members m JOIN crews c ON c.id = m.crew_id JOIN users u ON u.id = m.user_id
        WHERE m.user_id = $1 ORDER BY m.joined_at, m.crew_id`,
      [userId],
    ),
    all(
      db,
      `SELECT c.* FROM crews c JOIN crew_members m ON m.crew_id = c.id AND m.user_id = $1 AND m.grade_level = 5
        ORDER BY c.created_at, c.id`,
      [userId],
    ),
    all(
      db,
      `SELECT r.id, r.crew_id, c.name AS crew_name, r.message, r.status, r.created_at, r.reviewed_at
         FROM crew_join_requests r JOIN crews c ON c.id = r.crew_id WHERE r.user_id = $1 ORDER BY r.created_at, r.id`,
      [userId],
    ),
    all(db, 'SELECT crew_id, left_at FROM crew_departures WHERE user_id = $1 ORDER BY left_at', [userId]),
    // Challenges the user started; their progress is the members' runs, not the user's.
    all(
      db,
      `SELECT ch.id, ch.crew_id, c.name AS crew_name, ch.course_id, ch.created_at, ch.ended_at
         FROM crew_challenges ch JOIN crews c ON c.id = ch.crew_id WHERE ch.created_by = $1 ORDER BY ch.created_at, ch.id`,
      [userId],
    ),
    all(
      db,
      `SELECT m.id, m.crew_id, c.name AS crew_name, m.content, m.message_type, m.created_at
         FROM crew_messages m JOIN crews c ON c.id = m.crew_id WHERE m.user_id = $1 ORDER BY m.created_at, m.id`,
      [userId],
    ),
  ]);
  return { memberships, owned, join_requests: joinRequests, departures, challenges_started: challenges, chat_messages: chatMessages };
}

/**
 * The group runs the user hosts, with the invitations they sent, and their own part in every group run (invited,
 * accepted); the course is named only while the user may see it.
 */
export async function groupRunsData(db: Queryable, userId: string) {
  const [hosted, participations] = await Promise.all([
    all(
      db,
      `SELECT g.id, g.name, c.id AS course_id, g.status, g.scheduled_at, g.created_at,
              coalesce((SELECT json_agg(json_build_object('user_id', m.user_id, 'status', m.status, 'invited_at', m.invited_at)
                                 ORDER BY m.invited_at, m.user_id)
                          FROM group_run_members m WHERE m.group_run_id = g.id AND m.user_id <> g.creator_id), '[]') AS invitations
         FROM group_runs g ${VISIBLE_COURSE('c', 'g.course_id', '$1')}
        WHERE g.creator_id = $1 ORDER BY g.created_at, g.id`,
      [userId],
    ),
    all(
      db,
      `SELECT m.group_run_id, g.name AS group_run_name, g.creator_id = $1 AS is_host, m.status, m.invited_at, m.accepted_at
         FROM group_run_members m JOIN group_runs g ON g.id = m.group_run_id
        WHERE m.user_id = $1 ORDER BY m.invited_at, m.group_run_id`,
      [userId],
    ),
  ]);
  return { hosted, participations };
}

/**
 * The challenges the user joined, with when they joined and first reached the goal. Progress is not stored: it is
 * read from the runs (runs.json), so it is not repeated here.
 */
export async function challengesData(db: Queryable, userId: string) {
  return all(
    db,
    `SELECT p.challenge_id, c.title, c.goal_type, c.goal_value, c.start_date, c.end_date, p.joined_at, p.completed_at
       FROM challenge_participants p JOIN challenges c ON c.id = p.challenge_id
      WHERE p.user_id = $1 ORDER BY p.joined_at, p.challenge_id`,
    [userId],
  );
}

/**
 * The live group runs the user hosts, and their own part in every live group run: their standing and the positions
 * they sent (their GPS track); the course is named only while the user may see it. Other participants' positions
 * are theirs and left out.
 */
export async function liveGroupRunsData(db: Queryable, userId: string) {
  const [hosted, participations] = await Promise.all([
    all(
      db,
      `SELECT r.id, r.title, c.id AS course_id, r.status, r.max_participants, r.scheduled_at, r.started_at, r.completed_at, r.created_at
         FROM live_group_runs r ${VISIBLE_COURSE('c', 'r.course_id', '$1')}
        WHERE r.host_user_id = $1 ORDER BY r.created_at, r.id`,
      [userId],
    ),
    all(
      db,
      `SELECT p.live_group_run_id, r.title AS live_group_run_title, r.host_user_id = $1 AS is_host, p.status, p.current_distance_m,
              p.current_duration_s, p.joined_at, p.completed_at, rr.id AS run_id,
              coalesce((SELECT json_agg(json_build_object('lat', x.lat, 'lng', x.lng, 'received_at', x.received_at) ORDER BY x.seq)
                          FROM live_group_run_positions x WHERE x.live_group_run_id = p.live_group_run_id AND x.user_id = p.user_id), '[]') AS positions
         FROM live_group_run_participants p JOIN live_group_runs r ON r.id = p.live_group_run_id
         LEFT JOIN run_records rr ON rr.session_id = p.run_session_id
        WHERE p.user_id = $1 ORDER BY p.joined_at, p.live_group_run_id`,
      [userId],
    ),
  ]);
  return { hosted, participations };
}

/** The announcements the user wrote as an administrator. */
export async function announcementsData(db: Queryable, userId: string) {
  return all(
    db,
    `SELECT id, title, content, image_url, link_type, link_value, priority, is_published, starts_at, ends_at, created_at, updated_at
       FROM announcements WHERE created_by = $1 ORDER BY created_at, id`,
    [userId],
  );
}

/** File imports and Strava imports; the stored file's location is internal and left out. */
export async function importsData(db: Queryable, userId: string) {
  return all(
    db,
    `SELECT i.id, i.source, i.external_id, i.original_filename, i.status, i.error_message, i.raw_metadata, i.import_summary,
            CASE WHEN c.id IS NOT NULL THEN i.course_match END AS course_match, i.run_record_id, i.created_at
       FROM external_imports i ${VISIBLE_COURSE('c', "(i.course_match->>'course_id')::uuid", '$1')}
      WHERE i.user_id = $1 ORDER BY i.created_at, i.id`,
    [userId],
  );
}

/**
 * The user's community posts (those an administrator removed too, marked), their comments, the posts they liked and
 * the reports they made; others' comments on their posts are not theirs. A course is named only while they may see it.
 */
export async function communityData(db: Queryable, userId: string) {
  const [posts, comments, likes, postReports, commentReports] = await Promise.all([
    all(
      db,
      `SELECT p.id, p.title, p.content, p.post_type, p.crew_id, p.event_id, c.id AS course_id, p.image_urls, p.removed_at,
              p.created_at, p.updated_at
         FROM community_posts p ${VISIBLE_COURSE('c', 'p.course_id', '$1')}
        WHERE p.user_id = $1 ORDER BY p.created_at, p.id`,
      [userId],
    ),
    all(db, 'SELECT id, post_id, content, removed_at, created_at FROM community_comments WHERE user_id = $1 ORDER BY created_at, id', [userId]),
    all(db, 'SELECT post_id, created_at FROM community_post_likes WHERE user_id = $1 ORDER BY created_at, post_id', [userId]),
    all(db, 'SELECT post_id, reason, created_at FROM community_post_reports WHERE user_id = $1 ORDER BY created_at, post_id', [userId]),
    all(db, 'SELECT comment_id, reason, created_at FROM community_comment_reports WHERE user_id = $1 ORDER BY created_at, comment_id', [userId]),
  ]);
  return { posts, comments, likes, reports: { posts: postReports, comments: commentReports } };
}
