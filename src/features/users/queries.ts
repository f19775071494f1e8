// SQL of the users feature.
import type { Queryable } from '../../infra/db/database.js';
import { gearJson, type GearRow } from '../gear/queries.js';
import { routePreviewSql } from '../courses/route-preview.js';
import { crewNameSeenBy } from '../crews/crew-name.js';

export interface UserRow {
  [key: string]: unknown;
  id: string;
  email: string | null;
  nickname: string | null;
  avatar_url: string | null;
  birthday: string | null;
  height_cm: number | null;
  weight_kg: number | null;
  bio: string | null;
  instagram_username: string | null;
  country: string | null;
  activity_region: string | null;
  total_distance_meters: number;
  total_runs: number;
  total_points: number;
  created_at: Date;
  user_code: string;
  /** the name of the user's primary crew */
  crew_name: string | null;
}

const COLUMNS = [
  'id', 'email', 'nickname', 'avatar_url', 'birthday', 'height_cm', 'weight_kg', 'bio', 'instagram_username',
  'country', 'activity_region', 'total_distance_meters', 'total_runs', 'total_points', 'created_at', 'user_code',
];
// The user's own primary crew: they are one of its members, so it is always named to them.
const CREW_NAME = '(SELECT name FROM crews c WHERE c.id = u.primary_crew_id) AS crew_name';
const USER_COLUMNS = [...COLUMNS.map((c) => `u.${c}`), CREW_NAME].join(', ');

/** The profile fields PATCH may set; the column names are the body keys. */
export const EDITABLE_COLUMNS = [
  'nickname', 'avatar_url', 'birthday', 'height_cm', 'weight_kg', 'bio', 'instagram_username', 'country', 'activity_region',
] as const;
export type EditableColumn = (typeof EDITABLE_COLUMNS)[number];

export async function findUser(db: Queryable, id: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [id]);
  return rows[0];
}

/**
 * Sets the given columns and returns the user with its previous avatar_url. Column names come
 * from EDITABLE_COLUMNS only, never from the request.
 */
export async function updateUser(
  db: Queryable,
  id: string,
  changes: Partial<Record<EditableColumn, unknown>>,
): Promise<(UserRow & { previous_avatar_url: string | null }) | undefined> {
  const columns = EDITABLE_COLUMNS.filter((c) => changes[c] !== undefined);
  const values = columns.map((c) => changes[c]);
  const sets = columns.map((c, i) => `${c} = $${i + 2}`);
  const { rows } = await db.query<UserRow & { previous_avatar_url: string | null }>(
    `UPDATE users u SET ${[...sets, 'updated_at = now()'].join(', ')}
       FROM (SELECT avatar_url FROM users WHERE id = $1 FOR UPDATE) AS before
      WHERE u.id = $1
      RETURNING ${USER_COLUMNS}, before.avatar_url AS previous_avatar_url`,
    [id, ...values],
  );
  return rows[0];
}

export async function socialCounts(db: Queryable, id: string) {
  const { rows } = await db.query<{ followers_count: number; following_count: number; total_likes_received: number }>(
    `SELECT (SELECT count(*) FROM follows WHERE following_id = $1) AS followers_count,
            (SELECT count(*) FROM follows WHERE follower_id = $1) AS following_count,
            (SELECT count(*) FROM course_likes l JOIN courses c ON c.id = l.course_id WHERE c.creator_id = $1)
              AS total_likes_received`,
    [id],
  );
  return rows[0]!;
}

export interface PublicProfileRow {
  [key: string]: unknown;
  id: string;
  nickname: string | null;
  avatar_url: string | null;
  bio: string | null;
  instagram_username: string | null;
  country: string | null;
  activity_region: string | null;
  crew_name: string | null;
  total_distance_meters: number;
  total_runs: number;
  total_likes_received: number;
  created_at: Date;
  followers_count: number;
  following_count: number;
  is_following: boolean;
  courses: {
    id: string; title: string; distance_meters: number; thumbnail_url: string | null; route_preview: number[][] | null;
    total_runs: number; like_count: number;
  }[];
  top_rankings: { course_id: string; course_title: string; rank: number; best_duration_seconds: number }[];
  gear: GearRow[];
}

