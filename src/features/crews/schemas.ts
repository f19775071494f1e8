// Request and response schemas of the crew routes, with the keys of the newer app (src/types/api.ts of
// koreaflag/ranking-run: CrewItem, CrewMemberItem, CrewJoinRequestItem, ...).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../infra/http/schemas.js';

const Uuid = Type.String({ format: 'uuid' });

export const CrewId = Type.Object({ crew_id: Uuid });
export const CrewMemberParams = Type.Object({ crew_id: Uuid, user_id: Uuid });
export const JoinRequestParams = Type.Object({ crew_id: Uuid, request_id: Uuid });

const page = Type.Integer({ minimum: 0, maximum: 100_000, default: 0, description: '0-based page' });
const perPage = (def: number) => Type.Integer({ minimum: 1, maximum: 100, default: def });

export const CrewListQuery = Type.Object({
  search: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Name contains this text (literally, any case)' })),
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Region contains this text (literally, any case)' })),
  page,
  per_page: perPage(20),
});
export type CrewListQuery = Static<typeof CrewListQuery>;

export const PageQuery = (defaultPerPage: number) => Type.Object({ page, per_page: perPage(defaultPerPage) });
export type PageQuery = { page: number; per_page: number };

const ImageUrl = Type.String({
  format: 'uri',
  maxLength: 2048,
  description: 'A URL returned by POST /uploads/image (no other URL is accepted)',
});

// Integer fields accept any JSON number and are rounded before storing (M1).
const editable = {
  name: Type.String({ minLength: 1, maxLength: 100, description: 'Unique whatever its case; trimmed' }),
  description: Nullable(Type.String({ maxLength: 2000 })),
  logo_url: Nullable(ImageUrl),
  cover_image_url: Nullable(ImageUrl),
  region: Nullable(Type.String({ maxLength: 100 })),
  max_members: Nullable(Type.Number({ minimum: 2, maximum: 1000, description: 'Null: as many as the crew level allows' })),
  is_public: Type.Boolean({ description: 'Not public: unlisted, readable by members only, joined by invitation' }),
  badge_color: Type.String({ pattern: '^#[0-9A-Fa-f]{6}$' }),
  badge_icon: Type.String({ pattern: '^[A-Za-z0-9_-]{1,30}$' }),
  recurring_schedule: Nullable(Type.String({ maxLength: 200 })),
  meeting_point: Nullable(Type.String({ maxLength: 200 })),
  requires_approval: Type.Boolean({ description: 'Joining needs an owner or admin to approve a join request' }),
};

const { name: crewName, ...optionalOnCreate } = editable;
export const CreateCrewBody = Type.Object({ name: crewName, ...Type.Partial(Type.Object(optionalOnCreate)).properties });
export type CreateCrewBody = Static<typeof CreateCrewBody>;

const GradeName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 20 }) });
export const GradeConfig = Type.Object(
  {
    levels: Type.Object(
      { 1: Type.Optional(GradeName), 2: Type.Optional(GradeName), 3: Type.Optional(GradeName), 4: Type.Optional(GradeName) },
      { additionalProperties: false },
    ),
  },
  { description: 'Custom names of grades 1 to 4 (the owner is always the owner)' },
);
export type GradeConfig = Static<typeof GradeConfig>;

/** Every key optional; an explicit null clears a nullable field. */
export const UpdateCrewBody = Type.Partial(Type.Object({ ...editable, grade_config: Nullable(GradeConfig) }));
export type UpdateCrewBody = Static<typeof UpdateCrewBody>;

const Person = Type.Object({ id: Uuid, nickname: Nullable(Type.String()), avatar_url: Nullable(Type.String()) });

export const CrewItem = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Nullable(Type.String()),
  logo_url: Nullable(Type.String()),
  cover_image_url: Nullable(Type.String()),
  region: Nullable(Type.String()),
  owner: Person,
  member_count: Type.Integer(),
  max_members: Nullable(Type.Integer()),
  member_limit: Type.Integer({ description: 'Members the crew may have now: max_members within what its level allows' }),
  is_public: Type.Boolean(),
  badge_color: Type.String(),
  badge_icon: Type.String(),
  recurring_schedule: Nullable(Type.String()),
  meeting_point: Nullable(Type.String()),
  requires_approval: Type.Boolean(),
  level: Type.Integer({ minimum: 1, maximum: 10 }),
  total_xp: Type.Integer({ description: 'Metres the members ran as members (Strava runs aside)' }),
  grade_config: Nullable(GradeConfig),
  is_member: Type.Boolean(),
  my_role: Nullable(Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')])),
  my_grade_level: Nullable(Type.Integer()),
  join_request_status: Nullable(Type.String({ description: "'pending' while the caller's join request waits; null otherwise" })),
  last_activity_at: Nullable(DateTime),
  created_at: DateTime,
  updated_at: DateTime,
});
export type CrewItem = Static<typeof CrewItem>;

