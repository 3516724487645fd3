/** Thrown when the queue in front of a gate is full: the caller should shed the request. */
export class GateFullError extends Error {
  constructor() {
    super('too many tasks waiting');
    this.name = 'GateFullError';
  }
}

/**
 * At most `concurrency` tasks run at once; up to `maxWaiting` more wait in arrival order, and any
 * beyond that are refused at once rather than queued for longer than a client would wait.
 */
export function createGate(concurrency: number, maxWaiting: number) {
  let running = 0;
  const waiting: (() => void)[] = [];

  function release(): void {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running < concurrency) running += 1;
      else if (waiting.length >= maxWaiting) throw new GateFullError();
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
    get running(): number {
      return running;
    },
    get waiting(): number {
      return waiting.length;
    },
  };
}
