// SQL of group runs and their participants.
import type { Queryable } from '../../infra/db/database.js';
import type { MemberStatus } from './schemas.js';

export interface GroupRunRow {
  [key: string]: unknown;
  id: string;
  course_id: string;
  /** null when the course is private and not the viewer's */
  course_name: string | null;
  name: string;
  creator_id: string;
  status: 'active' | 'completed';
  scheduled_at: Date | null;
  created_at: Date;
  member_count: number;
  /** the viewer's status; null when they take no part */
  my_status: MemberStatus | null;
}

// $1 is always the viewer.
const GROUP_RUN_SELECT = `
  SELECT g.id, g.course_id, c.title AS course_name, g.name, g.creator_id, g.status, g.scheduled_at, g.created_at,
         (SELECT count(*)::int FROM group_run_members a WHERE a.group_run_id = g.id) AS member_count,
         me.status AS my_status
    FROM group_runs g
    LEFT JOIN courses c ON c.id = g.course_id AND (c.is_public OR c.creator_id = $1::uuid)`;

/** The group run as the viewer sees it; undefined when missing or the viewer takes no part in it. */
export async function findGroupRun(db: Queryable, viewerId: string, id: string): Promise<GroupRunRow | undefined> {
  const { rows } = await db.query<GroupRunRow>(
    `${GROUP_RUN_SELECT} JOIN group_run_members me ON me.group_run_id = g.id AND me.user_id = $1 WHERE g.id = $2`,
    [viewerId, id],
  );
  return rows[0];
}

export interface LockedGroupRun {
  [key: string]: unknown;
  id: string;
  name: string;
  creator_id: string;
  status: 'active' | 'completed';
  member_count: number;
  my_status: MemberStatus | null;
}

/** Locks the group run (until the transaction ends) and counts its participants; undefined when missing. */
export async function lockGroupRun(tx: Queryable, viewerId: string, id: string): Promise<LockedGroupRun | undefined> {
  const { rows } = await tx.query<LockedGroupRun>(
    'SELECT id, name, creator_id, status FROM group_runs WHERE id = $1 FOR UPDATE',
    [id],
  );
  if (!rows[0]) return undefined;
  const members = await tx.query<{ member_count: number; my_status: MemberStatus | null }>(
    `SELECT count(*)::int AS member_count, max(status) FILTER (WHERE user_id = $2) AS my_status
       FROM group_run_members WHERE group_run_id = $1`,
    [id, viewerId],
  );
  return { ...rows[0], ...members.rows[0]! };
}

/** The group runs the viewer takes part in (hosting, invited or accepted), newest first. */
export async function listMine(
  db: Queryable,
  viewerId: string,
  f: { courseId?: string; limit: number; offset: number },
): Promise<{ total_count: number; rows: GroupRunRow[] }> {
  const values: unknown[] = [viewerId];
  let filter = '';
  if (f.courseId) {
    values.push(f.courseId);
    filter = `AND g.course_id = $${values.length}`;
  }
  const mine = `JOIN group_run_members me ON me.group_run_id = g.id AND me.user_id = $1`;
  const [count, page] = await Promise.all([
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM group_runs g ${mine} WHERE true ${filter}`, values),
    db.query<GroupRunRow>(
      `${GROUP_RUN_SELECT} ${mine} WHERE true ${filter}
        ORDER BY g.created_at DESC, g.id DESC LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, f.limit, f.offset],
    ),
  ]);
  return { total_count: count.rows[0]!.n, rows: page.rows };
}

export interface MemberRow {
  [key: string]: unknown;
  group_run_id: string;
  user_id: string;
  nickname: string | null;
  avatar_url: string | null;
  status: MemberStatus;
}

/** The participants of these group runs: each run's host first, then in the order they were invited. */
export async function membersOf(db: Queryable, groupRunIds: string[]): Promise<MemberRow[]> {
  if (groupRunIds.length === 0) return [];
  const { rows } = await db.query<MemberRow>(
    `SELECT m.group_run_id, m.user_id, u.nickname, u.avatar_url, m.status
       FROM group_run_members m JOIN group_runs g ON g.id = m.group_run_id JOIN users u ON u.id = m.user_id
      WHERE m.group_run_id = ANY($1::uuid[])
      ORDER BY m.group_run_id, m.user_id <> g.creator_id, m.invited_at, m.user_id`,
    [groupRunIds],
  );
  return rows;
}

