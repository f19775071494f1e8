// Join requests to approval-only crews: a user asks (with a message), the crew's owner and admins are told, list
// and count them, and approve (the user becomes a member, within the crew's limit) or reject; the user may cancel
// a pending request. One pending request per user and crew; a rejected user may ask again.
import type { Queryable } from '../../infra/db/database.js';
import { conflict, notFound } from '../../infra/errors.js';
import { enqueuePush } from '../notifications/push.js';
import { recordInbox } from '../notifications/inbox.js';
import { admit, locked, requireRoom } from './membership.js';
import { ADMIN_GRADE, requireCan } from './permissions.js';
import * as q from './queries.js';
import type { JoinRequestItem, JoinRequestList, MyJoinRequest, PageQuery } from './schemas.js';
import { standingOf, type Deps } from './service.js';

interface RequestRow {
  [key: string]: unknown;
  id: string;
  user_id: string;
  nickname: string | null;
  avatar_url: string | null;
  message: string | null;
  status: 'pending' | 'approved' | 'rejected';
  created_at: Date;
  reviewed_at: Date | null;
}

const REQUEST_SELECT = `SELECT r.id, r.user_id, u.nickname, u.avatar_url, r.message, r.status, r.created_at, r.reviewed_at
                          FROM crew_join_requests r JOIN users u ON u.id = r.user_id`;

const toItem = (r: RequestRow): JoinRequestItem => ({
  id: r.id,
  user: { id: r.user_id, nickname: r.nickname, avatar_url: r.avatar_url },
  message: r.message,
  status: r.status,
  created_at: r.created_at.toISOString(),
  reviewed_at: r.reviewed_at?.toISOString() ?? null,
});

async function findRequest(db: Queryable, requestId: string): Promise<RequestRow> {
  const { rows } = await db.query<RequestRow>(`${REQUEST_SELECT} WHERE r.id = $1`, [requestId]);
  return rows[0]!;
}

const pendingTaken = (err: unknown): never => {
  if ((err as { constraint?: string }).constraint === 'uq_crew_join_requests_pending') {
    throw conflict('ALREADY_REQUESTED', 'You already asked to join this crew');
  }
  throw err;
};

/** Asks to join an approval-only crew; its owner and admins get a crew_join_request push. */
export async function create(deps: Deps, userId: string, crewId: string, message: string | null): Promise<JoinRequestItem> {
  const id = await deps.db.transaction(async (tx) => {
    const crew = await locked(tx, crewId, userId);
    requireCan(standingOf(crew.my_grade), crew.is_public, 'join');
    if (!crew.requires_approval) throw conflict('NO_APPROVAL_NEEDED', 'This crew is open: join it directly');
    requireRoom(crew);
    const { rows } = await tx
      .query<{ id: string }>('INSERT INTO crew_join_requests (crew_id, user_id, message) VALUES ($1, $2, $3) RETURNING id', [
        crewId, userId, message?.trim() || null,
      ])
      .catch(pendingTaken);
    const requestId = rows[0]!.id;
    for (const reviewer of await q.memberIds(tx, crewId, ADMIN_GRADE)) {
      await enqueuePush(deps, tx, {
        userId: reviewer,
        kind: 'crew_join_request',
        causeKey: requestId,
        title: '크루 가입 신청',
        body: `'${crew.name}' 크루에 새 가입 신청이 있어요`,
        data: { crew_id: crewId, request_id: requestId },
      });
      await recordInbox(tx, {
        userId: reviewer, type: 'crew_join_request', actorId: userId, causeKey: requestId, target: { type: 'crew', id: crewId }, data: { crew_name: crew.name, request_id: requestId },
      });
    }
    return requestId;
  });
  return toItem(await findRequest(deps.db, id));
}

/** The caller's pending request to the crew, if any. */
export async function mine(db: Queryable, userId: string, crewId: string): Promise<MyJoinRequest> {
  const access = await q.crewAccess(db, crewId, userId);
  if (!access) throw notFound('Crew');
  requireCan(standingOf(access.my_grade), access.is_public, 'read');
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM crew_join_requests WHERE crew_id = $1 AND user_id = $2 AND status = 'pending'",
    [crewId, userId],
  );
  return rows[0] ? { status: 'pending', request_id: rows[0].id } : { status: null, request_id: null };
}

