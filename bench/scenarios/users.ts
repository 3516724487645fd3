/** 1. GET /users/ with a valid token at 50 connections: the cost of auth plus one indexed row. */
import { login } from '../http.js';
import { assertHealthy, runLoad, warmThenRun, type LoadResult } from '../load.js';
import { peakRssDuring, rssMb } from '../proc.js';
import { row } from '../report.js';
import { median, pairwiseRatio } from '../stats.js';
import { bare, settle, type Scenario } from './context.js';
import { pairedBareRun } from './reference.js';

const TITLE = '1. GET /users/, 50 conn';

export const usersScenario: Scenario = {
  id: 'users',
  title: TITLE,
  async run({ bindery, bareServer, plan, reader, reference }) {
    const token = await login(bindery.url, reader);
    // "Idle" is after start-up, migrations, sign-ups and seeding, before any load.
    await settle();
    const idle = rssMb(bindery.pid);
    const runs = await warmThenRun(plan, async (seconds) => {
      // Each run is paired with a bare run just before it, so both see the machine in the same state.
      const ref = await pairedBareRun(bareServer, seconds);
      const { result, peakMb } = await peakRssDuring(bindery.pid, () =>
        runLoad({
          url: bindery.url,
          path: '/users/',
          headers: { authorization: `Bearer ${token}` },
          connections: 50,
          seconds,
          expectStatus: 200,
        }),
      );
      assertHealthy(result, 'GET /users/');
      return { ...result, peakMb, ref };
    });
    const paired = (pick: (r: LoadResult) => number) => ({
      reference: { label: 'bare, paired', value: median(runs.map((r) => pick(r.ref))) },
      ratioRuns: pairwiseRatio(
        runs.map(pick),
        runs.map((r) => pick(r.ref)),
      ),
    });
    return [
      row(
        TITLE,
        'throughput',
        'req/s',
        runs.map((r) => r.rps),
        { ...paired((r) => r.rps), target: { on: 'ratio', op: '>=', value: 0.5 } },
      ),
      row(
        TITLE,
        'p50',
        'ms',
        runs.map((r) => r.p50),
        paired((r) => r.p50),
      ),
      row(
        TITLE,
        'p99',
        'ms',
        runs.map((r) => r.p99),
        paired((r) => r.p99),
      ),
      row(TITLE, 'idle RSS (before load)', 'MB', [idle], {
        reference: { label: 'bare idle', value: reference.idleRssMb },
        target: { on: 'median', op: '<', value: 150 },
      }),
      row(
        TITLE,
        'peak RSS during load',
        'MB',
        runs.map((r) => r.peakMb),
        {
          reference: bare(reference, 'peakRssMb'),
          target: { on: 'median', op: '<', value: 250 },
        },
      ),
    ];
  },
};
