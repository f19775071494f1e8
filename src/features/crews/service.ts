// Crews (APP_V2.md, the newer app's crewService.ts): anyone signed in creates one and becomes its owner; public
// crews are listed and searched; owners and admins edit them, the owner deletes them. Who may do what is
// permissions.ts; membership is membership.ts and join requests requests.ts.
import type { FastifyBaseLogger } from 'fastify';
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { conflict, notFound } from '../../infra/errors.js';
import { levelOf, memberLimit, requireUnlocked, type LockedFeature } from './levels.js';
import { enqueueOccupationOfCrew, enqueueOccupationOfCrewMembers } from './occupation.js';
import { canRead, requireCan, roleOfGrade, type Standing } from './permissions.js';
import * as q from './queries.js';
import type { CreateCrewBody, CrewItem, CrewList, CrewListQuery, UpdateCrewBody } from './schemas.js';
import { requireStoredImage } from '../uploads/stored-images.js';

export type Deps = Pick<AppDeps, 'db' | 'jobs' | 'storage'>;

/** Crews a user may own at once. */
export const MAX_OWNED_CREWS = 5;

export const standingOf = (grade: number | null | undefined): Standing => (grade ? roleOfGrade(grade) : 'outsider');

/** Runs before validation, so the schema checks what is stored: the name NFC-normalised and trimmed, colours upper case. */
export function normaliseCrewBody(body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const b = body as Record<string, unknown>;
  if (typeof b.name === 'string') b.name = b.name.normalize('NFC').trim();
  // Colours compare as the same colour whatever their case.
  if (typeof b.badge_color === 'string') b.badge_color = b.badge_color.toUpperCase();
}

