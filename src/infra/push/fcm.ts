// Push sending through Firebase Cloud Messaging (HTTP v1) with the Firebase Admin SDK.
// Firebase is initialised on the first send from the service-account JSON at FCM_SERVICE_ACCOUNT_PATH
// (read once); without a path nothing is sent, and that is logged once per process.
// The SDK itself retries a 503 a few times (with backoff) before an error reaches us.
import { readFileSync } from 'node:fs';
import { cert, initializeApp, type AppOptions, type ServiceAccount } from 'firebase-admin/app';
import { getMessaging, type Messaging } from 'firebase-admin/messaging';
import type { Logger } from 'pino';

export interface PushMessage {
  token: string;
  title: string;
  body: string;
  /** Delivered to the app as the message's data (FCM data values are strings). */
  data?: Record<string, string>;
}

/**
 * - 'sent'
 * - 'invalid_token': the token will never work again; delete it.
 * - 'retry': a transient failure (FCM unavailable or overloaded, quota, network); try again later.
 * - 'failed': FCM refuses this message for this token for good, though the token may be fine (a payload it
 *   rejects, or our own credentials or APNs setup being wrong: deleting tokens then would lose every device).
 * - 'skipped': no service account is configured.
 */
export type PushOutcome = 'sent' | 'invalid_token' | 'retry' | 'failed' | 'skipped';

const INVALID_TOKEN = new Set(['messaging/registration-token-not-registered', 'messaging/invalid-registration-token']);
const PERMANENT = new Set([
  'messaging/invalid-argument',
  'messaging/invalid-recipient',
  'messaging/invalid-payload',
  'messaging/invalid-data-payload-key',
  'messaging/payload-size-limit-exceeded',
  'messaging/invalid-options',
  'messaging/invalid-package-name',
  'messaging/mismatched-credential',
  'messaging/third-party-auth-error',
]);

/** Sorts an error of `Messaging.send` into an outcome. Anything unknown is worth a retry (the job's limit bounds it). */
export function classifySendError(err: unknown): Exclude<PushOutcome, 'sent' | 'skipped'> {
  const { code = '', message = '' } = err as { code?: string; message?: string };
  if (INVALID_TOKEN.has(code)) return 'invalid_token';
  // FCM answers INVALID_ARGUMENT both for a malformed token and for a bad message; only the text tells them apart.
  if (code === 'messaging/invalid-argument' && /registration token/i.test(message)) return 'invalid_token';
  if (PERMANENT.has(code)) return 'failed';
  return 'retry';
}

let appCount = 0;

export class FcmSender {
  private messaging: Messaging | undefined;
  private skipLogged = false;
  // A named app of our own: several senders (tests) never collide, nor with a default app.
  private readonly appName = `runcrew-fcm-${++appCount}`;

  /**
   * @param appOptions Firebase app options laid over those from the service account, e.g. an `httpAgent`
   *   (proxies; tests route it to a local FCM) or a `credential` (instead of the service account's key).
   */
  constructor(
    private readonly serviceAccountPath: string,
    private readonly logger: Logger,
    private readonly appOptions: AppOptions = {},
  ) {}

  /** Sends one message to one device token. Throws only when the service account is unreadable or unusable. */
  async send(message: PushMessage): Promise<PushOutcome> {
    const messaging = this.client();
    if (!messaging) return 'skipped';
    try {
      await messaging.send({
        token: message.token,
        notification: { title: message.title, body: message.body },
        data: message.data,
      });
      return 'sent';
    } catch (err) {
      const outcome = classifySendError(err);
      const code = (err as { code?: string }).code;
      if (outcome === 'failed') this.logger.error({ err, code }, 'FCM refused a push message');
      else if (outcome === 'retry') this.logger.warn({ err, code }, 'FCM send failed transiently');
      else this.logger.info({ code }, 'FCM device token is no longer valid');
      return outcome;
    }
  }

  private client(): Messaging | undefined {
    if (this.messaging) return this.messaging;
    if (!this.serviceAccountPath) {
      if (!this.skipLogged) this.logger.warn('FCM_SERVICE_ACCOUNT_PATH is not set: push notifications are not sent');
      this.skipLogged = true;
      return undefined;
    }
    let account: ServiceAccount & { project_id?: string };
    try {
      account = JSON.parse(readFileSync(this.serviceAccountPath, 'utf8')) as typeof account;
    } catch (err) {
      throw new Error(`FCM_SERVICE_ACCOUNT_PATH: cannot read the service account: ${(err as Error).message}`, { cause: err });
    }
    const app = initializeApp(
      {
        credential: this.appOptions.credential ?? cert(account),
        projectId: account.project_id ?? account.projectId,
        ...this.appOptions,
      },
      this.appName,
    );
    this.messaging = getMessaging(app);
    return this.messaging;
  }
}
