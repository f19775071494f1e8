// Graceful close under load (server.ts closes the app on SIGTERM). Node's server.close() drops the keep-alive
// connections idle at that moment, but not one that never sent a request (a client's spare, a preconnect), nor
// one whose response had begun before closing (a download: it stays keep-alive once done). close() then waited
// for their headers or keep-alive timeout (60–72 s), past SHUTDOWN_TIMEOUT_SECONDS, and the process was killed
// with exit code 1. Once closing, a connection is ended as soon as it has no request in progress (after its
// response is flushed), and new connections are refused.
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export function registerGracefulClose(app: FastifyInstance): void {
  let closing = false;
  /** open connections → requests in progress on each */
  const connections = new Map<Socket, number>();
  const endIfUnused = (socket: Socket) => {
    if (closing && !connections.get(socket)) socket.destroySoon();
  };

  app.server.on('connection', (socket: Socket) => {
    connections.set(socket, 0);
    socket.once('close', () => connections.delete(socket));
    endIfUnused(socket);
  });
  app.server.on('request', (req, res) => {
    const socket = req.socket;
    connections.set(socket, (connections.get(socket) ?? 0) + 1);
    res.once('close', () => {
      if (!connections.has(socket)) return;
      connections.set(socket, connections.get(socket)! - 1);
      endIfUnused(socket);
    });
  });
  app.addHook('preClose', async () => {
    closing = true;
    for (const socket of connections.keys()) endIfUnused(socket);
  });
}
