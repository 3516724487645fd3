interface Waiter<V> {
  key: string;
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

/** Keeps one query's IN list, and its answer, a sensible size. */
const MAX_BATCH = 100;

/**
 * Coalesces the lookups by key that start during one turn of the event loop into one query per
 * turn. Under load, dozens of requests ask for their session in the same turn, and one query for
 * all of them costs the database little more than one for each. Each lookup still starts after its
 * request arrived, so it sees every change committed before that: nothing is cached.
 */
export function createBatchLoader<V>(loadMany: (keys: string[]) => Promise<Map<string, V>>) {
  let pending: Waiter<V>[] = [];

  async function dispatch(batch: Waiter<V>[]): Promise<void> {
    try {
      const found = await loadMany([...new Set(batch.map((waiter) => waiter.key))]);
      for (const waiter of batch) waiter.resolve(found.get(waiter.key));
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    }
  }

  function flush(): void {
    const batch = pending;
    pending = [];
    for (let start = 0; start < batch.length; start += MAX_BATCH) void dispatch(batch.slice(start, start + MAX_BATCH));
  }

  return {
    load(key: string): Promise<V | undefined> {
      return new Promise((resolve, reject) => {
        // setImmediate runs after the current poll phase: every request parsed in it has joined.
        if (pending.length === 0) setImmediate(flush);
        pending.push({ key, resolve, reject });
      });
    },
  };
}
