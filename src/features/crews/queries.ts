// SQL of crews and their members.
import type { Queryable } from '../../infra/db/database.js';
import type { GradeConfig } from './schemas.js';

export interface CrewRow {
  [key: string]: unknown;
  id: string;
  name: string;
  description: string | null;
  logo_url: string | null;
  cover_image_url: string | null;
  region: string | null;
  max_members: number | null;
  is_public: boolean;
  badge_color: string;
  badge_icon: string;
  recurring_schedule: string | null;
  meeting_point: string | null;
  requires_approval: boolean;
  grade_config: GradeConfig | null;
  member_count: number;
  total_xp: number;
  last_activity_at: Date | null;
  created_at: Date;
  updated_at: Date;
  owner_id: string;
  owner_nickname: string | null;
  owner_avatar_url: string | null;
  /** the viewer's grade; null when not a member */
  my_grade: number | null;
  my_pending_request: boolean;
}

// $1 is always the viewer.
const CREW_SELECT = `
  SELECT c.id, c.name, c.description, c.logo_url, c.cover_image_url, c.region, c.max_members, c.is_public,
         c.badge_color, c.badge_icon, c.recurring_schedule, c.meeting_point, c.requires_approval, c.grade_config,
         mc.member_count, c.total_xp, mc.last_activity_at, c.created_at, c.updated_at,
         o.user_id AS owner_id, ou.nickname AS owner_nickname, ou.avatar_url AS owner_avatar_url,
         me.grade_level AS my_grade,
         EXISTS (SELECT 1 FROM crew_join_requests jr
                  WHERE jr.crew_id = c.id AND jr.user_id = $1::uuid AND jr.status = 'pending') AS my_pending_request
    FROM crews c
    CROSS JOIN LATERAL (SELECT count(*) AS member_count, max(joined_at) AS last_activity_at
                          FROM crew_members WHERE crew_id = c.id) mc
    JOIN crew_members o ON o.crew_id = c.id AND o.grade_level = 5
    JOIN users ou ON ou.id = o.user_id`;
const VIEWER = 'LEFT JOIN crew_members me ON me.crew_id = c.id AND me.user_id = $1::uuid';

export async function findCrew(db: Queryable, viewerId: string, crewId: string): Promise<CrewRow | undefined> {
  const { rows } = await db.query<CrewRow>(`${CREW_SELECT} ${VIEWER} WHERE c.id = $2`, [viewerId, crewId]);
  return rows[0];
}