export function toCrew(row: q.CrewRow): CrewItem {
  const level = levelOf(row.total_xp);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    logo_url: row.logo_url,
    cover_image_url: row.cover_image_url,
    region: row.region,
    owner: { id: row.owner_id, nickname: row.owner_nickname, avatar_url: row.owner_avatar_url },
    member_count: row.member_count,
    max_members: row.max_members,
    member_limit: memberLimit(level, row.max_members),
    is_public: row.is_public,
    badge_color: row.badge_color,
    badge_icon: row.badge_icon,
    recurring_schedule: row.recurring_schedule,
    meeting_point: row.meeting_point,
    requires_approval: row.requires_approval,
    level,
    total_xp: row.total_xp,
    grade_config: row.grade_config,
    is_member: row.my_grade !== null,
    my_role: row.my_grade === null ? null : roleOfGrade(row.my_grade),
    my_grade_level: row.my_grade,
    join_request_status: row.my_grade === null && row.my_pending_request ? 'pending' : null,
    last_activity_at: row.last_activity_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export async function get(db: Queryable, userId: string, crewId: string): Promise<CrewItem> {
  const row = await q.findCrew(db, userId, crewId);
  if (!row || !canRead(standingOf(row.my_grade), row.is_public)) throw notFound('Crew');
  return toCrew(row);
}

export async function list(db: Queryable, userId: string, query: CrewListQuery): Promise<CrewList> {
  const result = await q.listCrews(db, userId, {
    search: query.search,
    region: query.region,
    limit: query.per_page,
    offset: query.page * query.per_page,
  });
  return { data: result.rows.map(toCrew), total_count: result.total_count };
}

export async function mine(db: Queryable, userId: string): Promise<CrewItem[]> {
  return (await q.myCrews(db, userId)).map(toCrew);
}

/** Image fields take only images we stored from POST /uploads/image: nothing from elsewhere is shown to members. */
function checkImages(deps: Deps, body: { logo_url?: string | null; cover_image_url?: string | null }): void {
  for (const field of ['logo_url', 'cover_image_url'] as const) {
    const url = body[field];
    if (url) requireStoredImage(deps.storage, url, field);
  }
}

const nameTaken = (err: unknown): never => {
  if ((err as { code?: string; constraint?: string }).constraint === 'uq_crews_name') {
    throw conflict('CREW_NAME_TAKEN', 'A crew with this name already exists');
  }
  throw err;
};

const round = (n: number | null | undefined) => (n === null || n === undefined ? n : Math.round(n));

export async function create(deps: Deps, userId: string, body: CreateCrewBody): Promise<CrewItem> {
  checkImages(deps, body);
  // A new crew is level 1: what needs a higher level is refused, not dropped.
  if (body.cover_image_url) requireUnlocked(1, 'cover_image_url');
  const fields: q.CrewFields = {
    name: body.name,
    description: body.description ?? null,
    logo_url: body.logo_url ?? null,
    cover_image_url: body.cover_image_url ?? null,
    region: body.region ?? null,
    max_members: round(body.max_members) ?? null,
    is_public: body.is_public ?? true,
    badge_color: body.badge_color ?? '#FF7A33',
    badge_icon: body.badge_icon ?? 'people',
    recurring_schedule: body.recurring_schedule ?? null,
    meeting_point: body.meeting_point ?? null,
    requires_approval: body.requires_approval ?? false,
    grade_config: null,
  };
  const id = await deps.db.transaction(async (tx) => {
    // The user's row serialises their creations, so two at once cannot both pass the limit.
    await tx.query('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [userId]);
    const { rows } = await tx.query<{ n: number }>('SELECT count(*) AS n FROM crew_members WHERE user_id = $1 AND grade_level = 5', [userId]);
    if (rows[0]!.n >= MAX_OWNED_CREWS) throw conflict('CREW_LIMIT_REACHED', `You can own at most ${MAX_OWNED_CREWS} crews`);
    const crewId = await q.insertCrew(tx, userId, fields).catch(nameTaken);
    await tx.query('UPDATE users SET primary_crew_id = coalesce(primary_crew_id, $2) WHERE id = $1', [userId, crewId]);
    return crewId;
  });
  return get(deps.db, userId, id);
}

export async function update(deps: Deps, log: FastifyBaseLogger, userId: string, crewId: string, body: UpdateCrewBody): Promise<CrewItem> {
  checkImages(deps, body);
  const replaced = await deps.db.transaction(async (tx) => {
    const crew = await q.lockCrew(tx, crewId, userId);
    if (!crew) throw notFound('Crew');
    requireCan(standingOf(crew.my_grade), crew.is_public, 'edit');
    const changes: Partial<q.CrewFields> = { ...body, max_members: round(body.max_members) };
    const level = levelOf(crew.total_xp);
    for (const feature of ['badge_color', 'cover_image_url', 'grade_config'] as LockedFeature[]) {
      const value = changes[feature];
      if (value !== undefined && JSON.stringify(value) !== JSON.stringify(crew[feature])) requireUnlocked(level, feature);
    }
    if (changes.max_members != null && changes.max_members < crew.member_count) {
      throw conflict('CAPACITY_BELOW_MEMBERS', `The crew already has ${crew.member_count} members`);
    }
    await q.updateCrew(tx, crewId, changes).catch(nameTaken);
    if (changes.is_public !== undefined && changes.is_public !== crew.is_public) await enqueueOccupationOfCrewMembers(deps, tx, crewId);
    const replaced: string[] = [];
    for (const field of ['logo_url', 'cover_image_url'] as const) {
      const before = crew[field];
      if (before && changes[field] !== undefined && changes[field] !== before) replaced.push(before);
    }
    return replaced;
  });
  await releaseImages(deps, log, replaced);
  return get(deps.db, userId, crewId);
}

/** Deletes the crew (the owner only): its members, requests, challenges and held courses go with it. */
export async function remove(deps: Deps, log: FastifyBaseLogger, userId: string, crewId: string): Promise<void> {
  const images = await deps.db.transaction(async (tx) => {
    const crew = await q.lockCrew(tx, crewId, userId);
    if (!crew) throw notFound('Crew');
    requireCan(standingOf(crew.my_grade), crew.is_public, 'delete');
    return deleteCrew(deps, tx, crewId);
  });
  await releaseImages(deps, log, images);
}

/** Deletes a crew in the caller's transaction; the courses it held are given to the next crew by a job. */
export async function deleteCrew(deps: Pick<AppDeps, 'jobs'>, tx: Queryable, crewId: string): Promise<string[]> {
  await enqueueOccupationOfCrew(deps, tx, crewId);
  return q.deleteCrew(tx, crewId);
}

/**
 * Deletes the stored logos and covers among `urls` that no crew shows any more. Runs after the change is committed;
 * a file left behind is only garbage, so failures are logged, not thrown.
 */
export async function releaseImages(deps: Deps, log: FastifyBaseLogger, urls: string[]): Promise<void> {
  try {
    for (const url of await q.unusedCrewImages(deps.db, urls)) {
      await deps.storage.delete(url).catch((err: unknown) => log.warn({ err, url }, 'could not delete a crew image'));
    }
  } catch (err) {
    log.warn({ err, urls }, 'could not release crew images');
  }
}

export async function setPrimary(db: Queryable, userId: string, crewId: string | null): Promise<{ crew_name: string | null }> {
  const name = await q.setPrimaryCrew(db, userId, crewId);
  if (name === false) throw notFound('Membership');
  return { crew_name: name };
}
