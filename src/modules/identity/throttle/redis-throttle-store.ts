import { Redis, type Result } from 'ioredis';
import type { Counter, ThrottleStore } from './throttle-store.js';

// Each operation is one script, so instances counting the same key at once never lose a hit.
// Times come from the callers' clocks (as in the memory store, so one set of rules and one fake
// clock in tests serve both); a key's TTL only cleans up and is refreshed whenever its time moves.
const TAKE = `
local values = redis.call('HMGET', KEYS[1], 'c', 's')
local count, since = tonumber(values[1]), tonumber(values[2])
local limit, window, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if not count or not since or now - since >= window then
  redis.call('HSET', KEYS[1], 'c', 1, 's', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, ARGV[3], 1}
end
if count >= limit then return {count, values[2], 0} end
return {redis.call('HINCRBY', KEYS[1], 'c', 1), values[2], 1}
`;

const BUMP = `
local values = redis.call('HMGET', KEYS[1], 'c', 's')
local count, since = tonumber(values[1]), tonumber(values[2])
local forget, now = tonumber(ARGV[1]), tonumber(ARGV[2])
if not count or not since or now - since >= forget then count = 0 end
redis.call('HSET', KEYS[1], 'c', count + 1, 's', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return count + 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    throttleTake(key: string, limit: number, windowMs: number, now: number): Result<[number, string, number], Context>;
    throttleBump(key: string, forgetMs: number, now: number): Result<number, Context>;
  }
}

/** Thrown when Redis cannot be reached at start; the message names REDIS_URL, never its value. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/**
 * Connects to Redis or throws RedisUnavailableError. Commands never queue while it is away and
 * never wait long, so an outage costs a request at most one short timeout, never a hang.
 */
export async function connectRedis(url: string, options: { connectTimeoutMs?: number; commandTimeoutMs?: number } = {}): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    // A count sent again after a reconnect could count twice; a lost one only falls back.
    maxRetriesPerRequest: 0,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    commandTimeout: options.commandTimeoutMs ?? 500,
    scripts: { throttleTake: { lua: TAKE, numberOfKeys: 1 }, throttleBump: { lua: BUMP, numberOfKeys: 1 } },
  });
  let lastError: Error | undefined;
  // Without a listener ioredis prints every failed reconnect; the fallback store reports outages.
  client.on('error', (error: Error) => (lastError = error));
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    const cause = lastError ?? (error as Error);
    throw new RedisUnavailableError(`cannot reach Redis (${cause.message}); check REDIS_URL`, { cause });
  }
  return client;
}

/** Counters as Redis hashes `{c, s}` under `prefix`, shared by every instance using the same Redis and prefix. */
export function createRedisThrottleStore(client: Redis, prefix: string): ThrottleStore {
  const keyOf = (key: string) => `${prefix}throttle:${key}`;
  return {
    async get(key) {
      const [count, since] = await client.hmget(keyOf(key), 'c', 's');
      if (count === null || since === null) return undefined;
      return { count: Number(count), since: Number(since) };
    },

    async take(key, limit, windowMs, now) {
      const [count, since, taken] = await client.throttleTake(keyOf(key), limit, windowMs, now);
      return { taken: taken === 1, counter: { count, since: Number(since) } };
    },

    async bump(key, forgetMs, now): Promise<Counter> {
      return { count: await client.throttleBump(keyOf(key), forgetMs, now), since: now };
    },

    async delete(key) {
      await client.del(keyOf(key));
    },
  };
}