/** `%`, `_` and `\` in user text match themselves in LIKE patterns (with ESCAPE '\'). */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/** Public crews, largest first; `search` in the name and `region` in the region, literally and in any case. */
export async function listCrews(
  db: Queryable,
  viewerId: string,
  f: { search?: string; region?: string; limit: number; offset: number },
): Promise<{ total_count: number; rows: CrewRow[] }> {
  const values: unknown[] = [viewerId];
  const where = ['c.is_public'];
  if (f.search) {
    values.push(escapeLike(f.search));
    where.push(`c.name ILIKE '%' || $${values.length} || '%' ESCAPE '\\'`);
  }
  if (f.region) {
    values.push(escapeLike(f.region));
    where.push(`c.region ILIKE '%' || $${values.length} || '%' ESCAPE '\\'`);
  }
  const filter = where.join(' AND ');
  const [count, page] = await Promise.all([
    // The count has no viewer; $1 is still bound, so it is cast to a type.
    db.query<{ n: number }>(`SELECT count(*) AS n FROM crews c WHERE $1::uuid IS NOT NULL AND ${filter}`, values),
    db.query<CrewRow>(
      `${CREW_SELECT} ${VIEWER} WHERE ${filter}
        ORDER BY mc.member_count DESC, c.created_at DESC, c.id
        LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, f.limit, f.offset],
    ),
  ]);
  return { total_count: count.rows[0]!.n, rows: page.rows };
}

/** The viewer's crews, the latest joined first. */
export async function myCrews(db: Queryable, viewerId: string): Promise<CrewRow[]> {
  const { rows } = await db.query<CrewRow>(
    `${CREW_SELECT} JOIN crew_members me ON me.crew_id = c.id AND me.user_id = $1::uuid ORDER BY me.joined_at DESC, c.id`,
    [viewerId],
  );
  return rows;
}

/** Stored columns a crew is created or edited with. */
export interface CrewFields {
  name: string;
  description: string | null;
  logo_url: string | null;
  cover_image_url: string | null;
  region: string | null;
  max_members: number | null;
  is_public: boolean;
  badge_color: string;
  badge_icon: string;
  recurring_schedule: string | null;
  meeting_point: string | null;
  requires_approval: boolean;
  grade_config: GradeConfig | null;
}

export const FIELD_NAMES = [
  'name', 'description', 'logo_url', 'cover_image_url', 'region', 'max_members', 'is_public', 'badge_color', 'badge_icon',
  'recurring_schedule', 'meeting_point', 'requires_approval', 'grade_config',
] as const satisfies readonly (keyof CrewFields)[];

const dbValue = (name: keyof CrewFields, value: unknown) => (name === 'grade_config' && value !== null ? JSON.stringify(value) : value);

/** Creates the crew with `ownerId` as its owner (grade 5); returns its id. */
export async function insertCrew(tx: Queryable, ownerId: string, f: CrewFields): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO crews (${FIELD_NAMES.join(', ')}) VALUES (${FIELD_NAMES.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
    FIELD_NAMES.map((n) => dbValue(n, f[n])),
  );
  const id = rows[0]!.id;
  await tx.query('INSERT INTO crew_members (crew_id, user_id, grade_level) VALUES ($1, $2, 5)', [id, ownerId]);
  return id;
}

export async function updateCrew(tx: Queryable, crewId: string, changes: Partial<CrewFields>): Promise<void> {
  const names = FIELD_NAMES.filter((n) => changes[n] !== undefined);
  const sets = [...names.map((n, i) => `${n} = $${i + 2}`), 'updated_at = now()'];
  await tx.query(`UPDATE crews SET ${sets.join(', ')} WHERE id = $1`, [crewId, ...names.map((n) => dbValue(n, changes[n]))]);
}

export interface LockedCrew {
  [key: string]: unknown;
  id: string;
  name: string;
  is_public: boolean;
  requires_approval: boolean;
  max_members: number | null;
  member_count: number;
  total_xp: number;
  logo_url: string | null;
  cover_image_url: string | null;
  badge_color: string;
  grade_config: GradeConfig | null;
  /** the caller's grade; null when not a member */
  my_grade: number | null;
}

/**
 * The crew row, locked until the transaction ends against other joins, approvals, edits and departures, read
 * (with the caller's grade) after the lock was granted: in READ COMMITTED a statement's snapshot is taken when it
 * starts, so a count read in the locking statement would miss a member committed by the transaction we waited for.
 */
export async function lockCrew(tx: Queryable, crewId: string, userId: string): Promise<LockedCrew | undefined> {
  const locked = await tx.query('SELECT 1 FROM crews WHERE id = $1 FOR NO KEY UPDATE', [crewId]);
  if (!locked.rowCount) return undefined;
  const { rows } = await tx.query<LockedCrew>(
    `SELECT c.id, c.name, c.is_public, c.requires_approval, c.max_members,
            (SELECT count(*) FROM crew_members m WHERE m.crew_id = c.id) AS member_count, c.total_xp, c.logo_url,
            c.cover_image_url, c.badge_color, c.grade_config,
            (SELECT grade_level FROM crew_members m WHERE m.crew_id = c.id AND m.user_id = $2) AS my_grade
       FROM crews c WHERE c.id = $1`,
    [crewId, userId],
  );
  return rows[0];
}

/** The crew's visibility and the caller's grade, without locking: for reads. */
export async function crewAccess(db: Queryable, crewId: string, userId: string) {
  const { rows } = await db.query<{ is_public: boolean; my_grade: number | null }>(
    `SELECT c.is_public, (SELECT grade_level FROM crew_members m WHERE m.crew_id = c.id AND m.user_id = $2) AS my_grade
       FROM crews c WHERE c.id = $1`,
    [crewId, userId],
  );
  return rows[0];
}

/** Deletes the crew (members, requests, challenges and occupations go with it); returns its image URLs. */
export async function deleteCrew(tx: Queryable, crewId: string): Promise<string[]> {
  const { rows } = await tx.query<{ logo_url: string | null; cover_image_url: string | null }>(
    'DELETE FROM crews WHERE id = $1 RETURNING logo_url, cover_image_url',
    [crewId],
  );
  return rows.flatMap((r) => [r.logo_url, r.cover_image_url]).filter((u): u is string => !!u);
}

export interface MemberRow {
  [key: string]: unknown;
  user_id: string;
  nickname: string | null;
  avatar_url: string | null;
  grade_level: number;
  joined_at: Date;
}

const MEMBER_SELECT = `SELECT m.user_id, u.nickname, u.avatar_url, m.grade_level, m.joined_at
                         FROM crew_members m JOIN users u ON u.id = m.user_id`;

/** Members by grade, then who joined first. */
export async function listMembers(db: Queryable, crewId: string, limit: number, offset: number) {
  const [count, page] = await Promise.all([
    db.query<{ n: number }>('SELECT count(*) AS n FROM crew_members WHERE crew_id = $1', [crewId]),
    db.query<MemberRow>(`${MEMBER_SELECT} WHERE m.crew_id = $1 ORDER BY m.grade_level DESC, m.joined_at, m.user_id LIMIT $2 OFFSET $3`, [
      crewId, limit, offset,
    ]),
  ]);
  return { total_count: count.rows[0]!.n, rows: page.rows };
}

export async function findMember(db: Queryable, crewId: string, userId: string): Promise<MemberRow | undefined> {
  const { rows } = await db.query<MemberRow>(`${MEMBER_SELECT} WHERE m.crew_id = $1 AND m.user_id = $2`, [crewId, userId]);
  return rows[0];
}

/** Adds a member of grade 1; false when they already are one. A pending join request of theirs is settled. */
export async function insertMember(tx: Queryable, crewId: string, userId: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    'INSERT INTO crew_members (crew_id, user_id) VALUES ($1, $2) ON CONFLICT (crew_id, user_id) DO NOTHING',
    [crewId, userId],
  );
  return (rowCount ?? 0) > 0;
}

/** Removes the member and records the departure; false when they were not one. */
export async function deleteMember(tx: Queryable, crewId: string, userId: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM crew_members WHERE crew_id = $1 AND user_id = $2', [crewId, userId]);
  if (!rowCount) return false;
  await tx.query('INSERT INTO crew_departures (crew_id, user_id) VALUES ($1, $2)', [crewId, userId]);
  return true;
}

export async function setGrade(tx: Queryable, crewId: string, userId: string, grade: number): Promise<void> {
  await tx.query('UPDATE crew_members SET grade_level = $3 WHERE crew_id = $1 AND user_id = $2', [crewId, userId, grade]);
}

/** The user whose invite code this is (codes are upper case; people may type them in lower case). */
export async function userIdByCode(db: Queryable, code: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM users WHERE user_code = upper($1)', [code]);
  return rows[0]?.id;
}

export async function memberIds(db: Queryable, crewId: string, minGrade = 1): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>(
    'SELECT user_id FROM crew_members WHERE crew_id = $1 AND grade_level >= $2 ORDER BY user_id',
    [crewId, minGrade],
  );
  return rows.map((r) => r.user_id);
}

/** Sets (or with null clears) the user's primary crew; false when they are not a member of it. */
export async function setPrimaryCrew(db: Queryable, userId: string, crewId: string | null): Promise<string | null | false> {
  if (crewId === null) {
    await db.query('UPDATE users SET primary_crew_id = NULL, updated_at = now() WHERE id = $1', [userId]);
    return null;
  }
  const { rows } = await db.query<{ name: string }>(
    `UPDATE users u SET primary_crew_id = c.id, updated_at = now()
       FROM crews c JOIN crew_members m ON m.crew_id = c.id AND m.user_id = $1
      WHERE u.id = $1 AND c.id = $2
      RETURNING c.name`,
    [userId, crewId],
  );
  return rows[0]?.name ?? false;
}

/** Of `urls`, those that no crew still shows as logo or cover, and no community post shows. */
export async function unusedCrewImages(db: Queryable, urls: string[]): Promise<string[]> {
  if (urls.length === 0) return [];
  const { rows } = await db.query<{ url: string }>(
    `SELECT url FROM unnest($1::text[]) AS url
      WHERE NOT EXISTS (SELECT 1 FROM crews WHERE logo_url = url OR cover_image_url = url)
        AND NOT EXISTS (SELECT 1 FROM community_posts WHERE image_urls @> ARRAY[url])`,
    [urls],
  );
  return rows.map((r) => r.url);
}
