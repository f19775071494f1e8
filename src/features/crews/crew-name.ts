// How a runner's primary crew is named to others (leaderboards, profiles, search, community authors): a private
// crew's membership is known to its members only, so its name is shown to them alone.

/** SQL for the name of crew `crewId` (an SQL expression, e.g. `u.primary_crew_id`) as `viewer` may see it, else null. */
export const crewNameSeenBy = (crewId: string, viewer: string) =>
  `(SELECT pc.name FROM crews pc WHERE pc.id = ${crewId}
      AND (pc.is_public OR EXISTS (SELECT 1 FROM crew_members vm WHERE vm.crew_id = pc.id AND vm.user_id = ${viewer})))`;
