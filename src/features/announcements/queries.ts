// SQL of the announcements feature.
import type { Queryable } from '../../infra/db/database.js';
import type { LinkType } from './schemas.js';

export interface AnnouncementFields {
  title: string;
  content: string | null;
  image_url: string | null;
  link_type: LinkType;
  link_value: string | null;
  priority: number;
  is_published: boolean;
  starts_at: Date | null;
  ends_at: Date | null;
}

export interface AnnouncementRow extends AnnouncementFields {
  [key: string]: unknown;
  id: string;
  created_by: string | null;
  author_nickname: string | null;
  created_at: Date;
  updated_at: Date;
  /** the database's clock, so that the status agrees with the public list */
  now: Date;
}

const FIELDS = ['title', 'content', 'image_url', 'link_type', 'link_value', 'priority', 'is_published', 'starts_at', 'ends_at'] as const;

/** Shown now: published, and now within [starts_at, ends_at). */
const LIVE = 'a.is_published AND (a.starts_at IS NULL OR a.starts_at <= now()) AND (a.ends_at IS NULL OR a.ends_at > now())';

const SELECT_ADMIN = `SELECT a.*, u.nickname AS author_nickname, now() AS now FROM announcements a LEFT JOIN users u ON u.id = a.created_by`;

/** The public list: pinned (higher priority) first, then the newest by when it went up (starts_at, else created_at). */
export async function listLive(db: Queryable, limit: number): Promise<AnnouncementRow[]> {
  const { rows } = await db.query<AnnouncementRow>(
    `SELECT a.* FROM announcements a WHERE ${LIVE}
      ORDER BY a.priority DESC, coalesce(a.starts_at, a.created_at) DESC, a.id DESC LIMIT $1`,
    [limit],
  );
  return rows;
}

/** Every announcement for the administrators, latest written first. */
export async function listAll(db: Queryable, limit: number, offset: number): Promise<{ rows: AnnouncementRow[]; total_count: number }> {
  const [page, count] = await Promise.all([
    db.query<AnnouncementRow>(`${SELECT_ADMIN} ORDER BY a.created_at DESC, a.id DESC LIMIT $1 OFFSET $2`, [limit, offset]),
    db.query<{ n: number }>('SELECT count(*)::int AS n FROM announcements'),
  ]);
  return { rows: page.rows, total_count: count.rows[0]!.n };
}

export async function find(db: Queryable, id: string): Promise<AnnouncementRow | undefined> {
  const { rows } = await db.query<AnnouncementRow>(`${SELECT_ADMIN} WHERE a.id = $1`, [id]);
  return rows[0];
}

export async function lock(tx: Queryable, id: string): Promise<AnnouncementFields | undefined> {
  const { rows } = await tx.query<AnnouncementFields & Record<string, unknown>>(`SELECT ${FIELDS.join(', ')} FROM announcements WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0];
}

export async function insert(db: Queryable, authorId: string, f: AnnouncementFields): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO announcements (${FIELDS.join(', ')}, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [...FIELDS.map((k) => f[k]), authorId],
  );
  return rows[0]!.id;
}

export async function update(tx: Queryable, id: string, f: AnnouncementFields): Promise<void> {
  await tx.query(
    `UPDATE announcements SET ${FIELDS.map((k, i) => `${k} = $${i + 2}`).join(', ')}, updated_at = now() WHERE id = $1`,
    [id, ...FIELDS.map((k) => f[k])],
  );
}

export async function remove(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM announcements WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

/** Whether a link's target exists: a public crew, or an event that is still listed. */
export async function linkTargetExists(db: Queryable, type: 'crew' | 'event', id: string): Promise<boolean> {
  const sql = type === 'crew' ? 'SELECT 1 FROM crews WHERE id = $1 AND is_public' : 'SELECT 1 FROM events WHERE id = $1 AND is_active';
  const { rowCount } = await db.query(sql, [id]);
  return (rowCount ?? 0) > 0;
}
