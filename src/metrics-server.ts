import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/**
 * The metrics listener: `GET /metrics` and nothing else, on a port of its own (METRICS_PORT), so the
 * public app never serves metrics and a firewall or METRICS_HOST can keep them private.
 */
export async function buildMetricsServer(registry: Registry, logger?: FastifyBaseLogger): Promise<FastifyInstance> {
  const server = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // A scrape every few seconds would drown the request log.
    logController: new LogController({ disableRequestLogging: true }),
  });
  // Request logging is off, which also silences Fastify's own error log: a failed scrape logs here.
  server.setErrorHandler((error, request, reply) => {
    request.log.error({ err: error }, 'metrics scrape failed');
    return reply.code(500).type('text/plain; charset=utf-8').send('metrics unavailable\n');
  });
  server.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  await server.ready();
  return server;
}
