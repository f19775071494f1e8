// A real WebSocket client (ws) for the live group run tests: it keeps every message and waits for the one a test
// expects, with a timeout (never a sleep).
import WebSocket from 'ws';

export type Message = { type: string; [key: string]: unknown };

export class TestSocket {
  readonly messages: Message[] = [];
  private waiters: { pred: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Message;
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Opens the socket; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const socket = new TestSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { statusCode: res.statusCode, body })));
      });
      ws.once('error', reject);
    });
  }

  /** The first message (already received or to come) that matches, or a rejection after `ms`. */
  next(pred: (m: Message) => boolean, what = 'a message', ms = 10_000, from = 0): Promise<Message> {
    const seen = this.messages.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(-5))}`)), ms);
      this.waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  /** A message that arrives after this call. */
  upcoming(pred: (m: Message) => boolean, what?: string, ms?: number): Promise<Message> {
    return this.next(pred, what, ms, this.messages.length);
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

export function waitClosed(socket: TestSocket, ms = 10_000): Promise<{ code: number; reason: string }> {
  return Promise.race([
    socket.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the socket was not closed in time')), ms).unref()),
  ]);
}
