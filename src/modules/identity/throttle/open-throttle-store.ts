import type { Clock } from '../../../lib/clock.js';
import { createFallbackThrottleStore, type FallbackLog } from './fallback-throttle-store.js';
import { connectRedis, createRedisThrottleStore } from './redis-throttle-store.js';
import { createMemoryThrottleStore, type ThrottleStore } from './throttle-store.js';

export interface OpenThrottleStoreOptions {
  redisUrl: string | undefined;
  keyPrefix: string;
  clock: Clock;
  log: FallbackLog;
}

/**
 * In process without a Redis URL. With one, Redis must answer at start (a wrong REDIS_URL stops
 * the start, like an unreachable database) and is shared from then on, falling back to in-process
 * counting for any call it fails later.
 */
export async function openThrottleStore(options: OpenThrottleStoreOptions): Promise<{ store: ThrottleStore; close: () => Promise<void> }> {
  const local = createMemoryThrottleStore();
  if (options.redisUrl === undefined) return { store: local, close: async () => undefined };
  const client = await connectRedis(options.redisUrl);
  options.log.info({}, 'Redis connected: rate limits are shared between instances');
  // Reconnections are worth a line: they end a period of per-instance counting.
  client.on('ready', () => options.log.info({}, 'Redis connected again'));
  const shared = createRedisThrottleStore(client, options.keyPrefix);
  return {
    store: createFallbackThrottleStore({ shared, local, clock: options.clock, log: options.log }),
    // Requests are over by the time the app closes: nothing is left to wait for.
    close: async () => client.disconnect(),
  };
}
