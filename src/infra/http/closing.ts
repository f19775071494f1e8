// Graceful close under load (server.ts closes the app on SIGTERM). Node's server.close() drops the keep-alive
// connections idle at that moment, but not one that never sent a request (a client's spare, a preconnect), nor
// one whose response had begun before closing (a download: it stays keep-alive once done). close() then waited
// for their headers or keep-alive timeout (60–72 s), past SHUTDOWN_TIMEOUT_SECONDS, and the process was killed
// with exit code 1. Once closing, a connection is ended as soon as it has no response in progress, and a response
// not yet begun carries `Connection: close`; new connections are refused. Nothing is done per request before
// closing: the response in progress on a socket is Node's `socket._httpMessage` (what http-terminator reads too).
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

function endAfterResponse(socket: HttpSocket): void {
  const res = socket._httpMessage;
  if (!res) {
    socket.destroySoon();
    return;
  }
  if (!res.headersSent) res.setHeader('connection', 'close');
  // Node attaches a keep-alive connection's next response to the socket when this one is done.
  res.once('finish', () => setImmediate(() => endAfterResponse(socket)));
}

export function registerGracefulClose(app: FastifyInstance): void {
  let closing = false;
  const connections = new Set<HttpSocket>();

  app.server.on('connection', (socket: HttpSocket) => {
    if (closing) {
      socket.destroySoon();
      return;
    }
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  app.addHook('preClose', async () => {
    closing = true;
    connections.forEach(endAfterResponse);
  });
}
