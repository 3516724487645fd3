import { Redis, type Result } from 'ioredis';
import type { Limit, ThrottleStore } from './throttle-store.js';

// Each operation is one script over all the keys of an attempt, so instances counting at once never
// lose a hit and a burst can never pass between a check and a count. Times come from the callers'
// clocks (as in the memory store, so one set of rules and one fake clock in tests serve both); a key's
// TTL only cleans up. ARGV: now, then per key a kind ('w' window, 'b' backoff) and two parameters:
// limit and windowMs for a window, forgetMs and the comma-separated delays for a backoff.
const RESERVE = `
local now = tonumber(ARGV[1])
local wait = 0
local plans = {}
for i, key in ipairs(KEYS) do
  local kind, a, b = ARGV[3 * i - 1], ARGV[3 * i], ARGV[3 * i + 1]
  local values = redis.call('HMGET', key, 'c', 's')
  local count, since = tonumber(values[1]), tonumber(values[2])
  if kind == 'w' then
    local limit, window = tonumber(a), tonumber(b)
    if not count or not since or now - since >= window then count, since = 0, now end
    if count >= limit then wait = math.max(wait, since + window - now) end
    plans[i] = { count + 1, since, since + window - now }
  else
    local forget = tonumber(a)
    if not count or not since or now - since >= forget then count = 0 end
    if count > 0 then
      local delays = {}
      for delay in string.gmatch(b, '[^,]+') do delays[#delays + 1] = tonumber(delay) end
      wait = math.max(wait, since + delays[math.min(count, #delays - 1) + 1] - now)
    end
    plans[i] = { count + 1, now, forget }
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('HSET', key, 'c', plans[i][1], 's', string.format('%d', plans[i][2]))
  redis.call('PEXPIRE', key, math.max(1, plans[i][3]))
end
return 0
`;

// ARGV as for RESERVE, then a last one: '1' forgets a backoff's whole run, '0' takes one hit off it.
const RELEASE = `
local now = tonumber(ARGV[1])
local forget = ARGV[#ARGV] == '1'
for i, key in ipairs(KEYS) do
  local kind, a, b = ARGV[3 * i - 1], ARGV[3 * i], ARGV[3 * i + 1]
  if kind == 'b' and forget then
    redis.call('DEL', key)
  else
    local values = redis.call('HMGET', key, 'c', 's')
    local count, since = tonumber(values[1]), tonumber(values[2])
    if count and since and count > 0 and (kind == 'b' or now - since < tonumber(b)) then redis.call('HINCRBY', key, 'c', -1) end
  end
end
return 0
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    throttleReserve(keyCount: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
    throttleRelease(keyCount: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
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
    scripts: { throttleReserve: { lua: RESERVE }, throttleRelease: { lua: RELEASE } },
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
  const keysAndArgs = (limits: readonly Limit[], now: number): (string | number)[] => [
    ...limits.map((limit) => `${prefix}throttle:${limit.key}`),
    now,
    ...limits.flatMap((limit) =>
      limit.kind === 'window' ? ['w', limit.limit, limit.windowMs] : ['b', limit.forgetMs, limit.delaysMs.join(',')],
    ),
  ];
  return {
    async reserve(limits, now) {
      return Number(await client.throttleReserve(limits.length, ...keysAndArgs(limits, now)));
    },

    async release(limits, now, forgetRuns) {
      await client.throttleRelease(limits.length, ...keysAndArgs(limits, now), forgetRuns ? '1' : '0');
    },
  };
}