/**
 * The whole public profile in one query. Private courses never appear, neither in `courses` nor in
 * `top_rankings`. A rank is the ranking row's position on its course: rows with a smaller
 * (best_duration_seconds, achieved_at) + 1, counted on the (course_id, best_duration_seconds,
 * achieved_at) index.
 */
export async function findPublicProfile(db: Queryable, userId: string, viewerId: string): Promise<PublicProfileRow | undefined> {
  const { rows } = await db.query<PublicProfileRow>(
    `SELECT u.id, u.nickname, u.avatar_url, u.bio, u.instagram_username, u.country, u.activity_region,
            ${crewNameSeenBy('u.primary_crew_id', '$2')} AS crew_name,
            u.total_distance_meters - CASE WHEN u.id = $2 THEN 0 ELSE strava.distance END AS total_distance_meters,
            u.total_runs - CASE WHEN u.id = $2 THEN 0 ELSE strava.runs END AS total_runs,
            u.created_at,
            -- Others count the likes on public courses only: a private course is not theirs to see.
            (SELECT count(*) FROM course_likes l JOIN courses c ON c.id = l.course_id
              WHERE c.creator_id = u.id AND (c.is_public OR u.id = $2)) AS total_likes_received,
            (SELECT count(*) FROM follows WHERE following_id = u.id) AS followers_count,
            (SELECT count(*) FROM follows WHERE follower_id = u.id) AS following_count,
            EXISTS (SELECT 1 FROM follows WHERE follower_id = $2 AND following_id = u.id) AS is_following,
            (SELECT coalesce(json_agg(json_build_object(
                      'id', c.id, 'title', c.title, 'distance_meters', c.distance_meters,
                      'thumbnail_url', c.thumbnail_url, 'route_preview', c.route_preview, 'total_runs', c.total_runs,
                      'like_count', c.like_count)
                    ORDER BY c.created_at DESC, c.id DESC), '[]')
               FROM (SELECT c.id, c.title, c.distance_meters, c.thumbnail_url, c.created_at,
                            coalesce(s.total_runs, 0) AS total_runs, ${routePreviewSql('c')} AS route_preview,
                            (SELECT count(*) FROM course_likes l WHERE l.course_id = c.id) AS like_count
                       FROM courses c LEFT JOIN course_stats s ON s.course_id = c.id
                      WHERE c.creator_id = u.id AND c.is_public
                      ORDER BY c.created_at DESC, c.id DESC
                      LIMIT 10) c) AS courses,
            (SELECT coalesce(json_agg(json_build_object(
                      'course_id', r.course_id, 'course_title', r.course_title, 'rank', r.rank,
                      'best_duration_seconds', r.best_duration_seconds)
                    ORDER BY r.rank, r.best_duration_seconds, r.course_id), '[]')
               FROM (SELECT r.course_id, c.title AS course_title, r.best_duration_seconds,
                            1 + (SELECT count(*) FROM rankings o
                                  WHERE o.course_id = r.course_id
                                    AND (o.best_duration_seconds, o.achieved_at) < (r.best_duration_seconds, r.achieved_at))
                              AS rank
                       FROM rankings r JOIN courses c ON c.id = r.course_id AND c.is_public
                      WHERE r.user_id = u.id
                      ORDER BY rank, r.best_duration_seconds, r.course_id
                      LIMIT 5) r) AS top_rankings,
            -- Others see the gear without the distance of the user's Strava runs.
            ${gearJson('u.id', 'u.id = $2')} AS gear
       FROM users u
       -- Strava's terms: data from Strava is shown only to the user it belongs to, totals included.
       CROSS JOIN LATERAL (SELECT coalesce(sum(distance_meters), 0) AS distance, count(*) AS runs
                             FROM run_records WHERE user_id = u.id AND source = 'strava') strava
      WHERE u.id = $1`,
    [userId, viewerId],
  );
  return rows[0];
}

/**
 * Deletes the user; the foreign keys cascade to everything they own (migrations/0001). Returns the
 * stored files that belonged to them (avatar, thumbnails of their courses), or undefined if the
 * user was already gone.
 */
