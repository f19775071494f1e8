import type { Queryable } from '../../infra/db/database.js';
import { PUSH_KINDS, type NotificationSettings, type NotificationSettingsPatch, type PushKind } from './schemas.js';

/**
 * Registers `token` for `userId` in one statement: the same token again keeps its row (updated_at bumped), and a
 * token held by another user moves to this one (the phone changed hands). Concurrent calls cannot collide.
 */
export async function upsertDeviceToken(db: Queryable, userId: string, token: string, platform: string): Promise<void> {
  await db.query(
    `INSERT INTO device_tokens (user_id, device_token, platform) VALUES ($1, $2, $3)
     ON CONFLICT (device_token) DO UPDATE
       SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform, updated_at = now()`,
    [userId, token, platform],
  );
}

/** Deletes `token` only if `userId` holds it. */
export async function deleteOwnDeviceToken(db: Queryable, userId: string, token: string): Promise<void> {
  await db.query('DELETE FROM device_tokens WHERE device_token = $1 AND user_id = $2', [token, userId]);
}

// Column names come from PUSH_KINDS (our own constant), never from a request.
const KIND_COLUMNS = PUSH_KINDS.join(', ');

export async function getSettings(db: Queryable, userId: string): Promise<NotificationSettings> {
  const { rows } = await db.query<NotificationSettings>(`SELECT ${KIND_COLUMNS} FROM notification_settings WHERE user_id = $1`, [userId]);
  return rows[0] ?? (Object.fromEntries(PUSH_KINDS.map((kind) => [kind, true])) as NotificationSettings);
}

/** Applies the switches given in `patch` (the others keep their value, or the default on) in one statement. */
export async function updateSettings(db: Queryable, userId: string, patch: NotificationSettingsPatch): Promise<NotificationSettings> {
  const params = PUSH_KINDS.map((_, i) => `$${i + 2}::boolean`);
  const { rows } = await db.query<NotificationSettings>(
    `INSERT INTO notification_settings (user_id, ${KIND_COLUMNS})
     VALUES ($1, ${params.map((p) => `COALESCE(${p}, true)`).join(', ')})
     ON CONFLICT (user_id) DO UPDATE SET
       ${PUSH_KINDS.map((kind, i) => `${kind} = COALESCE(${params[i]}, notification_settings.${kind})`).join(', ')},
       updated_at = now()
     RETURNING ${KIND_COLUMNS}`,
    [userId, ...PUSH_KINDS.map((kind) => patch[kind] ?? null)],
  );
  return rows[0]!;
}

export interface PushRow {
  [key: string]: unknown;
  id: string;
  user_id: string;
  kind: PushKind;
  title: string;
  body: string;
  data: Record<string, string>;
}

// The user turned this kind off (no settings row: on).
const KIND_OFF = (userId: string, kind: string) =>
  `EXISTS (SELECT 1 FROM notification_settings s WHERE s.user_id = ${userId} AND (to_jsonb(s) ->> ${kind}) = 'false')`;

/**
 * Records a notification unless the user turned its kind off, has no device, or already has one for this cause.
 * Returns its id when it was recorded now.
 */
export async function insertPushNotification(
  db: Queryable,
  p: { userId: string; kind: PushKind; causeKey: string; title: string; body: string; data: Record<string, string> },
): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO push_notifications (user_id, kind, cause_key, title, body, data)
     SELECT $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::jsonb
      WHERE EXISTS (SELECT 1 FROM device_tokens WHERE user_id = $1) AND NOT ${KIND_OFF('$1', '$2::text')}
     ON CONFLICT (user_id, kind, cause_key) DO NOTHING
     RETURNING id`,
    [p.userId, p.kind, p.causeKey, p.title, p.body, JSON.stringify(p.data)],
  );
  return rows[0]?.id;
}

/** The notification if it is still to be sent: not sent yet, and its kind not turned off since. */
export async function pendingPush(db: Queryable, id: string): Promise<PushRow | undefined> {
  const { rows } = await db.query<PushRow>(
    `SELECT n.id, n.user_id, n.kind, n.title, n.body, n.data FROM push_notifications n
      WHERE n.id = $1 AND n.sent_at IS NULL AND NOT ${KIND_OFF('n.user_id', 'n.kind')}`,
    [id],
  );
  return rows[0];
}

/** The user's devices that have not had this notification yet. */
export async function undeliveredDevices(db: Queryable, notificationId: string, userId: string) {
  const { rows } = await db.query<{ id: string; device_token: string }>(
    `SELECT d.id, d.device_token FROM device_tokens d
      WHERE d.user_id = $2
        AND NOT EXISTS (SELECT 1 FROM push_deliveries p WHERE p.notification_id = $1 AND p.device_token_id = d.id)
      ORDER BY d.created_at, d.id`,
    [notificationId, userId],
  );
  return rows;
}

export async function recordDelivery(db: Queryable, notificationId: string, deviceTokenId: string, outcome: 'sent' | 'failed'): Promise<void> {
  await db.query(
    `INSERT INTO push_deliveries (notification_id, device_token_id, outcome) VALUES ($1, $2, $3)
     ON CONFLICT (notification_id, device_token_id) DO NOTHING`,
    [notificationId, deviceTokenId, outcome],
  );
}

/** Deletes a device whose token FCM says will never work again. */
export async function deleteDeadDeviceToken(db: Queryable, deviceTokenId: string): Promise<void> {
  await db.query('DELETE FROM device_tokens WHERE id = $1', [deviceTokenId]);
}

export async function markPushSent(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE push_notifications SET sent_at = now() WHERE id = $1', [id]);
}
