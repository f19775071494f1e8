// Crew membership: joining an open crew, invitations, leaving, removing members, roles and grades. Every change
// locks the crew row first (queries.lockCrew), so concurrent joins queue up and each counts the members committed
// before it: no crew goes over its limit and nobody is a member twice (the primary key). A change of members
// changes which crew holds a course: the courses of the member concerned are recomputed by a job.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { AppError, conflict, forbidden, notFound } from '../../infra/errors.js';
import { enqueuePush } from '../notifications/push.js';
import { levelOf, memberLimit } from './levels.js';
import { enqueueOccupationOfMember } from './occupation.js';
import { ADMIN_GRADE, OWNER_GRADE, outranks, requireCan, roleOfGrade } from './permissions.js';
import * as q from './queries.js';
import type { CrewItem, CrewMember, CrewMemberList, PageQuery, RoleBody } from './schemas.js';
import { deleteCrew, get, standingOf, type Deps } from './service.js';

const unprocessable = (code: string, message: string) => new AppError(422, code, message);

export function toMember(row: q.MemberRow): CrewMember {
  return {
    user_id: row.user_id,
    nickname: row.nickname,
    avatar_url: row.avatar_url,
    role: roleOfGrade(row.grade_level),
    grade_level: row.grade_level,
    joined_at: row.joined_at.toISOString(),
  };
}

/** The locked crew, 404 when missing or hidden from the caller. */
export async function locked(tx: Queryable, crewId: string, userId: string): Promise<q.LockedCrew> {
  const crew = await q.lockCrew(tx, crewId, userId);
  if (!crew) throw notFound('Crew');
  return crew;
}

/** 409 CREW_FULL when one more member would take the locked crew over its limit. */
export function requireRoom(crew: q.LockedCrew): void {
  const limit = memberLimit(levelOf(crew.total_xp), crew.max_members);
  if (crew.member_count >= limit) throw conflict('CREW_FULL', `The crew is full (${limit} members)`);
}

/**
 * Makes `userId` a member of the locked crew (grade 1): a pending join request of theirs is settled as approved,
 * the crew becomes their primary crew if they have none, and their courses are recomputed.
 */
export async function admit(deps: Pick<AppDeps, 'jobs'>, tx: Queryable, crew: q.LockedCrew, userId: string, reviewerId: string | null): Promise<void> {
  if (!(await q.insertMember(tx, crew.id, userId))) throw conflict('ALREADY_MEMBER', 'Already a member of this crew');
  await tx.query(
    `UPDATE crew_join_requests SET status = 'approved', reviewed_at = now(), reviewed_by = $3
      WHERE crew_id = $1 AND user_id = $2 AND status = 'pending'`,
    [crew.id, userId, reviewerId],
  );
  await tx.query('UPDATE users SET primary_crew_id = coalesce(primary_crew_id, $2) WHERE id = $1', [userId, crew.id]);
  await enqueueOccupationOfMember(deps, tx, userId);
}

/** Joins an open crew. An approval-only crew is 409 APPROVAL_REQUIRED (send a join request instead). */
export async function join(deps: Deps, userId: string, crewId: string): Promise<CrewItem> {
  await deps.db.transaction(async (tx) => {
    const crew = await locked(tx, crewId, userId);
    requireCan(standingOf(crew.my_grade), crew.is_public, 'join');
    if (crew.requires_approval) throw conflict('APPROVAL_REQUIRED', 'This crew approves its members: send a join request');
    requireRoom(crew);
    await admit(deps, tx, crew, userId, null);
  });
  return get(deps.db, userId, crewId);
}

/** Adds the user with this invite code; they are told by a crew_join_approved push. */
export async function invite(deps: Deps, actorId: string, crewId: string, userCode: string): Promise<CrewMember> {
  const inviteeId = await deps.db.transaction(async (tx) => {
    const crew = await locked(tx, crewId, actorId);
    requireCan(standingOf(crew.my_grade), crew.is_public, 'invite');
    const invitee = await q.userIdByCode(tx, userCode.trim());
    if (!invitee) throw notFound('User with this code');
    requireRoom(crew);
    await admit(deps, tx, crew, invitee, actorId);
    await enqueuePush(deps, tx, {
      userId: invitee,
      kind: 'crew_join_approved',
      causeKey: `${crewId}:invite:${Date.now()}`,
      title: '크루 가입',
      body: `'${crew.name}' 크루에 초대되었어요`,
      data: { crew_id: crewId },
    });
    return invitee;
  });
  return toMember((await q.findMember(deps.db, crewId, inviteeId))!);
}

/**
 * Leaves the crew. The owner hands the crew over first (PATCH .../role with role "owner") unless they are its last
 * member: then the crew itself goes (its requests, challenges and courses; nothing any other user owns).
 */
