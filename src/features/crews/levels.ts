// Crew levels as the newer app shows them: a level from the distance the members ran as members (total_xp, metres),
// which raises the member limit and unlocks customisation (the app greys out what the level does not allow).
import { AppError } from '../../infra/errors.js';

/** total_xp needed for levels 1..10. */
const THRESHOLDS = [0, 100_000, 500_000, 1_500_000, 5_000_000, 15_000_000, 50_000_000, 150_000_000, 500_000_000, 1_000_000_000];
/** Members allowed at levels 1..10; from level 9 only the absolute limit holds. */
const LEVEL_MEMBERS = [10, 20, 30, 50, 80, 120, 200, 300, 1000, 1000];
/** No crew is larger (the largest max_members the app may ask for). */
export const ABSOLUTE_MAX_MEMBERS = 1000;

export function levelOf(totalXp: number): number {
  let level = 1;
  for (let i = 0; i < THRESHOLDS.length; i++) if (totalXp >= THRESHOLDS[i]!) level = i + 1;
  return level;
}

/** How many members the crew may have: its own max_members, within what its level allows. */
export function memberLimit(level: number, maxMembers: number | null): number {
  const byLevel = LEVEL_MEMBERS[level - 1] ?? ABSOLUTE_MAX_MEMBERS;
  return Math.min(maxMembers ?? ABSOLUTE_MAX_MEMBERS, byLevel);
}

/** Customisations and the level that unlocks them (as the app's edit and manage screens show). */
export const FEATURE_LEVELS = { badge_color: 3, cover_image_url: 3, grade_config: 4 } as const;
export type LockedFeature = keyof typeof FEATURE_LEVELS;

export function requireUnlocked(level: number, feature: LockedFeature): void {
  const needed = FEATURE_LEVELS[feature];
  if (level < needed) throw new AppError(403, 'LEVEL_REQUIRED', `Changing ${feature} needs crew level ${needed}`);
}
