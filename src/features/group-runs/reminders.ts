// The start reminder of a scheduled group run: one pg-boss job per group run, due REMINDER_MINUTES before its
// scheduled time (at once when that is nearer), pushes 'group_run_reminder' to the participants who accepted by
// then. A group run disbanded since, or a participant who left, simply finds nothing to send.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { enqueuePush } from '../notifications/push.js';
import * as q from './queries.js';

export const GROUP_RUN_REMINDER_JOB = 'group-run-reminder';
export const REMINDER_MINUTES = 30;

export interface ReminderJob {
  groupRunId: string;
  /** ISO time the reminder is for: a group run whose time changed since is not reminded of the old one. */
  scheduledAt: string;
}

export async function scheduleReminder(deps: Pick<AppDeps, 'jobs'>, tx: Queryable, groupRunId: string, scheduledAt: Date): Promise<void> {
  await deps.jobs.enqueue<ReminderJob>(tx, GROUP_RUN_REMINDER_JOB, { groupRunId, scheduledAt: scheduledAt.toISOString() }, {
    startAfter: new Date(scheduledAt.getTime() - REMINDER_MINUTES * 60_000),
  });
}

/** Enqueues the reminder pushes of one group run in one transaction; returns how many participants were due one. */
export async function sendGroupRunReminder(deps: Pick<AppDeps, 'db' | 'jobs'>, job: ReminderJob): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const due = await q.reminderTargets(tx, job.groupRunId, job.scheduledAt);
    if (!due) return 0;
    for (const userId of due.user_ids) {
      await enqueuePush(deps, tx, {
        userId,
        kind: 'group_run_reminder',
        causeKey: `${job.groupRunId}:${job.scheduledAt}`,
        title: '그룹런이 곧 시작해요',
        body: `'${due.name}' 그룹런이 곧 시작해요`,
        data: { group_run_id: job.groupRunId, scheduled_at: job.scheduledAt },
      });
    }
    return due.user_ids.length;
  });
}

export function registerGroupRunReminders(deps: AppDeps): void {
  deps.jobs.register<ReminderJob>(GROUP_RUN_REMINDER_JOB, async ({ data }) => {
    await sendGroupRunReminder(deps, data);
  });
}
