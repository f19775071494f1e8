// A local FCM server speaking HTTP v1 (POST /v1/projects/{project}/messages:send), and the Firebase app options
// that route the real firebase-admin SDK to it: an agent whose connections go to 127.0.0.1 (the SDK always
// addresses fcm.googleapis.com over https) and a credential with a fixed access token.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { AppOptions, Credential } from 'firebase-admin/app';
import { FcmSender } from '../../src/infra/push/fcm.js';
import type { Logger } from 'pino';

export const FAKE_ACCESS_TOKEN = 'fake-fcm-access-token';

export interface FcmRequest {
  host: string | undefined;
  project: string;
  authorization: string | undefined;
  token: string;
  notification: { title?: string; body?: string } | undefined;
  data: Record<string, string> | undefined;
  /** The status this server answered. */
  status: number;
}

/** How the server answers a token; a token without an answer is delivered. */
export type FcmAnswer = 'unregistered' | 'unavailable' | 'invalid_token' | 'invalid_payload' | 'quota';

const fcmError = (code: number, status: string, errorCode: string, message: string) => ({
  error: { code, message, status, details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] },
});

// Google's real error bodies for each answer.
const ANSWERS: Record<FcmAnswer, [number, object]> = {
  unregistered: [404, fcmError(404, 'NOT_FOUND', 'UNREGISTERED', 'Requested entity was not found.')],
  unavailable: [503, fcmError(503, 'UNAVAILABLE', 'UNAVAILABLE', 'The service is currently unavailable.')],
  invalid_token: [
    400,
    fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token'),
  ],
  invalid_payload: [400, fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unknown name "x"')],
  quota: [429, fcmError(429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXCEEDED', 'Quota exceeded for quota metric')],
};

class LocalAgent extends http.Agent {
  constructor(private readonly port: number) {
    super();
    // The SDK makes https requests; Node refuses an agent of another protocol. The bytes stay plain HTTP.
    (this as unknown as { protocol: string }).protocol = 'https:';
  }

  override createConnection(): net.Socket {
    return net.connect(this.port, '127.0.0.1');
  }
}

export class FakeFcm {
  readonly requests: FcmRequest[] = [];
  readonly answers = new Map<string, FcmAnswer>();
  readonly appOptions: AppOptions;

  private constructor(private readonly server: http.Server) {
    const credential: Credential = { getAccessToken: async () => ({ access_token: FAKE_ACCESS_TOKEN, expires_in: 3600 }) };
    this.appOptions = { httpAgent: new LocalAgent((server.address() as AddressInfo).port), credential };
  }

  static async start(): Promise<FakeFcm> {
    let fake!: FakeFcm;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => fake.answer(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeFcm(server);
    return fake;
  }

  /** A sender whose SDK talks to this server. */
  sender(serviceAccountPath: string, logger: Logger): FcmSender {
    return new FcmSender(serviceAccountPath, logger, this.appOptions);
  }

  /** The requests for `token` that were answered with success. */
  delivered(token: string): FcmRequest[] {
    return this.requests.filter((r) => r.token === token && r.status === 200);
  }

  attempts(token: string): FcmRequest[] {
    return this.requests.filter((r) => r.token === token);
  }

  async close(): Promise<void> {
    (this.appOptions.httpAgent as http.Agent).destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private answer(req: http.IncomingMessage, text: string, res: http.ServerResponse): void {
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
    };
    const match = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return send(404, fcmError(404, 'NOT_FOUND', 'UNSPECIFIED_ERROR', 'Not found'));
    const { message } = JSON.parse(text) as {
      message: { token: string; notification?: { title?: string; body?: string }; data?: Record<string, string> };
    };
    const authorized = req.headers.authorization === `Bearer ${FAKE_ACCESS_TOKEN}`;
    const answer = this.answers.get(message.token);
    const [status, body] = !authorized
      ? [401, fcmError(401, 'UNAUTHENTICATED', 'THIRD_PARTY_AUTH_ERROR', 'Request is missing required authentication credential.')]
      : answer
        ? ANSWERS[answer]
        : [200, { name: `projects/${match[1]}/messages/${this.requests.length + 1}` }];
    this.requests.push({
      host: req.headers.host,
      project: match[1]!,
      authorization: req.headers.authorization,
      token: message.token,
      notification: message.notification,
      data: message.data,
      status,
    });
    send(status, body);
  }
}
