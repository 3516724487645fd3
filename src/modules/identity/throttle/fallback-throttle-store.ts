import type { Clock } from '../../../lib/clock.js';
import type { ThrottleStore } from './throttle-store.js';

export interface FallbackLog {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/** After a failure, skip the shared store this long, so a hung Redis costs one timeout per pause, not one per request. */
const PAUSE_AFTER_FAILURE_MS = 5_000;
const WARN_EVERY_MS = 60_000;

/**
 * Uses `shared` while it answers and `local` for any call it fails: during an outage the limits
 * hold per instance (fail open to in-process counting) rather than denying or hanging every login.
 * An outage is logged when it starts, then at most once a minute, and its end once.
 */
export function createFallbackThrottleStore(deps: {
  shared: ThrottleStore;
  local: ThrottleStore;
  clock: Clock;
  log: FallbackLog;
}): ThrottleStore {
  const { shared, local, clock, log } = deps;
  let pausedUntil = 0;
  let degradedSince: number | undefined;
  let lastWarning = -Infinity;

  async function run<T>(operation: (store: ThrottleStore) => Promise<T>): Promise<T> {
    const now = clock.now().getTime();
    if (now < pausedUntil) return operation(local);
    try {
      const result = await operation(shared);
      if (degradedSince !== undefined) {
        log.info({ degraded_ms: now - degradedSince }, 'Redis answers again: rate limits are shared between instances again');
        degradedSince = undefined;
      }
      return result;
    } catch (error) {
      pausedUntil = now + PAUSE_AFTER_FAILURE_MS;
      degradedSince ??= now;
      if (now - lastWarning >= WARN_EVERY_MS) {
        lastWarning = now;
        // Only the message: a Redis error may carry the command's arguments, which hold emails and IPs.
        log.warn({ reason: (error as Error).message }, 'Redis unavailable: rate limits are counted per instance until it answers');
      }
      return operation(local);
    }
  }

  return {
    reserve: (limits, now) => run((store) => store.reserve(limits, now)),
    release: (limits, now, forgetRuns) => run((store) => store.release(limits, now, forgetRuns)),
  };
}
