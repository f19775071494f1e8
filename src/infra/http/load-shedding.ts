// Load shedding: when the event loop lags past MAX_EVENT_LOOP_DELAY_MS the server answers new API
// requests 503 with Retry-After at once, instead of queueing them until every client times out.
// Health probes still answer, so an orchestrator sees a busy process, not a dead one.
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

export async function registerLoadShedding(app: FastifyInstance, maxEventLoopDelayMs: number): Promise<void> {
  if (maxEventLoopDelayMs <= 0) return;
  await app.register(underPressure, {
    maxEventLoopDelay: maxEventLoopDelayMs,
    // under-pressure reads the mean delay of each sample window and counts a window without a single tick as
    // infinite lag; a window no shorter than the limit makes that case a real stall past the limit.
    sampleInterval: Math.max(100, maxEventLoopDelayMs),
    exposeStatusRoute: false,
    pressureHandler: async (request) => {
      if (request.url.startsWith('/health')) return;
      throw new AppError(503, 'OVERLOADED', 'The server is busy; retry shortly', { 'retry-after': '2' });
    },
  });
}
