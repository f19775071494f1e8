// Request and response schemas of the group-run routes, with the keys of the newer app (src/types/api.ts of
// koreaflag/ranking-run: GroupRunItem, GroupRunMemberInfo, GroupRunListResponse).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, pageFields } from '../../infra/http/schemas.js';

const Uuid = Type.String({ format: 'uuid' });

/** Participants of a group run, the host included (the app: "Maximum 5 members allowed"). */
export const MAX_PARTICIPANTS = 5;

export const GroupRunId = Type.Object({ group_run_id: Uuid });

const UserIds = (description: string) =>
  Type.Array(Uuid, { minItems: 1, maxItems: MAX_PARTICIPANTS - 1, description: `${description}; repeated ids count once` });

export const CreateGroupRunBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 30, pattern: '\\S', description: 'Trimmed' }),
  course_id: Type.String({ format: 'uuid', description: 'A public course, or one of the caller’s own' }),
  invite_user_ids: UserIds('Who to invite (not the caller)'),
  scheduled_at: Type.Optional(
    Nullable(Type.String({ format: 'date-time', description: 'When the group means to run, in the future: accepted participants get a reminder before it' })),
  ),
});
export type CreateGroupRunBody = Static<typeof CreateGroupRunBody>;

export const InviteBody = Type.Object({ user_ids: UserIds('Who else to invite') });
export type InviteBody = Static<typeof InviteBody>;

export const MyGroupRunsQuery = Type.Object({
  course_id: Type.Optional(Type.String({ format: 'uuid', description: 'Only the group runs on this course' })),
  ...pageFields(50),
});
export type MyGroupRunsQuery = Static<typeof MyGroupRunsQuery>;

const MemberStatus = Type.Union([Type.Literal('invited'), Type.Literal('accepted'), Type.Literal('completed')]);
export type MemberStatus = Static<typeof MemberStatus>;

export const GroupRunMember = Type.Object({
  user_id: Uuid,
  nickname: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
  status: MemberStatus,
  best_duration_seconds: Nullable(Type.Integer({ description: 'Not recorded yet: always null' })),
  best_pace_seconds_per_km: Nullable(Type.Integer({ description: 'Not recorded yet: always null' })),
});
export type GroupRunMember = Static<typeof GroupRunMember>;

export const GroupRunItem = Type.Object({
  id: Uuid,
  course_id: Uuid,
  course_name: Nullable(Type.String({ description: 'Null when the course is no longer visible to the caller' })),
  name: Type.String(),
  creator_id: Nullable(Uuid),
  status: Type.Union([Type.Literal('active'), Type.Literal('completed')]),
  scheduled_at: Nullable(DateTime),
  member_count: Type.Integer({ description: 'Participants, invitations included (at most 5)' }),
  members: Type.Array(GroupRunMember, { description: 'The host first, then in the order they were invited' }),
  my_status: Nullable(MemberStatus),
  group_ranking: Nullable(
    Type.Object(
      { rank: Nullable(Type.Integer()), avg_duration_seconds: Type.Integer() },
      { description: 'Group rankings are not computed yet: always null' },
    ),
  ),
  created_at: DateTime,
});
export type GroupRunItem = Static<typeof GroupRunItem>;

export const GroupRunList = Type.Object({ data: Type.Array(GroupRunItem), total_count: Type.Integer() });
export type GroupRunList = Static<typeof GroupRunList>;
