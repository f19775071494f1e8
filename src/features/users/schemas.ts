// Request and response schemas of the users routes (API.md §3, DECISIONS M5/M6).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, pageFields } from '../../infra/http/schemas.js';
import { GearItem } from '../gear/schemas.js';
import { RoutePreview } from '../courses/route-preview.js';
import { MAX_RUNNER_LEVEL } from './runner-level.js';

const NICKNAME_CHAR = String.raw`[\p{L}\p{M}\p{N}_.\-]`;

/**
 * 2–12 characters (code points, as PostgreSQL's char_length counts them), letters of any script, digits,
 * `_ . -` and single inner spaces. The body is NFC-normalised and trimmed before validation
 * (see normaliseProfileBody), so what is checked is what is stored.
 */
export const Nickname = Type.String({
  minLength: 2,
  maxLength: 12,
  pattern: String.raw`^${NICKNAME_CHAR}+(?: ${NICKNAME_CHAR}+)*$`,
  examples: ['달리기왕'],
});

/** Only an absolute http(s) URL: the app shows it as an image, so no other scheme may get in. */
export const AvatarUrl = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 });

/** ISO 3166-1 alpha-2, as the app's country picker sends it (normaliseProfileBody upper-cases it). */
export const Country = Type.String({ pattern: '^[A-Z]{2}$', examples: ['KR'] });

/** The newer app's free-text running region (its input takes 30 characters). */
const ActivityRegion = Type.String({ maxLength: 30, examples: ['서울 마포구'] });

export const UserId = Type.Object({ user_id: Type.String({ format: 'uuid' }) });

export const SetupProfileBody = Type.Object({
  nickname: Nickname,
  avatar_url: Type.Optional(Nullable(AvatarUrl)),
  country: Type.Optional(Nullable(Country)),
});
export type SetupProfileBody = Static<typeof SetupProfileBody>;

// Every key optional; an explicit null clears the field (M5), except nickname which cannot be cleared.
// Unknown keys are ignored.
export const UpdateProfileBody = Type.Object({
  nickname: Type.Optional(Nickname),
  avatar_url: Type.Optional(Nullable(AvatarUrl)),
  birthday: Type.Optional(Nullable(Type.String({ format: 'date', pattern: String.raw`^(19|20)\d\d-` }))),
  height_cm: Type.Optional(Nullable(Type.Number({ minimum: 50, maximum: 300 }))),
  weight_kg: Type.Optional(Nullable(Type.Number({ minimum: 20, maximum: 500 }))),
  bio: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  instagram_username: Type.Optional(Nullable(Type.String({ maxLength: 30, pattern: '^[A-Za-z0-9._]+$' }))),
  country: Type.Optional(Nullable(Country)),
  activity_region: Type.Optional(Nullable(ActivityRegion)),
  crew_name: Type.Optional(
    Nullable(Type.String({ minLength: 1, maxLength: 100, description: 'One of the caller’s crews to show (422 NOT_A_CREW_MEMBER otherwise); null shows none' })),
  ),
});
export type UpdateProfileBody = Static<typeof UpdateProfileBody>;

export const RunnerLevel = Type.Integer({ minimum: 1, maximum: MAX_RUNNER_LEVEL, description: 'From total_distance_meters, as the newer app counts levels' });

const profileFields = {
  id: Type.String({ format: 'uuid' }),
  nickname: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
  birthday: Nullable(Type.String({ format: 'date' })),
  height_cm: Nullable(Type.Number()),
  weight_kg: Nullable(Type.Number()),
  bio: Nullable(Type.String()),
  instagram_username: Nullable(Type.String()),
  country: Nullable(Type.String({ examples: ['KR'] })),
  activity_region: Type.Optional(Type.String({ description: 'Left out when not set' })),
  gender: Type.Null({ description: 'The newer app declares it; no app version lets a user set it, so it is always null' }),
  total_distance_meters: Type.Integer(),
  total_runs: Type.Integer(),
  total_points: Type.Integer({ description: 'Points earned by runs and daily check-ins (POST /users/me/daily-checkin)' }),
  runner_level: RunnerLevel,
  created_at: DateTime,
  user_code: Type.String({ description: 'The code others use to invite the user to a crew; shown to the user only' }),
  crew_name: Nullable(Type.String({ description: 'The primary crew (PUT /crews/my/primary)' })),
};

/** GET /users/me. */
export const UserResponse = Type.Object({ ...profileFields, email: Nullable(Type.String()) });
export type UserResponse = Static<typeof UserResponse>;

/** POST and PATCH /users/me/profile: every field filled from the user (M6). */
export const ProfileResponse = Type.Object(profileFields);
export type ProfileResponse = Static<typeof ProfileResponse>;

export const SocialCounts = Type.Object({
  followers_count: Type.Integer(),
  following_count: Type.Integer(),
  total_likes_received: Type.Integer(),
});
export type SocialCounts = Static<typeof SocialCounts>;

export const PublicProfile = Type.Object({
  id: Type.String({ format: 'uuid' }),
  nickname: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
  bio: Nullable(Type.String()),
  instagram_username: Nullable(Type.String()),
  country: Nullable(Type.String()),
  activity_region: Type.Optional(Type.String({ description: 'Left out when not set' })),
  crew_name: Nullable(Type.String({ description: 'The primary crew (PUT /crews/my/primary)' })),
  total_distance_meters: Type.Integer(),
  total_runs: Type.Integer(),
  runner_level: RunnerLevel,
  total_likes_received: Type.Integer({ description: 'Likes on all the user’s courses' }),
  created_at: DateTime,
  followers_count: Type.Integer(),
  following_count: Type.Integer(),
  is_following: Type.Boolean(),
  courses: Type.Array(
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      title: Type.String(),
      distance_meters: Type.Integer(),
      thumbnail_url: Nullable(Type.String()),
      route_preview: RoutePreview,
      total_runs: Type.Integer(),
      like_count: Type.Integer(),
    }),
    { description: 'Up to 10 newest public courses of the user' },
  ),
  top_rankings: Type.Array(
    Type.Object({
      course_id: Type.String({ format: 'uuid' }),
      course_title: Type.String(),
      rank: Type.Integer({ minimum: 1 }),
      best_duration_seconds: Type.Integer(),
    }),
    { description: "Up to 5 of the user's best ranks on public courses" },
  ),
  primary_gear: Type.Optional(Nullable(GearItem)),
  gear_items: Type.Optional(Type.Array(GearItem, { description: 'All the user’s gear, as GET /users/{user_id}/gear lists it' })),
});
export type PublicProfile = Static<typeof PublicProfile>;

export const ConsentBody = Type.Object({
  terms: Type.Boolean(),
  privacy: Type.Boolean(),
  location: Type.Boolean(),
  contacts: Type.Boolean({ default: false }),
  marketing: Type.Boolean({ default: false }),
});
export type ConsentBody = Static<typeof ConsentBody>;
export const ConsentSaved = Type.Object({ status: Type.Literal('ok') });

export const UserSearchQuery = Type.Object({
  q: Type.String({ minLength: 1, maxLength: 50, description: 'Nickname contains this text (literally, any case)' }),
  ...pageFields(20, 50),
});
export type UserSearchQuery = Static<typeof UserSearchQuery>;

export const UserSearch = Type.Object({
  data: Type.Array(
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      nickname: Nullable(Type.String()),
      avatar_url: Nullable(Type.String()),
      crew_name: Nullable(Type.String()),
      activity_region: Nullable(Type.String()),
    }),
  ),
  total_count: Type.Integer(),
  has_next: Type.Boolean(),
});
export type UserSearch = Static<typeof UserSearch>;
