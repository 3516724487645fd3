/**
 * Prometheus metrics. Each app gets a registry of its own, never prom-client's global one, so several
 * apps in one process (the tests build many) never share or collide on a metric.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from '../db/database.js';
import { AppError } from '../errors.js';
import type { ImageProcessor } from './images.js';

/** Seconds. Starts at 1 ms: most answers take a few milliseconds, and the default 5 ms floor would hide them. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds. A cover takes tens of milliseconds; a hostile one runs into the 10 s decode timeout. */
const COVER_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The route label of a request that matched no route: raw URLs would be unbounded and could carry ids. */
export const UNMATCHED_ROUTE = 'unmatched';

export type CoverResult = 'accepted' | 'rejected' | 'error';

export function createMetrics() {
  const registry = new Registry();
  // Process CPU, memory, handles, GC, and event-loop lag (nodejs_eventloop_lag_p99_seconds and friends,
  // from monitorEventLoopDelay, reset at each scrape so they describe the last scrape interval).
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpRequests = new Counter({
    name: 'bindery_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'bindery_http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its answer, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers,
  });
  const logins = new Counter({
    name: 'bindery_logins_total',
    help: 'Password checks: successful logins, and failed ones (wrong credentials at login or at a password change).',
    labelNames: ['result'] as const,
    registers,
  });
  const refreshes = new Counter({ name: 'bindery_token_refreshes_total', help: 'Refresh tokens exchanged for a new pair.', registers });
  const reuses = new Counter({
    name: 'bindery_refresh_reuse_detected_total',
    help: 'Spent refresh tokens presented again outside the grace window; each ended its session.',
    registers,
  });
  const covers = new Counter({
    name: 'bindery_covers_processed_total',
    help: 'Cover images processed: accepted, rejected as invalid or too large, or failed on our side.',
    labelNames: ['result'] as const,
    registers,
  });
  const coverDuration = new Histogram({
    name: 'bindery_cover_processing_duration_seconds',
    help: 'Time to check, decode and re-encode one cover image, by result.',
    labelNames: ['result'] as const,
    buckets: COVER_BUCKETS,
    registers,
  });
  // Every series exists from the start: a rate() over a series that appears mid-way misses its first events.
  for (const result of ['success', 'failure']) logins.inc({ result }, 0);
  for (const result of ['accepted', 'rejected', 'error']) covers.inc({ result }, 0);

  return {
    registry,

    /** One call per answered request, from an onResponse hook. */
    observeRequest: (method: string, route: string | undefined, status: number, seconds: number): void => {
      const labels = { method, route: route ?? UNMATCHED_ROUTE, status };
      httpRequests.inc(labels);
      httpDuration.observe(labels, seconds);
    },

    /** A password check: at login, or at a password change. */
    countLogin: (result: 'success' | 'failure'): void => {
      logins.inc({ result });
    },

    countRefresh: (): void => {
      refreshes.inc();
    },

    countRefreshReuse: (): void => {
      reuses.inc();
    },

    observeCover: (result: CoverResult, seconds: number): void => {
      covers.inc({ result });
      coverDuration.observe({ result }, seconds);
    },

    /** Gauges read at scrape time, so a quiet pool costs nothing between scrapes. */
    observePool: (poolStats: () => PoolStats): void => {
      new Gauge({
        name: 'bindery_db_pool_connections',
        help: 'PostgreSQL connections in the pool, by state (their sum is the open connections).',
        labelNames: ['state'] as const,
        registers,
        collect() {
          const stats = poolStats();
          this.set({ state: 'idle' }, stats.idle);
          this.set({ state: 'in_use' }, stats.total - stats.idle);
        },
      });
      new Gauge({
        name: 'bindery_db_pool_waiting_queries',
        help: 'Queries waiting for a free PostgreSQL connection.',
        registers,
        collect() {
          this.set(poolStats().waiting);
        },
      });
      const max = new Gauge({ name: 'bindery_db_pool_max_connections', help: 'The size limit of the PostgreSQL pool.', registers });
      max.set(poolStats().max);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Counts and times every cover the processor handles; the processor itself stays unaware of metrics. */
export function instrumentImageProcessor(images: ImageProcessor, metrics: Metrics): ImageProcessor {
  return {
    async process(input) {
      const started = process.hrtime.bigint();
      const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const processed = await images.process(input);
        metrics.observeCover('accepted', elapsed());
        return processed;
      } catch (error) {
        // An AppError is the upload's fault (not an image, too many pixels...); anything else is ours.
        metrics.observeCover(error instanceof AppError ? 'rejected' : 'error', elapsed());
        throw error;
      }
    },
  };
}
