// SQL of the follow feed. What others may see: public courses, and runs that are not from Strava and not on a
// private course (DECISIONS "Privacy").
import type { Queryable } from '../../infra/db/database.js';

export interface FriendRunningRow {
  [key: string]: unknown;
  user_id: string;
  nickname: string | null;
  avatar_url: string | null;
  session_id: string;
  started_at: Date;
  course_id: string | null;
  course_title: string | null;
}

/**
 * Active sessions of the users `viewerId` follows, newest start first, heard from (started or sent a chunk)
 * within `hours`: a session the expiry sweep has not reached yet is not shown as running either.
 */
export async function friendsRunning(db: Queryable, viewerId: string, hours: number, limit: number): Promise<FriendRunningRow[]> {
  const { rows } = await db.query<FriendRunningRow>(
    `SELECT s.user_id, u.nickname, u.avatar_url, s.id AS session_id, s.started_at,
            CASE WHEN c.is_public OR c.creator_id = $1 THEN s.course_id END AS course_id,
            CASE WHEN c.is_public OR c.creator_id = $1 THEN c.title END AS course_title
       FROM follows f
       JOIN run_sessions s ON s.user_id = f.following_id AND s.status = 'active'
       JOIN users u ON u.id = s.user_id
       LEFT JOIN courses c ON c.id = s.course_id
      WHERE f.follower_id = $1 AND greatest(s.started_at, s.updated_at) > now() - $2 * interval '1 hour'
      ORDER BY s.started_at DESC, s.id
      LIMIT $3`,
    [viewerId, hours, limit],
  );
  return rows;
}

export interface FeedRow {
  [key: string]: unknown;
  type: 'run_completed' | 'course_created';
  user_id: string;
  nickname: string | null;
  avatar_url: string | null;
  run_id: string | null;
  distance_meters: number | null;
  duration_seconds: number | null;
  avg_pace_seconds_per_km: number | null;
  course_title: string | null;
  course_id: string | null;
  course_title_created: string | null;
  course_distance_meters: number | null;
  created_at: Date;
}

/** Runs finished and public courses created by followed users in the last `days`, newest first. */
export async function activityFeed(db: Queryable, viewerId: string, days: number, limit: number): Promise<FeedRow[]> {
  // Each branch takes its own newest `limit` through an index before the merge.
  const { rows } = await db.query<FeedRow>(
    `SELECT i.type, i.user_id, u.nickname, u.avatar_url, i.run_id, i.distance_meters, i.duration_seconds, i.avg_pace_seconds_per_km,
            i.course_title,
            i.course_id, i.course_title_created, i.course_distance_meters, i.created_at
       FROM (
         (SELECT 'run_completed' AS type, r.user_id, r.id AS run_id, r.distance_meters, r.duration_seconds,
                 r.avg_pace_seconds_per_km, c.title AS course_title, NULL::uuid AS course_id, NULL::text AS course_title_created,
                 NULL::integer AS course_distance_meters, r.finished_at AS created_at, r.id AS tie
            FROM follows f
            JOIN run_records r ON r.user_id = f.following_id
            LEFT JOIN courses c ON c.id = r.course_id
           WHERE f.follower_id = $1 AND r.finished_at >= now() - $2 * interval '1 day'
             AND r.source <> 'strava' AND (r.course_id IS NULL OR c.is_public)
           ORDER BY r.finished_at DESC, r.id
           LIMIT $3)
         UNION ALL
         (SELECT 'course_created', c.creator_id, NULL, NULL, NULL, NULL, NULL, c.id, c.title, c.distance_meters, c.created_at, c.id
            FROM follows f
            JOIN courses c ON c.creator_id = f.following_id
           WHERE f.follower_id = $1 AND c.is_public AND c.created_at >= now() - $2 * interval '1 day'
           ORDER BY c.created_at DESC, c.id
           LIMIT $3)
       ) i
       JOIN users u ON u.id = i.user_id
      ORDER BY i.created_at DESC, i.tie
      LIMIT $3`,
    [viewerId, days, limit],
  );
  return rows;
}
