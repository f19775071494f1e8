// Schemas of crew challenges and of the crews' ranking on a course, with the keys of the newer app (src/types/api.ts
// of koreaflag/ranking-run: CrewChallengeItem, CrewChallengeHistoryResponse, CrewCourseRankingListResponse).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../infra/http/schemas.js';

const Uuid = Type.String({ format: 'uuid' });

export const ChallengeParams = Type.Object({ crew_id: Uuid, challenge_id: Uuid });
export const CourseParams = Type.Object({ course_id: Uuid });

export const CreateChallengeBody = Type.Object({ course_id: Type.String({ format: 'uuid', description: 'A public course, or one of the caller’s own' }) });
export type CreateChallengeBody = Static<typeof CreateChallengeBody>;

export const ChallengeRecord = Type.Object({
  user_id: Uuid,
  nickname: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
  best_duration_seconds: Nullable(Type.Integer({ description: 'Fastest completion of the course during the challenge' })),
  best_pace_seconds_per_km: Nullable(Type.Integer()),
  completed_at: Nullable(DateTime),
  run_count: Type.Integer({ minimum: 1, description: 'Runs on the course during the challenge, completed or not' }),
});
export type ChallengeRecord = Static<typeof ChallengeRecord>;

export const ChallengeItem = Type.Object({
  id: Uuid,
  crew_id: Uuid,
  course_id: Uuid,
  course_name: Nullable(Type.String()),
  course_distance_meters: Nullable(Type.Integer()),
  created_by: Nullable(Type.String({ format: 'uuid', description: 'Null once the creator deleted their account' })),
  status: Type.Union([Type.Literal('active'), Type.Literal('ended')]),
  records: Type.Array(ChallengeRecord, { description: 'Members who ran the course during the challenge, fastest first' }),
  completed_count: Type.Integer({ description: 'Members who completed the course during the challenge' }),
  total_participants: Type.Integer({ description: 'Members of the crew' }),
  created_at: DateTime,
  ended_at: Nullable(DateTime),
});
export type ChallengeItem = Static<typeof ChallengeItem>;

export const ChallengeHistory = Type.Object({ data: Type.Array(ChallengeItem), total_count: Type.Integer() });
export type ChallengeHistory = Static<typeof ChallengeHistory>;

export const CrewCourseRanking = Type.Object({
  rank: Type.Integer({ minimum: 1, description: 'Rank 1 holds the course (GET /courses/{id}: occupation)' }),
  crew_id: Uuid,
  crew_name: Type.String(),
  crew_logo_url: Nullable(Type.String()),
  crew_badge_color: Type.String(),
  avg_duration_seconds: Type.Integer({ description: 'Average best time of the crew’s three fastest members, rounded' }),
  completed_count: Type.Integer({ description: 'Members with a ranked time on the course' }),
  total_participants: Type.Integer({ description: 'Members of the crew' }),
  achieved_at: DateTime,
});
export type CrewCourseRanking = Static<typeof CrewCourseRanking>;

export const CrewCourseRankingList = Type.Object({
  data: Type.Array(CrewCourseRanking),
  my_crews: Type.Array(CrewCourseRanking, { description: 'The caller’s ranked crews that are not on this page' }),
  total_crews: Type.Integer({ description: 'Crews ranked on the course' }),
});
export type CrewCourseRankingList = Static<typeof CrewCourseRankingList>;
