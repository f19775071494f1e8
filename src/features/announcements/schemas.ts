// Request and response schemas of the announcement routes. The public item has exactly the keys of the newer app's
// AnnouncementItem (src/types/api.ts of koreaflag/ranking-run); the administrators' item adds how it is managed.
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, pageFields } from '../../infra/http/schemas.js';

const Uuid = Type.String({ format: 'uuid' });

/** The app asks for 10; the old server allowed up to 50. */
export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 50;

export const AnnouncementListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT }),
});
export type AnnouncementListQuery = Static<typeof AnnouncementListQuery>;

export const AnnouncementId = Type.Object({ announcement_id: Uuid });

export const LinkType = Type.Union([Type.Literal('none'), Type.Literal('url'), Type.Literal('crew'), Type.Literal('event')], {
  description: "What the card opens: nothing, an http(s) URL (never fetched by the server), a public crew or an event by id",
});
export type LinkType = Static<typeof LinkType>;

export const AnnouncementItem = Type.Object({
  id: Uuid,
  title: Type.String(),
  content: Nullable(Type.String()),
  image_url: Nullable(Type.String()),
  link_type: LinkType,
  link_value: Nullable(Type.String()),
  priority: Type.Integer({ description: 'Higher first (pinned); then the newest' }),
  starts_at: Nullable(DateTime),
  ends_at: Nullable(DateTime),
  created_at: DateTime,
});
export type AnnouncementItem = Static<typeof AnnouncementItem>;

export const AnnouncementList = Type.Object({ data: Type.Array(AnnouncementItem) });
export type AnnouncementList = Static<typeof AnnouncementList>;

export const AnnouncementStatus = Type.Union(
  [Type.Literal('unpublished'), Type.Literal('scheduled'), Type.Literal('active'), Type.Literal('ended')],
  { description: 'active: in the public list now; scheduled: published, starts_at still ahead; ended: ends_at passed' },
);

export const AdminAnnouncement = Type.Object({
  ...AnnouncementItem.properties,
  is_published: Type.Boolean(),
  status: AnnouncementStatus,
  created_by: Nullable(Type.Object({ id: Uuid, nickname: Nullable(Type.String()) }, { description: 'Null once the author’s account is deleted' })),
  updated_at: DateTime,
});
export type AdminAnnouncement = Static<typeof AdminAnnouncement>;

export const AdminAnnouncementList = Type.Object({ data: Type.Array(AdminAnnouncement), total_count: Type.Integer() });
export type AdminAnnouncementList = Static<typeof AdminAnnouncementList>;

export const AdminListQuery = Type.Object({
  ...pageFields(),
});
export type AdminListQuery = Static<typeof AdminListQuery>;

const editable = {
  title: Type.String({ minLength: 1, maxLength: 100, description: 'Trimmed' }),
  content: Nullable(Type.String({ maxLength: 5000 })),
  image_url: Nullable(Type.String({ format: 'uri', maxLength: 2048, description: 'A URL returned by POST /uploads/image (no other URL is accepted)' })),
  link_type: LinkType,
  link_value: Nullable(Type.String({ minLength: 1, maxLength: 500, description: "url: an http(s) URL; crew, event: its id; none: null" })),
  priority: Type.Integer({ minimum: 0, maximum: 100, description: 'Higher first (pinned); 0 when left out on creation' }),
  is_published: Type.Boolean({ description: 'false unpublishes it (kept, off the public list)' }),
  starts_at: Nullable(DateTime),
  ends_at: Nullable(DateTime),
};

const { title, ...optionalOnCreate } = editable;
export const CreateAnnouncementBody = Type.Object({ title, ...Type.Partial(Type.Object(optionalOnCreate)).properties }, { additionalProperties: false });
export type CreateAnnouncementBody = Static<typeof CreateAnnouncementBody>;

/** Every key optional; an explicit null clears a nullable field. */
export const UpdateAnnouncementBody = Type.Partial(Type.Object(editable), { additionalProperties: false });
export type UpdateAnnouncementBody = Static<typeof UpdateAnnouncementBody>;
