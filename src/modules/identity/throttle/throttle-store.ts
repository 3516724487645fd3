/** A count and a time: the start of a fixed window, or the last of a run of failures. */
export interface Counter {
  count: number;
  since: number;
}

/**
 * Where the throttle keeps its counters: in process, or in Redis to share them between instances.
 * The rules (which limit, what delay) stay in the throttle; a store only counts, each operation
 * atomically. Times are the caller's clock in epoch ms; expiry is only a clean-up, since the
 * throttle judges staleness from `since` itself.
 */
export interface ThrottleStore {
  get(key: string): Promise<Counter | undefined>;
  /**
   * Counts one hit in a fixed window unless `limit` hits already fill it; a window older than
   * `windowMs` is replaced by a new one starting at `now`. Returns the window and whether the hit counted.
   */
  take(key: string, limit: number, windowMs: number, now: number): Promise<{ taken: boolean; counter: Counter }>;
  /** One more in a run, or the first of a new run once the last was `forgetMs` ago; `since` becomes `now`. */
  bump(key: string, forgetMs: number, now: number): Promise<Counter>;
  delete(key: string): Promise<void>;
}

const PRUNE_ABOVE = 50_000;

/** The counters in a Map: right for a single instance, and the fallback when Redis does not answer. */
export function createMemoryThrottleStore(): ThrottleStore {
  const counters = new Map<string, Counter & { expiresAt: number }>();

  // Bounds memory against an attacker cycling through emails or addresses.
  function prune(now: number): void {
    if (counters.size < PRUNE_ABOVE) return;
    for (const [key, counter] of counters) if (counter.expiresAt <= now) counters.delete(key);
  }

  const snapshot = ({ count, since }: Counter): Counter => ({ count, since });

  return {
    async get(key) {
      const counter = counters.get(key);
      return counter && snapshot(counter);
    },

    async take(key, limit, windowMs, now) {
      const counter = counters.get(key);
      if (!counter || now - counter.since >= windowMs) {
        prune(now);
        const fresh = { count: 1, since: now, expiresAt: now + windowMs };
        counters.set(key, fresh);
        return { taken: true, counter: snapshot(fresh) };
      }
      if (counter.count >= limit) return { taken: false, counter: snapshot(counter) };
      counter.count += 1;
      return { taken: true, counter: snapshot(counter) };
    },

    async bump(key, forgetMs, now) {
      prune(now);
      const previous = counters.get(key);
      const stale = !previous || now - previous.since >= forgetMs;
      const counter = { count: stale ? 1 : previous.count + 1, since: now, expiresAt: now + forgetMs };
      counters.set(key, counter);
      return snapshot(counter);
    },

    async delete(key) {
      counters.delete(key);
    },
  };
}
