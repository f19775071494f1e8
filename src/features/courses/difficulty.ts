// Course difficulty (RULES.md §4.3): a weighted score of distance, climb, gradient and how often runners
// finish the course. At creation the completion rate is unknown and counts as the middle (50). The levels are the
// app's words: its middle level is 'normal', where the old server said 'medium' (migrations/0017).

export type Difficulty = 'easy' | 'normal' | 'hard';

export interface DifficultyInput {
  distanceMeters: number;
  elevationGainMeters: number;
  /** Completed runs / all runs on the course, 0..1; null when nobody has run it yet. */
  completionRate: number | null;
}

const capped = (score: number) => Math.min(Math.max(score, 0), 100);

export function computeDifficulty({ distanceMeters, elevationGainMeters, completionRate }: DifficultyInput): Difficulty {
  const distance = capped((distanceMeters / 10_000) * 100);
  const elevation = capped((elevationGainMeters / 300) * 100);
  // Metres of climb per kilometre; 60 m/km scores the maximum.
  const gradient = distanceMeters > 0 ? capped((((elevationGainMeters / distanceMeters) * 1000) / 60) * 100) : 0;
  const completion = completionRate === null ? 50 : capped((1 - completionRate) * 100);
  const total = 0.3 * distance + 0.3 * elevation + 0.2 * gradient + 0.2 * completion;
  if (total < 33) return 'easy';
  if (total < 66) return 'normal';
  return 'hard';
}
