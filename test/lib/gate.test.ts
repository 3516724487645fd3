import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGate, GateFullError } from '../../src/lib/gate.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

test('a gate runs at most `concurrency` tasks, starts waiters in arrival order, and refuses past `maxWaiting`', async () => {
  const gate = createGate(2, 2);
  const started: number[] = [];
  const blockers = Array.from({ length: 4 }, () => deferred());
  const runs = blockers.map((blocker, index) =>
    gate.run(async () => {
      started.push(index);
      await blocker.promise;
      return index;
    }),
  );
  await Promise.resolve();
  assert.deepEqual(started, [0, 1]);
  assert.equal(gate.running, 2);
  assert.equal(gate.waiting, 2);
  await assert.rejects(
    gate.run(() => Promise.resolve(99)),
    GateFullError,
  );

  blockers[1]!.resolve();
  assert.equal(await runs[1], 1);
  assert.deepEqual(started, [0, 1, 2]);
  blockers[0]!.resolve();
  blockers[2]!.resolve();
  blockers[3]!.resolve();
  assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3]);
  assert.deepEqual(started, [0, 1, 2, 3]);
  assert.equal(gate.running, 0);
  assert.equal(gate.waiting, 0);
});

test('a failing task frees its slot', async () => {
  const gate = createGate(1, 1);
  await assert.rejects(
    gate.run(() => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(await gate.run(() => Promise.resolve('next')), 'next');
  assert.equal(gate.running, 0);
});
