// Planned group runs (APP_V2.md, the newer app's groupRunService.ts): a host invites up to four people to run a
// course; invitees accept or decline; the host invites more or disbands it. A group run is seen only by its
// participants (404 to anyone else); every change locks its row first (queries.lockGroupRun), so concurrent
// invitations and replies queue up and it never has more than MAX_PARTICIPANTS.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { AppError, conflict, forbidden, notFound } from '../../infra/errors.js';
import { enqueuePush } from '../notifications/push.js';
import * as q from './queries.js';
import { scheduleReminder } from './reminders.js';
import {
  MAX_PARTICIPANTS, type CreateGroupRunBody, type GroupRunItem, type GroupRunList, type GroupRunMember, type MyGroupRunsQuery,
} from './schemas.js';

export type Deps = Pick<AppDeps, 'db' | 'jobs'>;

const unprocessable = (code: string, message: string) => new AppError(422, code, message);
const notFoundGroupRun = () => notFound('Group run');

function toItem(row: q.GroupRunRow, members: q.MemberRow[]): GroupRunItem {
  return {
    id: row.id,
    course_id: row.course_id,
    course_name: row.course_name,
    name: row.name,
    creator_id: row.creator_id,
    status: row.status,
    scheduled_at: row.scheduled_at?.toISOString() ?? null,
    member_count: row.member_count,
    members: members.map(
      (m): GroupRunMember => ({
        user_id: m.user_id,
        nickname: m.nickname,
        avatar_url: m.avatar_url,
        status: m.status,
        best_duration_seconds: null,
        best_pace_seconds_per_km: null,
      }),
    ),
    my_status: row.my_status,
    group_ranking: null,
    created_at: row.created_at.toISOString(),
  };
}

export async function get(db: Queryable, userId: string, groupRunId: string): Promise<GroupRunItem> {
  const row = await q.findGroupRun(db, userId, groupRunId);
  if (!row) throw notFoundGroupRun();
  return toItem(row, await q.membersOf(db, [row.id]));
}

export async function mine(db: Queryable, userId: string, query: MyGroupRunsQuery): Promise<GroupRunList> {
  const { rows, total_count } = await q.listMine(db, userId, {
    courseId: query.course_id?.toLowerCase(),
    limit: query.per_page,
    offset: query.page * query.per_page,
  });
  const members = await q.membersOf(db, rows.map((r) => r.id));
  return { data: rows.map((r) => toItem(r, members.filter((m) => m.group_run_id === r.id))), total_count };
}

/**
 * The ids to invite, lower case and each once: 422 CANNOT_INVITE_SELF for the caller's own id, 404 USER_NOT_FOUND
 * when any is not an account.
 */
async function invitees(db: Queryable, hostId: string, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
  if (unique.includes(hostId)) throw unprocessable('CANNOT_INVITE_SELF', 'You cannot invite yourself');
  const found = await q.existingUsers(db, unique);
  const missing = unique.filter((id) => !found.has(id));
  if (missing.length > 0) throw new AppError(404, 'USER_NOT_FOUND', `No user with id ${missing.join(', ')}`);
  return unique;
}

/** Invites `userIds` (not yet in it) to the locked group run, each told by a group_run_invite push. */
async function invite(deps: Deps, tx: Queryable, groupRun: { id: string; name: string }, hostId: string, userIds: string[]): Promise<void> {
  const invited = await q.insertInvitations(tx, groupRun.id, userIds);
  if (invited.length === 0) return;
  const host = (await q.nicknameOf(tx, hostId)) ?? '누군가';
  for (const { user_id: userId, invited_at: invitedAt } of invited) {
    await enqueuePush(deps, tx, {
      userId,
      kind: 'group_run_invite',
      // One push per invitation: declined and invited again is news again.
      causeKey: `${groupRun.id}:${invitedAt.toISOString()}`,
      title: '그룹런 초대',
      body: `${host}님이 '${groupRun.name}' 그룹런에 초대했어요`,
      data: { group_run_id: groupRun.id },
    });
  }
}

function scheduledAtOf(body: CreateGroupRunBody): Date | null {
  if (body.scheduled_at === undefined || body.scheduled_at === null) return null;
  const at = new Date(body.scheduled_at);
  if (!(at.getTime() > Date.now())) throw unprocessable('SCHEDULED_IN_PAST', 'scheduled_at must be in the future');
  if (at.getTime() > Date.now() + 366 * 86_400_000) throw unprocessable('SCHEDULED_TOO_FAR', 'scheduled_at must be within a year');
  return at;
}

