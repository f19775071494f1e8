// Bounds for file upload routes, found under an upload flood (scripts/soak/overload.ts):
// - an over-size upload is refused as soon as it is known to be too large: at once when its Content-Length says
//   so, otherwise when the multipart limit is passed (before, the 413 came only after the client had sent every
//   byte). The rest of the body is then read and dropped for a moment only, so the client gets to read the answer
//   (closing a connection with unread data in it resets it, and the client may lose the answer), then the
//   connection is closed if the client still sends;
// - uploads that are read into memory are limited in number: each costs its whole file plus its decoding, so
//   memory grew with the number of concurrent uploads. A request waits for a slot without its body being read
//   (the client is held back by TCP), and after a while gets 503 with Retry-After.
import type { FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors.js';

const MiB = 1024 * 1024;
/** Multipart framing around the file: boundaries, part headers and a few small fields (see the routes' limits). */
const MULTIPART_OVERHEAD = 64 * 1024;
/** How long the rest of a body answered early is read and dropped before the connection is closed. */
const LINGER_MS = 5000;

export function uploadTooLarge(maxMiB: number): AppError {
  return new AppError(413, 'UPLOAD_TOO_LARGE', `The file is larger than ${maxMiB} MiB`);
}

/** A route's onRequest hook: 413 before reading anything when the declared body cannot hold a file of maxMiB. */
export function refuseDeclaredOversize(maxMiB: number) {
  return async (request: FastifyRequest): Promise<void> => {
    const declared = Number(request.headers['content-length']);
    if (declared > maxMiB * MiB + MULTIPART_OVERHEAD) throw uploadTooLarge(maxMiB);
  };
}

/** A route's onResponse hook: after an answer given before the whole body came, drop the rest for LINGER_MS at most. */
export async function dropRestOfBody(request: FastifyRequest): Promise<void> {
  const req = request.raw;
  if (req.complete) return;
  const timer = setTimeout(() => req.destroy(), LINGER_MS).unref(); // an unfinished request takes its connection along
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

/** At most `limit` uploads in progress at once; the others wait up to `waitMs` for a slot, then get 503. */
export class UploadSlots {
  private inUse = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly waitMs: number,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.inUse--;
    }
  }

  private async acquire(): Promise<void> {
    if (this.inUse < this.limit) {
      this.inUse++;
      return;
    }
    const abort = new AbortController();
    let granted = false;
    const wake = () => {
      granted = true;
      abort.abort();
    };
    this.waiting.push(wake);
    await sleep(this.waitMs, undefined, { signal: abort.signal }).catch(() => undefined);
    if (granted) return; // the slot was handed over by the upload that finished
    this.waiting.splice(this.waiting.indexOf(wake), 1);
    throw new AppError(503, 'UPLOADS_BUSY', 'Too many uploads in progress; retry shortly', { 'retry-after': '2' });
  }
}