async function requireReviewer(db: Queryable, userId: string, crewId: string): Promise<void> {
  const access = await q.crewAccess(db, crewId, userId);
  if (!access) throw notFound('Crew');
  requireCan(standingOf(access.my_grade), access.is_public, 'review_requests');
}

/** Pending requests, oldest first. */
export async function list(db: Queryable, userId: string, crewId: string, page: PageQuery): Promise<JoinRequestList> {
  await requireReviewer(db, userId, crewId);
  const [count, rows] = await Promise.all([
    pendingCount(db, crewId),
    db.query<RequestRow>(
      `${REQUEST_SELECT} WHERE r.crew_id = $1 AND r.status = 'pending' ORDER BY r.created_at, r.id LIMIT $2 OFFSET $3`,
      [crewId, page.per_page, page.page * page.per_page],
    ),
  ]);
  return { data: rows.rows.map(toItem), total_count: count };
}

export async function pendingCount(db: Queryable, crewId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>("SELECT count(*) AS n FROM crew_join_requests WHERE crew_id = $1 AND status = 'pending'", [
    crewId,
  ]);
  return rows[0]!.n;
}

export async function count(db: Queryable, userId: string, crewId: string): Promise<{ count: number }> {
  await requireReviewer(db, userId, crewId);
  return { count: await pendingCount(db, crewId) };
}

/** The pending request of this crew, locked; 404 when it is another crew's, 409 REQUEST_NOT_PENDING once settled. */
async function lockPending(tx: Queryable, crewId: string, requestId: string): Promise<{ user_id: string }> {
  const { rows } = await tx.query<{ user_id: string; status: string }>(
    'SELECT user_id, status FROM crew_join_requests WHERE id = $1 AND crew_id = $2 FOR UPDATE',
    [requestId, crewId],
  );
  const request = rows[0];
  if (!request) throw notFound('Join request');
  if (request.status !== 'pending') throw conflict('REQUEST_NOT_PENDING', `The request was already ${request.status}`);
  return request;
}

/** Approves the request: the user becomes a member (within the crew's limit) and gets a crew_join_approved push. */
export async function approve(deps: Deps, reviewerId: string, crewId: string, requestId: string): Promise<JoinRequestItem> {
  await deps.db.transaction(async (tx) => {
    const crew = await locked(tx, crewId, reviewerId);
    requireCan(standingOf(crew.my_grade), crew.is_public, 'review_requests');
    const request = await lockPending(tx, crewId, requestId);
    requireRoom(crew);
    await admit(deps, tx, crew, request.user_id, reviewerId);
    await enqueuePush(deps, tx, {
      userId: request.user_id,
      kind: 'crew_join_approved',
      causeKey: requestId,
      title: '크루 가입 승인',
      body: `'${crew.name}' 크루 가입이 승인되었어요`,
      data: { crew_id: crewId },
    });
  });
  return toItem(await findRequest(deps.db, requestId));
}

export async function reject(deps: Deps, reviewerId: string, crewId: string, requestId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const crew = await locked(tx, crewId, reviewerId);
    requireCan(standingOf(crew.my_grade), crew.is_public, 'review_requests');
    await lockPending(tx, crewId, requestId);
    await tx.query("UPDATE crew_join_requests SET status = 'rejected', reviewed_at = now(), reviewed_by = $2 WHERE id = $1", [
      requestId, reviewerId,
    ]);
  });
}

/** The caller withdraws their own pending request; anyone else's (or a settled one) is 404. */
export async function cancel(db: Queryable, userId: string, crewId: string, requestId: string): Promise<void> {
  const { rowCount } = await db.query(
    "DELETE FROM crew_join_requests WHERE id = $1 AND crew_id = $2 AND user_id = $3 AND status = 'pending'",
    [requestId, crewId, userId],
  );
  if (!rowCount) throw notFound('Join request');
}
