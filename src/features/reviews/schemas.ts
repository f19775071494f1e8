// Request and response schemas of the review routes (API.md §8; DECISIONS M1).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, pageFields } from '../../infra/http/schemas.js';

const Uuid = Type.String({ format: 'uuid' });

export const CourseId = Type.Object({ course_id: Uuid });
export const ReviewId = Type.Object({ review_id: Uuid });
export const CourseReviewId = Type.Object({ course_id: Uuid, review_id: Uuid });

// Any JSON number is accepted and rounded half up (M1).
const Rating = Type.Number({ minimum: 1, maximum: 5, description: '1–5 stars; fractions are rounded' });
const Content = Type.String({ maxLength: 500 });

/** A rating, a text with something in it, or both (checked by the service). */
export const CreateReviewBody = Type.Object({
  rating: Type.Optional(Nullable(Rating)),
  content: Type.Optional(Nullable(Content)),
});
export type CreateReviewBody = Static<typeof CreateReviewBody>;

/** Absent or null keys stay unchanged; an empty content clears the text if a rating remains. */
export const UpdateReviewBody = CreateReviewBody;
export type UpdateReviewBody = CreateReviewBody;

export const ReplyBody = Type.Object({
  content: Type.String({ minLength: 1, maxLength: 300, pattern: String.raw`\S`, description: 'Replaces any earlier reply' }),
});
export type ReplyBody = Static<typeof ReplyBody>;

export const PageQuery = Type.Object({
  ...pageFields(),
});
export type PageQuery = Static<typeof PageQuery>;

export const Review = Type.Object({
  id: Uuid,
  course_id: Uuid,
  rating: Nullable(Type.Integer()),
  content: Nullable(Type.String()),
  author: Type.Object({ id: Uuid, nickname: Nullable(Type.String()), avatar_url: Nullable(Type.String()) }),
  created_at: DateTime,
  updated_at: DateTime,
  creator_reply: Nullable(Type.String()),
  creator_reply_at: Nullable(DateTime),
});
export type Review = Static<typeof Review>;

export const ReviewList = Type.Object({
  data: Type.Array(Review, { description: 'Newest first' }),
  total_count: Type.Integer(),
  avg_rating: Nullable(Type.Number({ description: 'Mean of the ratings given, 1 decimal' })),
});
export type ReviewList = Static<typeof ReviewList>;
