// Request and response schemas of the favorite routes (API.md §11).
import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../../infra/http/schemas.js';
import { RoutePreview } from '../courses/route-preview.js';

const Uuid = Type.String({ format: 'uuid' });

export const CourseId = Type.Object({ course_id: Uuid });

export const FavoriteStatus = Type.Object({ is_favorited: Type.Boolean({ description: 'State after the toggle' }) });
export type FavoriteStatus = Static<typeof FavoriteStatus>;

export const FavoriteCourse = Type.Object({
  id: Uuid,
  title: Type.String(),
  thumbnail_url: Nullable(Type.String()),
  distance_meters: Type.Number(),
  estimated_duration_seconds: Nullable(Type.Integer()),
  creator_nickname: Nullable(Type.String({ description: 'Null while the creator has no nickname' })),
  route_preview: RoutePreview,
  favorited_at: Type.String({ format: 'date-time' }),
});
export type FavoriteCourse = Static<typeof FavoriteCourse>;

export const FavoriteList = Type.Array(FavoriteCourse, { description: 'Most recently favorited first' });