/** Creates a group run on a course the host can see (404 otherwise); the host takes part as accepted. */
export async function create(deps: Deps, hostId: string, body: CreateGroupRunBody): Promise<GroupRunItem> {
  const courseId = body.course_id.toLowerCase();
  const scheduledAt = scheduledAtOf(body);
  const id = await deps.db.transaction(async (tx) => {
    if (!(await q.courseVisible(tx, hostId, courseId))) throw notFound('Course');
    const userIds = await invitees(tx, hostId, body.invite_user_ids);
    const groupRun = await q.insertGroupRun(tx, { courseId, creatorId: hostId, name: body.name.trim(), scheduledAt });
    await invite(deps, tx, groupRun, hostId, userIds);
    if (scheduledAt) await scheduleReminder(deps, tx, groupRun.id, scheduledAt);
    return groupRun.id;
  });
  return get(deps.db, hostId, id);
}

/** The locked group run, 404 when missing or the caller takes no part in it. */
async function locked(tx: Queryable, userId: string, groupRunId: string): Promise<q.LockedGroupRun & { my_status: NonNullable<q.LockedGroupRun['my_status']> }> {
  const groupRun = await q.lockGroupRun(tx, userId, groupRunId);
  if (!groupRun?.my_status) throw notFoundGroupRun();
  return { ...groupRun, my_status: groupRun.my_status };
}

const requireActive = (groupRun: q.LockedGroupRun) => {
  if (groupRun.status !== 'active') throw conflict('GROUP_RUN_NOT_ACTIVE', 'This group run is over');
};

/** The host invites more people; those already in it are left as they are (a retried request changes nothing). */
export async function inviteMore(deps: Deps, hostId: string, groupRunId: string, ids: string[]): Promise<GroupRunItem> {
  await deps.db.transaction(async (tx) => {
    const groupRun = await locked(tx, hostId, groupRunId);
    if (groupRun.creator_id !== hostId) throw forbidden('Only the host invites people');
    requireActive(groupRun);
    const userIds = await invitees(tx, hostId, ids);
    const already = await q.participantsAmong(tx, groupRunId, userIds);
    const fresh = userIds.filter((id) => !already.has(id));
    if (groupRun.member_count + fresh.length > MAX_PARTICIPANTS) {
      throw conflict('GROUP_RUN_FULL', `A group run has at most ${MAX_PARTICIPANTS} participants (${groupRun.member_count} now)`);
    }
    await invite(deps, tx, groupRun, hostId, fresh);
  });
  return get(deps.db, hostId, groupRunId);
}

/** Accepts the caller's invitation; accepting again changes nothing. */
export async function accept(deps: Deps, userId: string, groupRunId: string): Promise<GroupRunItem> {
  await deps.db.transaction(async (tx) => {
    const groupRun = await locked(tx, userId, groupRunId);
    if (groupRun.my_status !== 'invited') return;
    requireActive(groupRun);
    await q.accept(tx, groupRunId, userId);
  });
  return get(deps.db, userId, groupRunId);
}

/** Declines the caller's invitation (it is deleted); someone who accepted leaves instead (409 ALREADY_ACCEPTED). */
export async function decline(deps: Deps, userId: string, groupRunId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const groupRun = await locked(tx, userId, groupRunId);
    if (groupRun.my_status !== 'invited') throw conflict('ALREADY_ACCEPTED', 'You accepted this group run: leave it instead');
    await q.deleteMember(tx, groupRunId, userId);
  });
}

/** A participant leaves; the host disbands it instead (409 HOST_CANNOT_LEAVE), as the app offers them. */
export async function leave(deps: Deps, userId: string, groupRunId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const groupRun = await locked(tx, userId, groupRunId);
    if (groupRun.creator_id === userId) throw conflict('HOST_CANNOT_LEAVE', 'The host disbands the group run instead (DELETE)');
    await q.deleteMember(tx, groupRunId, userId);
  });
}

/** The host disbands the group run: it and every invitation go; its pending reminder finds nothing to send. */
export async function disband(deps: Deps, userId: string, groupRunId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const groupRun = await locked(tx, userId, groupRunId);
    if (groupRun.creator_id !== userId) throw forbidden('Only the host disbands the group run');
    await q.deleteGroupRun(tx, groupRunId);
  });
}
