import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface ConnectionLimits {
  /** No byte from the client for this long while its request is awaited: the connection is closed. */
  readonly idleTimeoutMs: number;
  /** The whole request, headers and body, must have arrived within this. */
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly maxConnections: number;
}

/**
 * The Fastify (and Node) options for the limits. Node checks the request and headers timeouts on a
 * sweep (30 s by default, so a 30 s timeout could act at 60 s); the sweep here runs at a quarter of the
 * shorter timeout. A stalled body is the inactivity timeout's job (`connectionTimeout`, acted on by the
 * 'timeout' listener below), which acts on time.
 */
export function connectionOptions(limits: ConnectionLimits) {
  const sweepMs = Math.min(30_000, Math.max(250, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
  return {
    connectionTimeout: limits.idleTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: { requestTimeout: limits.requestTimeoutMs, headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: sweepMs },
  };
}

const DROP_LOG_INTERVAL_MS = 60_000;

/**
 * Caps the connections, and decides what an idle socket means. Node would destroy every socket that is
 * quiet for `connectionTimeout`; that would also cut an answer the server is still working on. So a
 * quiet socket is closed when the client owes us bytes (headers, or a body not yet fully received) or
 * owes us reading (an answer has started and does not move), or when it is an idle keep-alive one;
 * while a fully received request waits for its answer, the socket is left open.
 */
export function registerConnectionLimits(app: FastifyInstance, limits: ConnectionLimits): void {
  const server = app.server;
  server.maxConnections = limits.maxConnections;
  const exchanges = new WeakMap<Socket, { request: IncomingMessage; response: ServerResponse }>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => exchanges.set(request.socket, { request, response }));
  server.on('timeout', (socket: Socket) => {
    const exchange = exchanges.get(socket);
    if (exchange && exchange.request.complete && !exchange.response.headersSent) return;
    if (exchange && !exchange.request.complete) {
      app.log.info(
        { remoteAddress: socket.remoteAddress, idle_ms: limits.idleTimeoutMs },
        'closed a connection whose request stopped arriving',
      );
    }
    socket.destroy();
  });

  // Refused connections are worth a warning, but not one line each: at most one a minute, with the count.
  let dropped = 0;
  let lastWarning = -Infinity;
  server.on('drop', () => {
    dropped += 1;
    const now = performance.now();
    if (now - lastWarning < DROP_LOG_INTERVAL_MS) return;
    app.log.warn({ dropped, max_connections: limits.maxConnections }, 'refused connections: MAX_CONNECTIONS reached');
    lastWarning = now;
    dropped = 0;
  });
}
