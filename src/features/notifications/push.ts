// Push notifications to every device of a user (DECISIONS.md: new follower, reviews and replies, losing a
// first place, events). A feature calls enqueuePush inside the transaction of the change that causes it; the
// notification is recorded once per cause, and a job sends it after commit, to each device at most once.
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import * as q from './queries.js';
import type { PushKind } from './schemas.js';

export type { PushKind } from './schemas.js';

export interface PushRequest {
  /** The recipient. Never the user who caused it: the caller leaves self-notifications out. */
  userId: string;
  kind: PushKind;
  /**
   * What caused it, e.g. the follower's id or the review's id: the same (userId, kind, causeKey) is notified
   * once ever, however often it is enqueued (repeated requests, undo and redo). Pick the identity of the
   * event the user would call "the same news"; add a distinguishing part when the news can truly recur
   * (e.g. `${courseId}:${takenByRunId}` for a lost first place). At most 200 characters.
   */
  causeKey: string;
  /** Shown as the notification, in the user's language; at most a line each. */
  title: string;
  body: string;
  /** For the app to open the right screen, e.g. { user_id } or { course_id, review_id }; `kind` is added. */
  data?: Record<string, string>;
}

export const PUSH_SEND_JOB = 'push-send';

/**
 * Enqueues a push to every device of `p.userId`, in the caller's transaction `tx`: nothing is sent if it
 * rolls back. Does nothing when the user turned `p.kind` off, has no registered device, or already got
 * this cause.
 */
export async function enqueuePush(deps: Pick<AppDeps, 'jobs'>, tx: Queryable, p: PushRequest): Promise<void> {
  const id = await q.insertPushNotification(tx, { ...p, data: p.data ?? {} });
  if (id) await deps.jobs.enqueue(tx, PUSH_SEND_JOB, { notificationId: id });
}

export function registerPushJob(deps: AppDeps): void {
  deps.jobs.register<{ notificationId: string }>(PUSH_SEND_JOB, ({ data }) => sendPush(deps, data.notificationId), {
    // The SDK has already retried a 503 for a few seconds; ours wait 10–20 s, then doubling, for about 10 minutes.
    retryLimit: 5,
    retryDelay: 10,
    retryBackoff: true,
    expireInSeconds: 5 * 60,
  });
}

/**
 * Sends a notification to each of its user's devices that has not had it yet. A dead token's device is
 * deleted; a transient failure on any device makes the job throw after the others were served, so the
 * queue retries it for the remaining devices only.
 */
async function sendPush(deps: AppDeps, notificationId: string): Promise<void> {
  const { db, push } = deps;
  const n = await q.pendingPush(db, notificationId);
  if (!n) return;
  const devices = await q.undeliveredDevices(db, n.id, n.user_id);
  let transient = 0;
  for (const device of devices) {
    const outcome = await push.send({ token: device.device_token, title: n.title, body: n.body, data: { ...n.data, kind: n.kind } });
    if (outcome === 'skipped') return;
    if (outcome === 'retry') transient++;
    else if (outcome === 'invalid_token') await q.deleteDeadDeviceToken(db, device.id);
    else await q.recordDelivery(db, n.id, device.id, outcome);
  }
  if (transient > 0) throw new Error(`FCM failed transiently for ${transient} of ${devices.length} devices`);
  await q.markPushSent(db, n.id);
}