export const CrewList = Type.Object({ data: Type.Array(CrewItem), total_count: Type.Integer() });
export type CrewList = Static<typeof CrewList>;

export const CrewMember = Type.Object({
  user_id: Uuid,
  nickname: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
  role: Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]),
  grade_level: Type.Integer({ minimum: 1, maximum: 5, description: '5 owner, 4 admin, 1..3 members' }),
  joined_at: DateTime,
});
export type CrewMember = Static<typeof CrewMember>;

export const CrewMemberList = Type.Object({ data: Type.Array(CrewMember), total_count: Type.Integer() });
export type CrewMemberList = Static<typeof CrewMemberList>;

export const RoleBody = Type.Object({
  role: Type.Union([Type.Literal('admin'), Type.Literal('member'), Type.Literal('owner')], {
    description: "'owner' hands the crew over: the member becomes the owner and the caller an admin",
  }),
});
export type RoleBody = Static<typeof RoleBody>;

export const GradeBody = Type.Object({
  grade_level: Type.Integer({ minimum: 1, maximum: 4, description: 'Below the caller’s own grade; 4 makes an admin' }),
});

export const InviteBody = Type.Object({ user_code: Type.String({ minLength: 1, maxLength: 20, description: 'The invitee’s code (GET /users/me)' }) });

export const PrimaryCrewBody = Type.Object({ crew_id: Nullable(Type.String({ format: 'uuid', description: 'One of my crews; null clears' })) });
export const PrimaryCrew = Type.Object({ crew_name: Nullable(Type.String()) });

export const JoinRequestBody = Type.Object({ message: Type.Optional(Nullable(Type.String({ maxLength: 500 }))) });
export type JoinRequestBody = Static<typeof JoinRequestBody>;

export const JoinRequestItem = Type.Object({
  id: Uuid,
  user: Person,
  message: Nullable(Type.String()),
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]),
  created_at: DateTime,
  reviewed_at: Nullable(DateTime),
});
export type JoinRequestItem = Static<typeof JoinRequestItem>;

export const JoinRequestList = Type.Object({ data: Type.Array(JoinRequestItem), total_count: Type.Integer() });
export type JoinRequestList = Static<typeof JoinRequestList>;

export const MyJoinRequest = Type.Object({
  status: Nullable(Type.String({ description: "'pending', or null without a pending request" })),
  request_id: Nullable(Uuid),
});
export type MyJoinRequest = Static<typeof MyJoinRequest>;

export const Count = Type.Object({ count: Type.Integer() });

export const WeeklyRanking = Type.Object({
  data: Type.Array(
    Type.Object({
      user_id: Uuid,
      nickname: Nullable(Type.String()),
      avatar_url: Nullable(Type.String()),
      weekly_distance: Type.Integer({ description: 'Metres this week' }),
      weekly_runs: Type.Integer(),
      rank: Type.Integer({ minimum: 1, description: 'Equal distances share a rank' }),
    }),
  ),
  period_start: DateTime,
  period_end: DateTime,
});
export type WeeklyRanking = Static<typeof WeeklyRanking>;

export const ActiveCourse = Type.Object({
  course_id: Uuid,
  course_title: Type.String(),
  distance_meters: Type.Integer(),
  member_run_count: Type.Integer({ description: 'Runs of members on the course in the last 30 days' }),
  best_crew_time_seconds: Nullable(Type.Integer({ description: 'Their best completed time in those runs' })),
});
export type ActiveCourse = Static<typeof ActiveCourse>;

export const ManagementStats = Type.Object({
  total_members: Type.Integer(),
  members_by_grade: Type.Record(Type.String({ pattern: '^[1-5]$' }), Type.Integer(), { description: 'Members of each grade, 1 to 5' }),
  pending_requests: Type.Integer(),
  recent_joins_7d: Type.Integer(),
  recent_leaves_7d: Type.Integer({ description: 'Members who left or were removed in the last 7 days' }),
});
export type ManagementStats = Static<typeof ManagementStats>;