/** Whether the course exists and the user may see it (public, or their own). */
export async function courseVisible(db: Queryable, userId: string, courseId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM courses WHERE id = $1 AND (is_public OR creator_id = $2)', [courseId, userId]);
  return (rowCount ?? 0) > 0;
}

/** Which of these ids are users. */
export async function existingUsers(db: Queryable, ids: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM users WHERE id = ANY($1::uuid[])', [ids]);
  return new Set(rows.map((r) => r.id));
}

export async function insertGroupRun(
  tx: Queryable,
  g: { courseId: string; creatorId: string; name: string; scheduledAt: Date | null },
): Promise<{ id: string; name: string }> {
  const { rows } = await tx.query<{ id: string; name: string }>(
    `WITH g AS (INSERT INTO group_runs (course_id, creator_id, name, scheduled_at) VALUES ($1, $2, $3, $4) RETURNING id, name, creator_id),
          host AS (INSERT INTO group_run_members (group_run_id, user_id, status, accepted_at)
                   SELECT id, creator_id, 'accepted', now() FROM g)
     SELECT id, name FROM g`,
    [g.courseId, g.creatorId, g.name, g.scheduledAt],
  );
  return rows[0]!;
}

/** Invites those of `userIds` not yet in the group run; returns the new invitations. */
export async function insertInvitations(tx: Queryable, groupRunId: string, userIds: string[]): Promise<{ user_id: string; invited_at: Date }[]> {
  const { rows } = await tx.query<{ user_id: string; invited_at: Date }>(
    `INSERT INTO group_run_members (group_run_id, user_id) SELECT $1, unnest($2::uuid[])
     ON CONFLICT (group_run_id, user_id) DO NOTHING RETURNING user_id, invited_at`,
    [groupRunId, userIds],
  );
  return rows;
}

/** Of `userIds`, those already in the group run. */
export async function participantsAmong(tx: Queryable, groupRunId: string, userIds: string[]): Promise<Set<string>> {
  const { rows } = await tx.query<{ user_id: string }>(
    'SELECT user_id FROM group_run_members WHERE group_run_id = $1 AND user_id = ANY($2::uuid[])',
    [groupRunId, userIds],
  );
  return new Set(rows.map((r) => r.user_id));
}

export async function accept(tx: Queryable, groupRunId: string, userId: string): Promise<void> {
  await tx.query(
    `UPDATE group_run_members SET status = 'accepted', accepted_at = now() WHERE group_run_id = $1 AND user_id = $2 AND status = 'invited'`,
    [groupRunId, userId],
  );
}

export async function deleteMember(tx: Queryable, groupRunId: string, userId: string): Promise<void> {
  await tx.query('DELETE FROM group_run_members WHERE group_run_id = $1 AND user_id = $2', [groupRunId, userId]);
}

export async function deleteGroupRun(tx: Queryable, groupRunId: string): Promise<void> {
  await tx.query('DELETE FROM group_runs WHERE id = $1', [groupRunId]);
}

export async function nicknameOf(db: Queryable, userId: string): Promise<string | null> {
  const { rows } = await db.query<{ nickname: string | null }>('SELECT nickname FROM users WHERE id = $1', [userId]);
  return rows[0]?.nickname ?? null;
}

/** The group run due for its reminder at `scheduledAt` (still active, not moved) and its accepted participants. */
export async function reminderTargets(tx: Queryable, groupRunId: string, scheduledAt: string): Promise<{ name: string; user_ids: string[] } | undefined> {
  const { rows } = await tx.query<{ name: string; user_ids: string[] }>(
    `SELECT g.name, array_agg(m.user_id::text ORDER BY m.user_id) AS user_ids
       FROM group_runs g JOIN group_run_members m ON m.group_run_id = g.id AND m.status = 'accepted'
      WHERE g.id = $1 AND g.status = 'active' AND g.scheduled_at = $2::timestamptz
      GROUP BY g.id`,
    [groupRunId, scheduledAt],
  );
  return rows[0];
}
