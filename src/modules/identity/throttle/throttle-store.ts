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
 *
 * The front is found with one iterator that only moves forward. A fresh iterator per eviction would
 * walk past every slot deleted since the Map was last rebuilt, which V8 keeps: at a million distinct
 * keys that made each write cost a hundred microseconds and more.
 */
export function createMemoryThrottleStore(capacity = MEMORY_STORE_CAPACITY): ThrottleStore & { readonly size: number } {
  const counters = new Map<string, Counter>();
  let cursor = counters.entries();
  /** The oldest entry the cursor has read and nobody has removed yet. */
  let front: [string, Counter] | undefined;

  /** The least recently counted entry: still in place when the Map holds that very counter under its key. */
  function oldest(): [string, Counter] | undefined {
    while (!(front && counters.get(front[0]) === front[1])) {
      let next = cursor.next();
      if (next.done) {
        // A finished iterator never sees later entries: start again from what is there now.
        cursor = counters.entries();
        next = cursor.next();
        if (next.done) return (front = undefined);
      }
      front = next.value;
    }
    return front;
  }

  function write(key: string, counter: Counter, now: number): void {
    counters.delete(key);
    counters.set(key, counter);
    for (let swept = 0; swept < SWEEP_PER_WRITE; swept += 1) {
      const entry = oldest();
      if (!entry || (entry[1].expiresAt > now && counters.size <= capacity)) break;
      counters.delete(entry[0]);
    }
    for (let entry = oldest(); entry && counters.size > capacity; entry = oldest()) counters.delete(entry[0]);
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
