// Course comments: the newer app's CourseCommentItem and CourseCommentListResponse (src/types/api.ts).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DateTime, Nullable, pageFields } from '../../infra/http/schemas.js';

const Uuid = Type.String({ format: 'uuid' });
export const MAX_IMAGES = 5;
/** Replies shown under each comment of a page; reply_count tells how many there are. */
export const REPLIES_SHOWN = 50;

export const CourseId = Type.Object({ course_id: Uuid });
export const CommentParams = Type.Object({ course_id: Uuid, comment_id: Uuid });
export const PageQuery = Type.Object({
  ...pageFields(),
});
export type PageQuery = Static<typeof PageQuery>;

const Content = Type.String({ minLength: 1, maxLength: 1000, description: 'Plain text as sent (trimmed), never rendered as HTML' });
const ImageUrls = Nullable(
  Type.Array(Type.String({ format: 'uri', maxLength: 2048 }), { maxItems: MAX_IMAGES, description: 'URLs returned by POST /uploads/image' }),
);

export const CreateCommentBody = Type.Object({
  content: Content,
  image_urls: Type.Optional(ImageUrls),
  parent_id: Type.Optional(Nullable(Type.String({ format: 'uuid', description: 'A top-level comment of this course to reply to' }))),
});
export type CreateCommentBody = Static<typeof CreateCommentBody>;

export const UpdateCommentBody = Type.Object({
  content: Content,
  image_urls: Type.Optional(ImageUrls),
});
export type UpdateCommentBody = Static<typeof UpdateCommentBody>;

const item = <T extends TSchema>(replies: T) =>
  Type.Object({
    id: Uuid,
    course_id: Uuid,
    author: Type.Object({ id: Uuid, nickname: Nullable(Type.String()), profile_image_url: Nullable(Type.String()) }),
    content: Type.String(),
    image_urls: Nullable(Type.Array(Type.String())),
    parent_id: Nullable(Uuid),
    replies,
    reply_count: Type.Integer({ minimum: 0 }),
    created_at: DateTime,
    updated_at: DateTime,
  });
const Reply = item(Type.Array(Type.Unknown(), { maxItems: 0, description: 'Replies have no replies' }));
export const CourseComment = item(Type.Array(Reply, { description: `The first ${REPLIES_SHOWN} replies, oldest first` }));
export type CourseComment = Static<typeof CourseComment>;
export const CourseCommentList = Type.Object({ data: Type.Array(CourseComment), total_count: Type.Integer({ minimum: 0 }) });
export type CourseCommentList = Static<typeof CourseCommentList>;
