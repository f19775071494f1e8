// Announcements (APP_V2.md, the newer app's announcementService.ts): everyone signed in reads the ones shown now;
// administrators (users.is_admin, admin/guard.ts) write, edit, unpublish and delete them.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { AppError, notFound } from '../../infra/errors.js';
import * as q from './queries.js';
import type {
  AdminAnnouncement, AdminAnnouncementList, AdminListQuery, AnnouncementItem, AnnouncementList, CreateAnnouncementBody, UpdateAnnouncementBody,
} from './schemas.js';
import { requireStoredImage } from '../uploads/stored-images.js';

type Deps = Pick<AppDeps, 'db' | 'storage'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_LINK_LENGTH = 500;

const invalid = (code: string, message: string) => new AppError(422, code, message);
const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Runs before validation, so the schema checks what is stored: the title NFC-normalised and trimmed. */
export function normaliseBody(body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const b = body as Record<string, unknown>;
  if (typeof b.title === 'string') b.title = b.title.normalize('NFC').trim();
}

function toItem(row: q.AnnouncementRow): AnnouncementItem {
  return {
    id: row.id,
    title: row.title,
    content: row.content,
    image_url: row.image_url,
    link_type: row.link_type,
    link_value: row.link_value,
    priority: row.priority,
    starts_at: iso(row.starts_at),
    ends_at: iso(row.ends_at),
    created_at: row.created_at.toISOString(),
  };
}

function statusOf(row: q.AnnouncementRow): AdminAnnouncement['status'] {
  if (!row.is_published) return 'unpublished';
  if (row.starts_at && row.starts_at > row.now) return 'scheduled';
  if (row.ends_at && row.ends_at <= row.now) return 'ended';
  return 'active';
}

function toAdmin(row: q.AnnouncementRow): AdminAnnouncement {
  return {
    ...toItem(row),
    is_published: row.is_published,
    status: statusOf(row),
    created_by: row.created_by ? { id: row.created_by, nickname: row.author_nickname } : null,
    updated_at: row.updated_at.toISOString(),
  };
}

export async function listLive(db: Queryable, limit: number): Promise<AnnouncementList> {
  return { data: (await q.listLive(db, limit)).map(toItem) };
}

export async function listAll(db: Queryable, query: AdminListQuery): Promise<AdminAnnouncementList> {
  const { rows, total_count } = await q.listAll(db, query.per_page, query.page * query.per_page);
  return { data: rows.map(toAdmin), total_count };
}

export async function get(db: Queryable, id: string): Promise<AdminAnnouncement> {
  const row = await q.find(db, id);
  if (!row) throw notFound('Announcement');
  return toAdmin(row);
}

/** An http(s) URL as the app will open it; it is only stored and shown, never fetched by the server. */
function webLink(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('INVALID_LINK', 'link_value must be an http or https URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw invalid('INVALID_LINK', 'link_value must be an http or https URL');
  }
  if (url.username || url.password) throw invalid('INVALID_LINK', 'link_value must not carry a user name or password');
  if (url.href.length > MAX_LINK_LENGTH) throw invalid('INVALID_LINK', `link_value must be at most ${MAX_LINK_LENGTH} characters`);
  return url.href;
}

/** Checks the fields as they will be stored and returns them with the link in its stored form. */
async function checked(deps: Deps, tx: Queryable, f: q.AnnouncementFields): Promise<q.AnnouncementFields> {
  // Only images we stored from POST /uploads/image: nothing from elsewhere is shown on everyone's home screen.
  if (f.image_url) requireStoredImage(deps.storage, f.image_url, 'image_url');
  if (f.starts_at && f.ends_at && f.ends_at <= f.starts_at) throw invalid('INVALID_WINDOW', 'ends_at must be after starts_at');
  let link = f.link_value;
  if (f.link_type === 'none') {
    if (link !== null) throw invalid('INVALID_LINK', "link_value must be null when link_type is 'none'");
  } else if (link === null) {
    throw invalid('INVALID_LINK', `link_type '${f.link_type}' needs a link_value`);
  } else if (f.link_type === 'url') {
    link = webLink(link);
  } else {
    if (!UUID.test(link)) throw invalid('INVALID_LINK', `link_value must be the id of a ${f.link_type}`);
    link = link.toLowerCase();
    if (!(await q.linkTargetExists(tx, f.link_type, link))) {
      throw invalid('INVALID_LINK', f.link_type === 'crew' ? 'No public crew has this id' : 'No listed event has this id');
    }
  }
  return { ...f, link_value: link };
}

/** A date-time the schema let through; a leap second (23:59:60) passes the format but is no instant. */
function dateOf(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalid('INVALID_DATE', `${value} is not a date and time`);
  return date;
}

export async function create(deps: Deps, authorId: string, body: CreateAnnouncementBody): Promise<AdminAnnouncement> {
  const fields = await checked(deps, deps.db, {
    title: body.title,
    content: body.content ?? null,
    image_url: body.image_url ?? null,
    link_type: body.link_type ?? 'none',
    link_value: body.link_value ?? null,
    priority: body.priority ?? 0,
    is_published: body.is_published ?? true,
    starts_at: dateOf(body.starts_at),
    ends_at: dateOf(body.ends_at),
  });
  return get(deps.db, await q.insert(deps.db, authorId, fields));
}

/** Absent keys stay, null clears; a link_type of 'none' without a link_value drops the old link. */
export async function update(deps: Deps, id: string, body: UpdateAnnouncementBody): Promise<AdminAnnouncement> {
  await deps.db.transaction(async (tx) => {
    const current = await q.lock(tx, id);
    if (!current) throw notFound('Announcement');
    const linkValue = body.link_value !== undefined ? body.link_value : body.link_type === 'none' ? null : current.link_value;
    const merged: q.AnnouncementFields = {
      title: body.title ?? current.title,
      content: body.content !== undefined ? body.content : current.content,
      image_url: body.image_url !== undefined ? body.image_url : current.image_url,
      link_type: body.link_type ?? current.link_type,
      link_value: linkValue,
      priority: body.priority ?? current.priority,
      is_published: body.is_published ?? current.is_published,
      starts_at: body.starts_at !== undefined ? dateOf(body.starts_at) : current.starts_at,
      ends_at: body.ends_at !== undefined ? dateOf(body.ends_at) : current.ends_at,
    };
    await q.update(tx, id, await checked(deps, tx, merged));
  });
  return get(deps.db, id);
}

export async function remove(db: Queryable, id: string): Promise<void> {
  if (!(await q.remove(db, id))) throw notFound('Announcement');
}
