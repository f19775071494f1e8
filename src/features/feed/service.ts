// The follow feed (RULES.md §7): who I follow is running now, and what they did lately.
import type { Config } from '../../infra/config.js';
import type { Queryable } from '../../infra/db/database.js';
import * as q from './queries.js';
import type { ActivityFeed, FriendsRunning } from './schemas.js';

/** How far back the activity feed looks. */
const FEED_DAYS = 7;

export async function friendsRunning(db: Queryable, config: Config, viewerId: string, limit: number): Promise<FriendsRunning> {
  const rows = await q.friendsRunning(db, viewerId, config.RUN_SESSION_EXPIRE_HOURS, limit);
  return { data: rows.map((r) => ({ ...r, started_at: r.started_at.toISOString() })) };
}

export async function activityFeed(db: Queryable, viewerId: string, limit: number): Promise<ActivityFeed> {
  const rows = await q.activityFeed(db, viewerId, FEED_DAYS, limit);
  return { data: rows.map((r) => ({ ...r, created_at: r.created_at.toISOString() })) };
}
