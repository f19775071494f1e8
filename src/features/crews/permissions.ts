// Who may do what in a crew: the one table every crew route checks (test/crews-permissions.test.ts tries every
// role on every action). A member's standing is their grade: 5 owner, 4 admin, 1..3 members (the app's grade names).
import { AppError, forbidden, notFound } from '../../infra/errors.js';

export type Role = 'owner' | 'admin' | 'member';
/** The caller's relation to a crew: one of the roles, or no member at all. */
export type Standing = Role | 'outsider';

export const OWNER_GRADE = 5;
export const ADMIN_GRADE = 4;

export const roleOfGrade = (grade: number): Role => (grade === OWNER_GRADE ? 'owner' : grade === ADMIN_GRADE ? 'admin' : 'member');

export type CrewAction =
  | 'read' // detail, members, weekly ranking, active courses, challenges
  | 'edit'
  | 'delete'
  | 'join' // join an open crew or ask to join an approval-only one
  | 'leave'
  | 'invite'
  | 'review_requests' // list, count, approve, reject join requests
  | 'manage_members' // remove a member, change a grade (of members below oneself)
  | 'change_role' // make admin or member, hand the crew over
  | 'view_stats'
  | 'manage_challenges'
  | 'chat'; // read and send messages, mark read

const MANAGERS: readonly Standing[] = ['owner', 'admin'];
const MEMBERS: readonly Standing[] = ['owner', 'admin', 'member'];

export const PERMISSIONS: Record<CrewAction, readonly Standing[]> = {
  read: MEMBERS, // and anyone signed in when the crew is public (see canRead)
  edit: MANAGERS,
  delete: ['owner'],
  join: ['outsider'],
  leave: MEMBERS, // an owner only as the last member (see membership.leave)
  invite: MANAGERS,
  review_requests: MANAGERS,
  manage_members: MANAGERS,
  change_role: ['owner'],
  view_stats: MANAGERS,
  manage_challenges: MANAGERS,
  chat: MEMBERS,
};

export const can = (standing: Standing, action: CrewAction) => PERMISSIONS[action].includes(standing);

/** A crew that is not public is hidden from everyone but its members: they get 404, as for a missing crew. */
export const canRead = (standing: Standing, isPublic: boolean) => isPublic || can(standing, 'read');

/**
 * Throws unless `standing` allows `action` on a crew the caller can read: 404 when the crew is hidden from them,
 * 403 otherwise (409 ALREADY_MEMBER for a member asking to join).
 */
export function requireCan(standing: Standing, isPublic: boolean, action: CrewAction): void {
  if (!canRead(standing, isPublic)) throw notFound('Crew');
  if (action === 'read' || can(standing, action)) return;
  if (action === 'join') throw new AppError(409, 'ALREADY_MEMBER', 'You are already a member of this crew');
  if (action === 'leave') throw notFound('Membership');
  throw forbidden(`Your role in this crew does not allow this (${action.replace('_', ' ')})`);
}

/**
 * Whether an actor of grade `actor` may act on a member of grade `target` (remove them, change their grade):
 * only on members strictly below them, so an admin never touches another admin or the owner.
 */
export const outranks = (actor: number, target: number) => actor > target;
