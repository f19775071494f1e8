// What the application is built from. It lives below the features so they can name it (and `app.deps`) without
// importing app.ts, which imports them.
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { JobQueue } from './jobs/queue.js';
import type { FcmSender } from './push/fcm.js';
import type { Storage } from './storage/storage.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Database;
  jobs: JobQueue;
  storage: Storage;
  /** Push sending (FCM); tests may replace it before the workers start. */
  push: FcmSender;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}
