// Request and response schemas of the challenge routes, with the keys of the newer app (src/services/challengeService.ts
// of koreaflag/ranking-run: ChallengeListItem, ChallengeListResponse, ChallengeDetail, ChallengeProgress).
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, pageFields } from '../../infra/http/schemas.js';

const Uuid = Type.String({ format: 'uuid' });

const GoalType = Type.Union(
  [Type.Literal('total_distance'), Type.Literal('total_runs'), Type.Literal('total_duration'), Type.Literal('streak_days')],
  { description: 'total_distance (goal and progress in metres), total_runs, total_duration (seconds), streak_days (consecutive days with a run)' },
);
export type GoalType = Static<typeof GoalType>;

export const ChallengeId = Type.Object({ challenge_id: Uuid });

export const ChallengeListQuery = Type.Object({
  ...pageFields(50),
});
export type ChallengeListQuery = Static<typeof ChallengeListQuery>;

const fields = {
  id: Uuid,
  title: Type.String(),
  description: Type.String(),
  challenge_type: Type.Literal('individual', { description: 'Every challenge served is an individual one' }),
  goal_type: GoalType,
  goal_value: Type.Integer({ minimum: 1 }),
  start_date: Type.String({ format: 'date-time', description: 'The first moment of the first day, in the caller’s time zone' }),
  end_date: Type.String({ format: 'date-time', description: 'The last moment (…:59.999) of the last day, in the caller’s time zone' }),
  participant_count: Type.Integer(),
  reward_points: Type.Integer(),
  is_joined: Type.Boolean(),
};

export const ChallengeListItem = Type.Object(fields);
export type ChallengeListItem = Static<typeof ChallengeListItem>;

export const ChallengeList = Type.Object({
  data: Type.Array(ChallengeListItem),
  total: Type.Integer({ description: 'Challenges listed over all pages' }),
});
export type ChallengeList = Static<typeof ChallengeList>;

export const ChallengeProgress = Type.Object(
  {
    current_value: Type.Integer({ description: 'In the goal’s unit, from the caller’s own plausible runs finished in the period' }),
    completed: Type.Boolean({ description: 'current_value has reached goal_value' }),
  },
  { description: 'Null when the caller has not joined' },
);
export type ChallengeProgress = Static<typeof ChallengeProgress>;

export const ChallengeDetail = Type.Object({ ...fields, my_progress: Nullable(ChallengeProgress) });
export type ChallengeDetail = Static<typeof ChallengeDetail>;
