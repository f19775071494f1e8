// Request and response schemas of the like routes (API.md §9).
import { Type, type Static } from '@sinclair/typebox';

export const CourseId = Type.Object({ course_id: Type.String({ format: 'uuid' }) });

export const LikeStatus = Type.Object({
  is_liked: Type.Boolean({ description: 'Whether the caller likes the course (after the toggle)' }),
  like_count: Type.Integer({ description: 'Likes the course has' }),
});
export type LikeStatus = Static<typeof LikeStatus>;
