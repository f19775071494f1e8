// Request and response schemas of the community board, with the keys of the newer app (src/types/api.ts of
// koreaflag/ranking-run: CommunityPostItem, CommunityPostListResponse, CommunityCommentItem, ...; the request bodies
// of src/services/communityService.ts). Text is plain text, stored and returned as sent.
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../infra/http/schemas.js';

const Uuid = Type.String({ format: 'uuid' });

export const PostId = Type.Object({ post_id: Uuid });
export const CommentParams = Type.Object({ post_id: Uuid, comment_id: Uuid });
export const CommentId = Type.Object({ comment_id: Uuid });

export const MAX_IMAGES = 10;
const PostType = Type.Union([Type.Literal('general'), Type.Literal('crew_promo'), Type.Literal('question')]);

const page = Type.Integer({ minimum: 0, maximum: 100_000, default: 0, description: '0-based page' });
const perPage = Type.Integer({ minimum: 1, maximum: 100, default: 20 });

export const PostListQuery = Type.Object({
  page,
  per_page: perPage,
  post_type: Type.Optional(PostType),
  crew_id: Type.Optional(Type.String({ format: 'uuid', description: "The crew's board (404 when the crew is hidden from the caller)" })),
  before: Type.Optional(Type.String({
    format: 'date-time',
    description: 'Only posts created at or before this time (the created_at of the first post of the first page): later pages do not shift while others post',
  })),
});
export type PostListQuery = Static<typeof PostListQuery>;

export const PageQuery = Type.Object({ page, per_page: perPage });
export type PageQuery = Static<typeof PageQuery>;

// Some non-space character: a post or comment of blanks only says nothing.
const text = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '\\S' });
const ImageUrl = Type.String({ format: 'uri', maxLength: 2048, description: 'A URL returned by POST /uploads/image (no other URL is accepted)' });
const Images = Type.Array(ImageUrl, { maxItems: MAX_IMAGES });

export const CreatePostBody = Type.Object({
  title: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  content: text(5000),
  post_type: Type.Optional(PostType),
  event_id: Type.Optional(Nullable(Uuid)),
  crew_id: Type.Optional(Nullable(Type.String({ format: 'uuid', description: 'Post on this crew’s board (members only)' }))),
  course_id: Type.Optional(Nullable(Type.String({ format: 'uuid', description: 'A course the caller can see' }))),
  image_url: Type.Optional(Nullable(ImageUrl)),
  image_urls: Type.Optional(Nullable(Images)),
});
export type CreatePostBody = Static<typeof CreatePostBody>;

/** Absent keys stay; null clears title or the images. */
export const UpdatePostBody = Type.Object({
  title: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  content: Type.Optional(text(5000)),
  image_url: Type.Optional(Nullable(ImageUrl)),
  image_urls: Type.Optional(Nullable(Images)),
});
export type UpdatePostBody = Static<typeof UpdatePostBody>;

export const CommentBody = Type.Object({ content: text(1000) });
export type CommentBody = Static<typeof CommentBody>;

export const ReportBody = Type.Object({ reason: text(500) });
export type ReportBody = Static<typeof ReportBody>;

export const PostAuthor = Type.Object({
  id: Uuid,
  nickname: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
  crew_name: Nullable(Type.String({ description: 'The name of the author’s primary crew' })),
  crew_grade_level: Nullable(Type.Integer({ description: 'The author’s grade in the post’s crew (crew posts only)' })),
});

export const CommunityPostItem = Type.Object({
  id: Uuid,
  title: Nullable(Type.String()),
  content: Type.String(),
  post_type: PostType,
  event_id: Nullable(Uuid),
  event_title: Nullable(Type.String()),
  crew_id: Nullable(Uuid),
  course_id: Nullable(Type.String({ format: 'uuid', description: 'Null also when the course has become private to the caller' })),
  image_url: Nullable(Type.String()),
  image_urls: Nullable(Type.Array(Type.String())),
  like_count: Type.Integer(),
  comment_count: Type.Integer(),
  is_liked: Type.Boolean(),
  author: PostAuthor,
  created_at: DateTime,
  updated_at: DateTime,
});
export type CommunityPostItem = Static<typeof CommunityPostItem>;

export const CommunityPostList = Type.Object({ data: Type.Array(CommunityPostItem), total_count: Type.Integer() });
export type CommunityPostList = Static<typeof CommunityPostList>;

export const CommunityCommentItem = Type.Object({
  id: Uuid,
  post_id: Uuid,
  content: Type.String(),
  author: PostAuthor,
  created_at: DateTime,
});
export type CommunityCommentItem = Static<typeof CommunityCommentItem>;

export const CommunityCommentList = Type.Object({ data: Type.Array(CommunityCommentItem), total_count: Type.Integer() });
export type CommunityCommentList = Static<typeof CommunityCommentList>;

export const LikeState = Type.Object({ is_liked: Type.Boolean(), like_count: Type.Integer() });
export type LikeState = Static<typeof LikeState>;

export const ReportedPost = Type.Object({
  post: CommunityPostItem,
  report_count: Type.Integer(),
  last_reported_at: DateTime,
  reasons: Type.Array(Type.String(), { description: 'The latest reasons given (up to 10)' }),
});
export const ReportedPostList = Type.Object({ data: Type.Array(ReportedPost), total_count: Type.Integer() });
export type ReportedPostList = Static<typeof ReportedPostList>;

export const ReportedComment = Type.Object({
  comment: CommunityCommentItem,
  report_count: Type.Integer(),
  last_reported_at: DateTime,
  reasons: Type.Array(Type.String(), { description: 'The latest reasons given (up to 10)' }),
});
export const ReportedCommentList = Type.Object({ data: Type.Array(ReportedComment), total_count: Type.Integer() });
export type ReportedCommentList = Static<typeof ReportedCommentList>;
