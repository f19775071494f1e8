// The rooms of live group runs: which sockets of this process watch which run, and how a message reaches every
// socket of a run on every process. With REDIS_URL a message is published on the run's Redis channel and each
// process (this one included) hands it to its own sockets; without it, it stays in this process. The room's
// state is never here: it is in the database (queries.ts), so any process answers a snapshot.
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';

export const REDIS_CHANNEL_PREFIX = 'runcrew:live-group-run:';
/** A socket whose unsent data exceeds this is a slow consumer: it is dropped, not buffered without bound. */
export const MAX_BUFFERED_BYTES = 512 * 1024;

interface Bus {
  publish(runId: string, text: string): Promise<void>;
  subscribe(runId: string): Promise<void>;
  unsubscribe(runId: string): Promise<void>;
  close(): Promise<void>;
}

class LocalBus implements Bus {
  constructor(private readonly deliver: (runId: string, text: string) => void) {}
  async publish(runId: string, text: string) {
    this.deliver(runId, text);
  }
  async subscribe() {}
  async unsubscribe() {}
  async close() {}
}

class RedisBus implements Bus {
  private readonly pub: Redis;
  private readonly sub: Redis;

  constructor(url: string, logger: Logger, deliver: (runId: string, text: string) => void, rooms: () => string[]) {
    // While Redis is down commands fail at once (no offline queue): a broadcast then reaches this process's sockets
    // only, without waiting.
    const options = { lazyConnect: true, connectTimeout: 2000, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
    this.pub = new Redis(url, options);
    this.sub = new Redis(url, { ...options, autoResubscribe: false });
    let down = false;
    const onError = (err: Error) => {
      if (down) return;
      down = true;
      logger.warn({ err }, 'live group runs: Redis is down; messages reach only the sockets of this process until it is back');
    };
    this.pub.on('error', onError);
    this.sub.on('error', onError);
    this.pub.on('ready', () => (down = false));
    // (Re)subscribe the rooms this process has sockets in, those that joined during an outage included.
    this.sub.on('ready', () => {
      const channels = rooms().map((id) => REDIS_CHANNEL_PREFIX + id);
      if (channels.length > 0) this.sub.subscribe(...channels).catch((err: unknown) => logger.warn({ err }, 'live group runs: Redis resubscribe failed'));
    });
    this.sub.on('message', (channel: string, text: string) => {
      if (channel.startsWith(REDIS_CHANNEL_PREFIX)) deliver(channel.slice(REDIS_CHANNEL_PREFIX.length), text);
    });
  }

  async connect(): Promise<void> {
    await Promise.all([this.pub.connect(), this.sub.connect()]).catch(() => undefined);
  }
  async publish(runId: string, text: string) {
    await this.pub.publish(REDIS_CHANNEL_PREFIX + runId, text);
  }
  async subscribe(runId: string) {
    await this.sub.subscribe(REDIS_CHANNEL_PREFIX + runId);
  }
  async unsubscribe(runId: string) {
    await this.sub.unsubscribe(REDIS_CHANNEL_PREFIX + runId);
  }
  async close() {
    await Promise.all([this.pub.quit().catch(() => this.pub.disconnect()), this.sub.quit().catch(() => this.sub.disconnect())]);
  }
}

export interface HubOptions {
  redisUrl: string;
  logger: Logger;
  heartbeatMs: number;
  idleMs: number;
}

interface Member {
  runId: string;
  userId: string;
  lastSeen: number;
}

export class LiveHub {
  private readonly rooms = new Map<string, Set<WebSocket>>();
  private readonly members = new Map<WebSocket, Member>();
  private readonly bus: Bus;
  private readonly heartbeat: NodeJS.Timeout;
  /** Emits 'delivered' (runId, text) after a message reached this process's sockets (tests wait on it). */
  readonly events = new EventEmitter();

  private constructor(private readonly options: HubOptions, bus: (deliver: (runId: string, text: string) => void) => Bus) {
    this.bus = bus((runId, text) => this.deliver(runId, text));
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  static async create(options: HubOptions): Promise<LiveHub> {
    if (!options.redisUrl) return new LiveHub(options, (deliver) => new LocalBus(deliver));
    let redis: RedisBus | undefined;
    const hub: LiveHub = new LiveHub(options, (deliver) => (redis = new RedisBus(options.redisUrl, options.logger, deliver, () => [...hub.rooms.keys()])));
    await redis!.connect();
    return hub;
  }

  /** Sends to every socket of the run, on every process. */
  async broadcast(runId: string, message: object): Promise<void> {
    const text = JSON.stringify(message);
    try {
      await this.bus.publish(runId, text);
    } catch (err) {
      // Redis is down: this process's sockets still hear it.
      this.options.logger.warn({ err, live_group_run_id: runId }, 'live group run message not published; delivered locally only');
      this.deliver(runId, text);
    }
  }

  /** Sends to one socket of this process; a slow consumer is dropped instead. */
  send(socket: WebSocket, message: object | string): void {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.options.logger.warn({ buffered: socket.bufferedAmount }, 'live group run socket too slow: dropped');
      socket.terminate();
      return;
    }
    socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async join(runId: string, userId: string, socket: WebSocket): Promise<void> {
    let room = this.rooms.get(runId);
    if (!room) {
      room = new Set();
      this.rooms.set(runId, room);
    }
    room.add(socket);
    this.members.set(socket, { runId, userId, lastSeen: Date.now() });
    socket.on('pong', () => this.seen(socket));
    socket.once('close', () => void this.leave(socket));
    // During a Redis outage this fails; the subscriber's 'ready' subscribes the room when Redis is back.
    if (room.size === 1) await this.bus.subscribe(runId).catch(() => undefined);
  }

  /** The socket showed a sign of life (a message or a pong). */
  seen(socket: WebSocket): void {
    const m = this.members.get(socket);
    if (m) m.lastSeen = Date.now();
  }

  private async leave(socket: WebSocket): Promise<void> {
    const m = this.members.get(socket);
    if (!m) return;
    this.members.delete(socket);
    const room = this.rooms.get(m.runId);
    room?.delete(socket);
    if (room && room.size === 0) {
      this.rooms.delete(m.runId);
      await this.bus.unsubscribe(m.runId).catch(() => undefined);
    }
  }

  private deliver(runId: string, text: string): void {
    for (const socket of this.rooms.get(runId) ?? []) this.send(socket, text);
    this.events.emit('delivered', runId, text);
  }

  /**
   * Pings every socket (clients answer with a pong by themselves); one that gave no sign of life (a message or a
   * pong) for idleMs is dropped: a dead peer goes within idleMs + heartbeatMs, one late pong is forgiven.
   */
  private beat(): void {
    const now = Date.now();
    for (const [socket, m] of this.members) {
      if (now - m.lastSeen > this.options.idleMs) {
        socket.terminate();
        continue;
      }
      socket.ping();
    }
  }

  /** Sockets of this process in the run (tests and metrics). */
  localCount(runId: string): number {
    return this.rooms.get(runId)?.size ?? 0;
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const socket of this.members.keys()) socket.close(1001, 'server shutting down');
    await this.bus.close();
  }
}
