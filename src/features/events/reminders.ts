// Event reminders: a periodic sweep in the worker processes pushes 'event_reminder' to the participants of events
// starting within EVENT_REMINDER_MINUTES. Each event is claimed once (reminder_sent_at) by one statement, so
// several workers sweeping together remind once; moving an event's start clears the claim (see updateEvent).
import type { AppDeps } from '../../infra/deps.js';
import { enqueuePush, type PushKind } from '../notifications/push.js';

/** The sweep runs every minute: a reminder arrives at most about a minute late. */
const SWEEP_INTERVAL_MS = 60 * 1000;

/** The reminder push of one start time; a moved start is a new cause, so it is reminded again. */
export function reminderPush(eventId: string, title: string, startsAt: Date) {
  return {
    kind: 'event_reminder' as PushKind,
    causeKey: `${eventId}:${startsAt.toISOString()}`,
    title: '이벤트가 곧 시작해요',
    body: `'${title}' 이벤트가 곧 시작해요`,
    data: { event_id: eventId, starts_at: startsAt.toISOString() },
  };
}

/** Claims the events now due and enqueues their reminders in one transaction; returns how many pushes. */
export async function sendEventReminders(deps: AppDeps): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string; title: string; starts_at: Date; user_id: string }>(
      `WITH due AS (
         UPDATE events SET reminder_sent_at = now()
          WHERE is_active AND reminder_sent_at IS NULL
            AND starts_at > now() AND starts_at <= now() + $1 * interval '1 minute'
         RETURNING id, title, starts_at)
       SELECT d.id, d.title, d.starts_at, p.user_id FROM due d JOIN event_participants p ON p.event_id = d.id`,
      [deps.config.EVENT_REMINDER_MINUTES],
    );
    for (const row of rows) await enqueuePush(deps, tx, { userId: row.user_id, ...reminderPush(row.id, row.title, row.starts_at) });
    return rows.length;
  });
}

export function registerEventReminders(deps: AppDeps): void {
  deps.jobs.every('event-reminders', SWEEP_INTERVAL_MS, async () => {
    const sent = await sendEventReminders(deps);
    if (sent > 0) deps.logger.info({ sent }, 'event reminders enqueued');
  });
}
