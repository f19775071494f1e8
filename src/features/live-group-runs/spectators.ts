// Spectators of a live group run (the web's live view): read-only sockets in the run's room. They hear what the
// participants hear, the snapshot on connect and then every broadcast, on any process (the hub's Redis channel),
// and say nothing: any message closes the socket. Who may watch (canWatch in service.ts) and how they are
// authenticated is checked by the route that opens the socket, before the upgrade.
import type { WebSocket } from 'ws';
import type { AppDeps } from '../../infra/deps.js';

export interface Spectators {
  /** Puts an accepted socket in the run's room and sends it the current state. */
  watch(runId: string, viewerId: string, socket: WebSocket): Promise<void>;
}

// One per application: the rooms live in the live group runs' plugin, the pages in another (web).
const byApp = new WeakMap<AppDeps, Spectators>();

export function provideSpectators(deps: AppDeps, spectators: Spectators): void {
  byApp.set(deps, spectators);
}

export function spectatorsOf(deps: AppDeps): Spectators {
  const spectators = byApp.get(deps);
  if (!spectators) throw new Error('live group runs are not registered in this application');
  return spectators;
}
