// Preloaded by `node --import ./dist/instrument.js dist/server.js` so Sentry is set up before fastify
// and pg are imported (ESM auto-instrumentation needs that). Without SENTRY_DSN it does nothing.
import { ConfigError, loadConfig } from './infra/config.js';
import { initSentry } from './infra/sentry.js';

try {
  initSentry(loadConfig());
} catch (err) {
  // A bad configuration is reported, with its message, by the entry point that follows.
  if (!(err instanceof ConfigError)) throw err;
}