export async function deleteUser(db: Queryable, id: string): Promise<{ files: string[]; privateKeys: string[] } | undefined> {
  // The rows go with the user (foreign keys cascade); the files they point at are collected first.
  const { rows } = await db.query<{ avatar_url: string | null; thumbnails: string[] | null; private_keys: string[] | null }>(
    `WITH thumbnails AS (SELECT thumbnail_url FROM courses WHERE creator_id = $1 AND thumbnail_url IS NOT NULL),
          private_files AS (SELECT file_key AS key FROM data_exports WHERE user_id = $1 AND file_key IS NOT NULL
                            UNION ALL
                            SELECT file_path FROM external_imports WHERE user_id = $1 AND file_path IS NOT NULL)
     DELETE FROM users WHERE id = $1
     RETURNING avatar_url, ARRAY(SELECT thumbnail_url FROM thumbnails) AS thumbnails,
               ARRAY(SELECT key FROM private_files) AS private_keys`,
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { files: [...(row.avatar_url ? [row.avatar_url] : []), ...(row.thumbnails ?? [])], privateKeys: row.private_keys ?? [] };
}

/**
 * Shows the caller's crew of this name (any case) on their profile, or none with null; false when they are in no
 * crew of that name.
 */
export async function setPrimaryCrewByName(db: Queryable, id: string, name: string | null): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE users u SET primary_crew_id = (SELECT m.crew_id FROM crew_members m JOIN crews c ON c.id = m.crew_id
                                            WHERE m.user_id = $1 AND lower(c.name) = lower($2)), updated_at = now()
      WHERE u.id = $1 AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM crew_members m JOIN crews c ON c.id = m.crew_id
                                                        WHERE m.user_id = $1 AND lower(c.name) = lower($2)))`,
    [id, name],
  );
  return (rowCount ?? 0) > 0;
}

/** Of `urls`, those that no remaining user has as avatar and no remaining course as thumbnail. */
export async function unreferencedFiles(db: Queryable, urls: string[]): Promise<string[]> {
  if (urls.length === 0) return [];
  const { rows } = await db.query<{ url: string }>(
    `SELECT url FROM unnest($1::text[]) AS url
      WHERE NOT EXISTS (SELECT 1 FROM users WHERE avatar_url = url)
        AND NOT EXISTS (SELECT 1 FROM courses WHERE thumbnail_url = url)`,
    [urls],
  );
  return rows.map((r) => r.url);
}

/**
 * Records the consents: terms, privacy and location are stamped when given (a later false does not withdraw
 * them: the app cannot be used without them); contacts and marketing follow the latest answer.
 */
export async function saveConsent(
  db: Queryable,
  id: string,
  c: { terms: boolean; privacy: boolean; location: boolean; contacts: boolean; marketing: boolean },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE users SET consent_terms_at = CASE WHEN $2 THEN now() ELSE consent_terms_at END,
                      consent_privacy_at = CASE WHEN $3 THEN now() ELSE consent_privacy_at END,
                      consent_location_at = CASE WHEN $4 THEN now() ELSE consent_location_at END,
                      consent_contacts_at = CASE WHEN $5 THEN now() END,
                      consent_marketing_at = CASE WHEN $6 THEN now() END,
                      updated_at = now()
      WHERE id = $1`,
    [id, c.terms, c.privacy, c.location, c.contacts, c.marketing],
  );
  return (rowCount ?? 0) > 0;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/** Users whose nickname contains `text`, by nickname (idx_users_nickname_trgm). */
export async function searchUsers(db: Queryable, viewerId: string, text: string, limit: number, offset: number) {
  const pattern = `%${escapeLike(text)}%`;
  const [page, count] = await Promise.all([
    db.query<{ id: string; nickname: string | null; avatar_url: string | null; crew_name: string | null; activity_region: string | null }>(
      `SELECT u.id, u.nickname, u.avatar_url, u.activity_region, ${crewNameSeenBy('u.primary_crew_id', '$4::uuid')} AS crew_name
         FROM users u WHERE u.nickname ILIKE $1 ESCAPE '\\'
        ORDER BY u.nickname, u.id LIMIT $2 OFFSET $3`,
      [pattern, limit, offset, viewerId],
    ),
    db.query<{ total: number }>(`SELECT count(*) AS total FROM users WHERE nickname ILIKE $1 ESCAPE '\\'`, [pattern]),
  ]);
  return { rows: page.rows, total: count.rows[0]!.total };
}
