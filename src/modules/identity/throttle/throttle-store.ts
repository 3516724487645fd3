/**
 * What a throttle counts against. A window allows `limit` hits per fixed window of `windowMs`; a
 * backoff makes the caller wait `delaysMs[n]` after the n-th hit in a row (the last delay repeats),
 * and forgets the run `forgetMs` after its last hit. The rules that choose these numbers are the
 * throttle's (see policy.ts); a store only counts, atomically.
 */
export type Limit =
  | { kind: 'window'; key: string; limit: number; windowMs: number }
  | { kind: 'backoff'; key: string; delaysMs: readonly number[]; forgetMs: number };

/**
 * Where the throttle keeps its counters: in process, or in Redis to share them between instances.
 * Times are the caller's clock in epoch ms; expiry is only a clean-up.
 */
export interface ThrottleStore {
  /**
   * In one atomic step: when none of `limits` makes the caller wait, counts one hit on each and
   * returns 0; otherwise counts nothing and returns the longest wait in ms. Counting before the
   * expensive work is what holds a burst of parallel attempts to the limit.
   */
  reserve(limits: readonly Limit[], now: number): Promise<number>;
  /**
   * Gives back a hit `reserve` counted: one less in each window (the same window only), and for a
   * backoff either the whole run forgotten (`forgetRuns`, after a success) or one hit less.
   */
  release(limits: readonly Limit[], now: number, forgetRuns: boolean): Promise<void>;
}

interface Counter {
  count: number;
  since: number;
  expiresAt: number;
}

/** The wait a limit imposes on the next hit, with the counter it would leave behind. */
function judge(limit: Limit, counter: { count: number; since: number } | undefined, now: number) {
  if (limit.kind === 'window') {
    const fresh = !counter || now - counter.since >= limit.windowMs;
    const count = fresh ? 0 : counter.count;
    const since = fresh ? now : counter.since;
    return {
      wait: count >= limit.limit ? since + limit.windowMs - now : 0,
      next: { count: count + 1, since, expiresAt: since + limit.windowMs },
    };
  }
  const count = !counter || now - counter.since >= limit.forgetMs ? 0 : counter.count;
  const delay = count === 0 ? 0 : (limit.delaysMs[Math.min(count, limit.delaysMs.length - 1)] ?? 0);
  const wait = count === 0 ? 0 : Math.max(0, (counter?.since ?? now) + delay - now);
  return { wait, next: { count: count + 1, since: now, expiresAt: now + limit.forgetMs } };
}

/** In-process counters are bounded: this many at most, the least recently counted going first. */
export const MEMORY_STORE_CAPACITY = 100_000;
/** Expired counters looked at (from the oldest) on each write: the map never needs a full scan. */
const SWEEP_PER_WRITE = 4;

/**
 * The counters in a Map: right for a single instance, and the fallback when Redis does not answer.
 * Every write moves its key to the end, so the Map's order is least recently counted first: a few
 * expired counters are dropped from the front on each write, and past `capacity` the oldest goes,
 * so memory stays bounded however many emails or addresses an attacker cycles through.
 */
export function createMemoryThrottleStore(capacity = MEMORY_STORE_CAPACITY): ThrottleStore & { readonly size: number } {
  const counters = new Map<string, Counter>();

  function write(key: string, counter: Counter, now: number): void {
    counters.delete(key);
    counters.set(key, counter);
    let swept = 0;
    for (const [oldest, entry] of counters) {
      if (swept >= SWEEP_PER_WRITE || (entry.expiresAt > now && counters.size <= capacity)) break;
      counters.delete(oldest);
      swept += 1;
    }
    while (counters.size > capacity) counters.delete(counters.keys().next().value as string);
  }

  const live = (key: string, now: number): Counter | undefined => {
    const counter = counters.get(key);
    return counter && counter.expiresAt > now ? counter : undefined;
  };

  return {
    async reserve(limits, now) {
      const verdicts = limits.map((limit) => ({ limit, ...judge(limit, live(limit.key, now), now) }));
      const wait = Math.max(0, ...verdicts.map((verdict) => verdict.wait));
      if (wait > 0) return wait;
      for (const { limit, next } of verdicts) write(limit.key, next, now);
      return 0;
    },

    async release(limits, now, forgetRuns) {
      for (const limit of limits) {
        const counter = live(limit.key, now);
        if (!counter) continue;
        if (limit.kind === 'backoff' && forgetRuns) counters.delete(limit.key);
        else if ((limit.kind === 'backoff' || now - counter.since < limit.windowMs) && counter.count > 0) counter.count -= 1;
      }
    },

    get size() {
      return counters.size;
    },
  };
}
