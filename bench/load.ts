/**
 * One load run with autocannon, in the harness process. Latencies are recorded here from every
 * response (autocannon's own histogram keeps whole milliseconds, too coarse for a ~1 ms server).
 */
import autocannon from 'autocannon';
import { percentileOfSorted } from './stats.js';

export interface LoadSpec {
  /** Base URL of the server: always http://127.0.0.1:<port>. */
  url: string;
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** A fresh path for every request (e.g. a different book id each time). */
  nextPath?: () => string;
  /** A fresh body for every request (e.g. a unique title). */
  nextBody?: () => Buffer;
  connections: number;
  /** Duration of the run; with `amount`, only the limit after which the run is stopped. */
  seconds: number;
  /** A fixed number of requests instead of a duration: the run ends when all have been answered. */
  amount?: number;
  /** Stops the run early (its figures cover the time until then). */
  signal?: AbortSignal;
  /** Requests per second over all connections; open-ended when undefined. */
  overallRate?: number;
  /** The status every response should have; others are counted, not timed. */
  expectStatus: number;
}

export interface LoadResult {
  /** Responses with the expected status, per second. */
  rps: number;
  p50: number;
  p99: number;
  completed: number;
  unexpected: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
}

const REQUEST_TIMEOUT_SECONDS = 30;
/** Slack on top of duration and request timeout before the run is stopped by force. */
const WATCHDOG_SLACK_MS = 15_000;

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolveLoad, reject) => {
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    let unexpected = 0;

    const dynamic = spec.nextPath !== undefined || spec.nextBody !== undefined;
    const requests: autocannon.Request[] | undefined = dynamic
      ? [
          {
            setupRequest: (request) => ({
              ...request,
              ...(spec.nextPath ? { path: spec.nextPath() } : {}),
              ...(spec.nextBody ? { body: spec.nextBody() } : {}),
            }),
          },
        ]
      : undefined;

    // Bounded in time whatever the server does: autocannon stops itself, this is the backstop.
    const limitMs =
      spec.amount !== undefined ? spec.seconds * 1000 : spec.seconds * 1000 + REQUEST_TIMEOUT_SECONDS * 1000 + WATCHDOG_SLACK_MS;
    const watchdog = setTimeout(() => instance.stop(), limitMs);
    const instance = autocannon(
      {
        url: `${spec.url}${spec.path}`,
        method: spec.method ?? 'GET',
        connections: spec.connections,
        ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.seconds }),
        timeout: REQUEST_TIMEOUT_SECONDS,
        ...(spec.headers ? { headers: spec.headers } : {}),
        ...(spec.body !== undefined ? { body: spec.body } : {}),
        ...(requests ? { requests } : {}),
        ...(spec.overallRate !== undefined ? { overallRate: spec.overallRate } : {}),
      },
      (error: unknown, result) => {
        clearTimeout(watchdog);
        if (error) {
          reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
          return;
        }
        latencies.sort((a, b) => a - b);
        const ok = latencies.length;
        resolveLoad({
          rps: ok / result.duration,
          p50: percentileOfSorted(latencies, 50),
          p99: percentileOfSorted(latencies, 99),
          completed: ok + unexpected,
          unexpected,
          errors: result.errors,
          statuses,
          seconds: result.duration,
        });
      },
    );
    spec.signal?.addEventListener('abort', () => instance.stop(), { once: true });
    instance.on('response', (_client, status, _bytes, responseTime) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === spec.expectStatus) latencies.push(responseTime);
      else unexpected += 1;
    });
  });
}

/** Figures from a run where the server mostly failed would be meaningless: refuse them. */
export function assertHealthy(result: LoadResult, label: string, maxBadShare = 0.01): void {
  const attempts = result.completed + result.errors;
  const bad = result.unexpected + result.errors;
  if (attempts === 0 || result.completed === result.unexpected) {
    throw new Error(`${label}: no successful response (statuses ${JSON.stringify(result.statuses)}, ${result.errors} errors)`);
  }
  if (bad / attempts > maxBadShare) {
    throw new Error(
      `${label}: ${bad} of ${attempts} requests failed or had an unexpected status (statuses ${JSON.stringify(result.statuses)}, ${result.errors} connection errors or timeouts)`,
    );
  }
}

export interface RunPlan {
  warmupSeconds: number;
  runSeconds: number;
  runs: number;
}

/**
 * A warm-up whose result is thrown away (JIT, connection pools, caches), then the measured runs.
 * `run` gets the duration in seconds and whether this is the warm-up; `between`, if given, runs
 * after each of them (e.g. to let the server finish the work of abandoned requests).
 */
export async function warmThenRun<T>(
  plan: RunPlan,
  run: (seconds: number, warmup: boolean) => Promise<T>,
  between?: () => Promise<void>,
): Promise<T[]> {
  if (plan.warmupSeconds > 0) {
    await run(plan.warmupSeconds, true);
    await between?.();
  }
  const results: T[] = [];
  for (let i = 0; i < plan.runs; i++) {
    results.push(await run(plan.runSeconds, false));
    await between?.();
  }
  return results;
}
