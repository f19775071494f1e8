// "Someone took your #1": when a ranked run moves a new runner to first place on a course, the runner who
// held it is told (DECISIONS "Push notifications"). The leader is read before the run is ranked, inside the
// same transaction, from the board's own index.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { enqueuePush } from '../notifications/push.js';

export async function currentLeader(tx: Queryable, courseId: string): Promise<string | null> {
  const { rows } = await tx.query<{ user_id: string }>(
    `SELECT user_id FROM rankings WHERE course_id = $1
      ORDER BY best_duration_seconds, achieved_at, user_id LIMIT 1`,
    [courseId],
  );
  return rows[0]?.user_id ?? null;
}

export async function notifyFirstPlaceLost(
  deps: Pick<AppDeps, 'jobs'>,
  tx: Queryable,
  p: { previousLeader: string | null; newLeader: string; courseId: string; runRecordId: string },
): Promise<void> {
  if (!p.previousLeader || p.previousLeader === p.newLeader) return;
  const { rows } = await tx.query<{ title: string; nickname: string | null }>(
    'SELECT c.title, u.nickname FROM courses c, users u WHERE c.id = $1 AND u.id = $2',
    [p.courseId, p.newLeader],
  );
  const course = rows[0];
  if (!course) return;
  await enqueuePush(deps, tx, {
    userId: p.previousLeader,
    kind: 'ranking_first_place_lost',
    causeKey: `${p.courseId}:${p.runRecordId}`,
    title: '1위를 빼앗겼어요',
    body: `${course.nickname ?? '누군가'}님이 ${course.title} 코스 1위를 차지했어요`,
    data: { course_id: p.courseId },
  });
}
