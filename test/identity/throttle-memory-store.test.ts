import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryThrottleStore, type Limit } from '../../src/modules/identity/throttle/throttle-store.js';

const window = (key: string): Limit => ({ kind: 'window', key, limit: 5, windowMs: 60_000 });

test('the in-process throttle store is bounded: past its capacity the least recently counted key goes first', async () => {
  const store = createMemoryThrottleStore(100);
  for (let index = 0; index < 1000; index += 1) await store.reserve([window(`k${index}`)], 1_000);
  assert.equal(store.size, 100);
  // The newest keys are the ones kept: k999 is still counting, k0 starts over.
  for (let hit = 2; hit <= 5; hit += 1) assert.equal(await store.reserve([window('k999')], 1_000), 0, `k999 hit ${hit}`);
  assert.ok((await store.reserve([window('k999')], 1_000)) > 0, 'k999 is at its limit');
  assert.equal(await store.reserve([window('k0')], 1_000), 0, 'k0 was evicted and starts over');
});

test('the in-process throttle store drops expired counters as it writes, without a full scan', async () => {
  const store = createMemoryThrottleStore(1_000_000);
  for (let index = 0; index < 100; index += 1) await store.reserve([window(`old${index}`)], 0);
  // Each write sweeps a few expired counters from the front: 100 writes after expiry clear them all.
  for (let index = 0; index < 100; index += 1) await store.reserve([window(`new${index}`)], 120_000);
  assert.equal(store.size, 100);
});
