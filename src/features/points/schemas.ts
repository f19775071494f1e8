// Response schemas of the points routes.
import { Type, type Static } from '@sinclair/typebox';

export const DailyCheckin = Type.Object({
  checked_in: Type.Boolean(),
  points_earned: Type.Integer({ description: '5 the first time a day, 0 after' }),
  total_points: Type.Integer(),
  already: Type.Boolean({ description: 'True when the user had already checked in today' }),
});
export type DailyCheckin = Static<typeof DailyCheckin>;
