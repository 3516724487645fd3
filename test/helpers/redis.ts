import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import type { AppDeps } from '../../src/app.js';
import type { Config } from '../../src/config.js';

/** CI runs Redis here; the suite needs it, and fails (rather than skips) without it. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A key prefix of this test's own on the shared test Redis (other runs use it at the same time);
 * every key under it is deleted when the test ends.
 */
export function redisKeyPrefix(t: TestContext): { prefix: string; deletedKeys: () => number } {
  const prefix = `bindery-test:${randomBytes(6).toString('hex')}:`;
  let deleted = 0;
  t.after(async () => {
    const client = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    await client.connect();
    try {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length > 0) deleted += await client.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      client.disconnect();
    }
  });
  return { prefix, deletedKeys: () => deleted };
}

/** Collects the JSON log lines an app writes; `waitFor` resolves once a line matches. */
export function logLines(): { stream: Writable; lines: string[]; waitFor: (pattern: RegExp) => Promise<void> } {
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      for (const waiter of [...waiters]) {
        if (lines.some((line) => waiter.pattern.test(line))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      done();
    },
  });
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve) => {
      if (lines.some((line) => pattern.test(line))) resolve();
      else waiters.push({ pattern, resolve });
    });
  return { stream, lines, waitFor };
}

/**
 * Options that put an app's rate limits in the test Redis under a prefix of the test's own.
 * `verify` fails the test if any call fell back to in-process counting (which would let the rules
 * pass unseen) or if nothing reached Redis at all; register it after the app's own close, since a
 * failing after-hook skips the hooks registered after it.
 */
export function sharedThrottleOptions(t: TestContext): { config: Partial<Config>; deps: AppDeps; verify: () => void } {
  const log = logLines();
  const { prefix, deletedKeys } = redisKeyPrefix(t);
  return {
    config: { redisUrl: TEST_REDIS_URL, redisKeyPrefix: prefix, logLevel: 'warn' },
    deps: { logger: log.stream },
    verify: () => {
      assert.deepEqual(
        log.lines.filter((line) => line.includes('Redis unavailable')),
        [],
        'every call reached Redis',
      );
      assert.ok(deletedKeys() > 0, 'the counters were written to Redis');
    },
  };
}
