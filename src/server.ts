import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createMetrics } from './lib/metrics.js';
import { buildMetricsServer } from './metrics-server.js';
import { RedisUnavailableError } from './modules/identity/index.js';

/** config -> app -> listen (and the metrics listener, when METRICS_PORT is set), with a clean close on SIGTERM/SIGINT. */
export async function startServer(): Promise<FastifyInstance> {
  const config = loadConfig();
  const metrics = config.metrics ? createMetrics() : undefined;
  const app = await buildApp(config, { metrics });
  const metricsServer = metrics ? await buildMetricsServer(metrics.registry, app.log.child({ component: 'metrics' })) : undefined;
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal, deadline_ms: config.shutdownTimeoutMs }, 'shutting down: finishing requests in flight');
    // Past the deadline, requests still running are abandoned; their transactions never commit.
    setTimeout(() => {
      app.log.error('shutdown deadline passed with requests still in flight');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    // Fastify stops accepting, answers 503 on kept-alive sockets, waits for requests in flight,
    // then its onClose hooks close the database. The metrics listener keeps answering until then.
    app
      .close()
      .then(() => metricsServer?.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
  await app.listen({ host: config.host, port: config.port });
  if (metricsServer && config.metrics) {
    try {
      await metricsServer.listen({ ...config.metrics, listenTextResolver: (address) => `Metrics listening at ${address}` });
    } catch (error) {
      // Named, so the start-up error points at METRICS_PORT rather than PORT.
      throw Object.assign(error as Error, { variable: 'METRICS_PORT' });
    }
  }
  return app;
}

/** One line naming the cause; config errors never contain secret values. */
export function describeStartupError(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof RedisUnavailableError) return `Bindery failed to start: ${error.message}`;
  const {
    code,
    message = String(error),
    address,
    port,
    variable = 'PORT',
  } = error as {
    code?: string;
    message?: string;
    address?: string;
    port?: number;
    variable?: string;
  };
  if (code === 'EADDRINUSE')
    return `Bindery failed to start: port ${port ?? ''} on ${address ?? 'this host'} is already in use (set ${variable})`;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || /timeout exceeded when trying to connect/.test(message)) {
    return `Bindery failed to start: cannot reach the database (${message}); check DATABASE_URL`;
  }
  return `Bindery failed to start: ${message}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  startServer().catch((error: unknown) => {
    process.stderr.write(`${describeStartupError(error)}\n`);
    process.exit(1);
  });
}