export async function leave(deps: Deps, userId: string, crewId: string): Promise<string[]> {
  return deps.db.transaction(async (tx) => {
    const crew = await locked(tx, crewId, userId);
    requireCan(standingOf(crew.my_grade), crew.is_public, 'leave');
    if (crew.my_grade === OWNER_GRADE) {
      if (crew.member_count > 1) throw conflict('OWNER_MUST_HAND_OVER', 'Hand the crew over to another member before leaving');
      return deleteCrew(deps, tx, crewId);
    }
    await q.deleteMember(tx, crewId, userId);
    await enqueueOccupationOfMember(deps, tx, userId);
    return [];
  });
}

/** The locked crew and the target member, for an action of `actorId` on another member. */
async function actOnMember(tx: Queryable, actorId: string, crewId: string, targetId: string, action: 'manage_members' | 'change_role') {
  const crew = await locked(tx, crewId, actorId);
  requireCan(standingOf(crew.my_grade), crew.is_public, action);
  if (targetId === actorId) throw unprocessable('CANNOT_ACT_ON_SELF', 'Not on yourself: leave the crew or ask its owner');
  const target = await q.findMember(tx, crewId, targetId);
  if (!target) throw notFound('Member');
  return { crew, actorGrade: crew.my_grade!, target };
}

export async function removeMember(deps: Deps, actorId: string, crewId: string, targetId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const { actorGrade, target } = await actOnMember(tx, actorId, crewId, targetId, 'manage_members');
    if (!outranks(actorGrade, target.grade_level)) throw forbidden('Only members below you can be removed');
    await q.deleteMember(tx, crewId, targetId);
    await enqueueOccupationOfMember(deps, tx, targetId);
  });
}

/** The owner makes a member an admin or a member again, or hands the crew over ('owner': the owner becomes an admin). */
export async function changeRole(deps: Deps, actorId: string, crewId: string, targetId: string, role: RoleBody['role']): Promise<CrewMember> {
  await deps.db.transaction(async (tx) => {
    const { target } = await actOnMember(tx, actorId, crewId, targetId, 'change_role');
    if (role === 'owner') {
      // The old owner steps down first: one owner per crew is a unique index.
      await q.setGrade(tx, crewId, actorId, ADMIN_GRADE);
      await q.setGrade(tx, crewId, targetId, OWNER_GRADE);
    } else if (role === 'admin') {
      await q.setGrade(tx, crewId, targetId, ADMIN_GRADE);
    } else if (target.grade_level >= ADMIN_GRADE) {
      await q.setGrade(tx, crewId, targetId, 1);
    }
  });
  return toMember((await q.findMember(deps.db, crewId, targetId))!);
}

/** Sets the grade of a member below the caller to a grade below the caller's (4 makes an admin). */
export async function changeGrade(deps: Deps, actorId: string, crewId: string, targetId: string, grade: number): Promise<CrewMember> {
  await deps.db.transaction(async (tx) => {
    const { actorGrade, target } = await actOnMember(tx, actorId, crewId, targetId, 'manage_members');
    if (!outranks(actorGrade, target.grade_level)) throw forbidden('Only the grade of members below you can change');
    if (!outranks(actorGrade, grade)) throw forbidden('You can only give grades below your own');
    await q.setGrade(tx, crewId, targetId, grade);
  });
  return toMember((await q.findMember(deps.db, crewId, targetId))!);
}

export async function members(db: Queryable, userId: string, crewId: string, page: PageQuery): Promise<CrewMemberList> {
  const access = await q.crewAccess(db, crewId, userId);
  if (!access) throw notFound('Crew');
  requireCan(standingOf(access.my_grade), access.is_public, 'read');
  const result = await q.listMembers(db, crewId, page.per_page, page.page * page.per_page);
  return { data: result.rows.map(toMember), total_count: result.total_count };
}

/**
 * Before an account is deleted, in the deletion's transaction: each crew it owns passes to the member of highest
 * grade who joined first, or goes when it has no other member; its memberships count as departures; the courses it
 * ranks on are recomputed. Returns the images of the crews that went.
 */
export async function departAllCrews(deps: Pick<AppDeps, 'jobs'>, tx: Queryable, userId: string): Promise<string[]> {
  // Counted without the user: the account goes.
  await tx.query('INSERT INTO crew_departures (crew_id) SELECT crew_id FROM crew_members WHERE user_id = $1', [userId]);
  const { rows } = await tx.query<{ crew_id: string }>('SELECT crew_id FROM crew_members WHERE user_id = $1 AND grade_level = 5 ORDER BY crew_id', [userId]);
  const images: string[] = [];
  for (const { crew_id: crewId } of rows) {
    await locked(tx, crewId, userId);
    const next = await tx.query<{ user_id: string }>(
      'SELECT user_id FROM crew_members WHERE crew_id = $1 AND user_id <> $2 ORDER BY grade_level DESC, joined_at, user_id LIMIT 1',
      [crewId, userId],
    );
    if (next.rows[0]) {
      await q.setGrade(tx, crewId, userId, ADMIN_GRADE);
      await q.setGrade(tx, crewId, next.rows[0].user_id, OWNER_GRADE);
    } else {
      images.push(...(await deleteCrew(deps, tx, crewId)));
    }
  }
  await enqueueOccupationOfMember(deps, tx, userId);
  return images;
}
