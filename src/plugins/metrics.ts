import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../lib/metrics.js';

/**
 * Counts and times every answer with a single onResponse hook. The route label is the pattern
 * (`/books/:id`), never the URL: raw paths would be unbounded and would put ids into the metrics.
 * `reply.elapsedTime` is measured by Fastify from the moment the request arrived, so no onRequest hook is needed.
 */
export function registerHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
  // Named, so `printRoutes({ includeHooks: true })` shows where it is attached.
  app.addHook('onResponse', function recordRequestMetrics(request, reply, done) {
    // The not-found handler has no route pattern; metrics.observeRequest labels it "unmatched".
    const route = request.is404 ? undefined : request.routeOptions.url;
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
