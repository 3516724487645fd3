/** 2. GET /books/:id and GET /books/ (first page of 20) for a reader with 1,000 books, at 50 connections. */
import { login } from '../http.js';
import { assertHealthy, runLoad, warmThenRun, type LoadResult } from '../load.js';
import { row, type Row } from '../report.js';
import { median, pairwiseRatio } from '../stats.js';
import type { Scenario } from './context.js';
import { pairedBareRun } from './reference.js';

const TITLE = '2. Books of a 1,000-book reader, 50 conn';

export const booksScenario: Scenario = {
  id: 'books',
  title: TITLE,
  async run({ bindery, bareServer, plan, reader, small, settings }) {
    const token = await login(bindery.url, reader);
    const headers = { authorization: `Bearer ${token}` };
    // The target depends on the database: PostgreSQL pays a network round trip per query.
    const share = settings.db === 'postgres' ? 0.25 : 0.4;
    const ids = small.bookIds;
    let next = 0;
    const loads = [
      // A different book each time, as readers would open them, not one hot row.
      { label: 'GET /books/:id', path: '/books/', nextPath: () => `/books/${ids[next++ % ids.length] ?? ''}` },
      { label: 'GET /books/?limit=20', path: '/books/?limit=20' },
    ];
    const rows: Row[] = [];
    for (const load of loads) {
      const runs = await warmThenRun(plan, async (seconds) => {
        // Each run is paired with a bare run just before it, so both see the machine in the same state.
        const ref = await pairedBareRun(bareServer, seconds);
        const result = await runLoad({
          url: bindery.url,
          path: load.path,
          ...(load.nextPath ? { nextPath: load.nextPath } : {}),
          headers,
          connections: 50,
          seconds,
          expectStatus: 200,
        });
        assertHealthy(result, load.label);
        return { ...result, ref };
      });
      const paired = (pick: (r: LoadResult) => number) => ({
        reference: { label: 'bare, paired', value: median(runs.map((r) => pick(r.ref))) },
        ratioRuns: pairwiseRatio(
          runs.map(pick),
          runs.map((r) => pick(r.ref)),
        ),
      });
      rows.push(
        row(
          TITLE,
          `${load.label} throughput`,
          'req/s',
          runs.map((r) => r.rps),
          { ...paired((r) => r.rps), target: { on: 'ratio', op: '>=', value: share } },
        ),
        row(
          TITLE,
          `${load.label} p50`,
          'ms',
          runs.map((r) => r.p50),
          paired((r) => r.p50),
        ),
        row(
          TITLE,
          `${load.label} p99`,
          'ms',
          runs.map((r) => r.p99),
          paired((r) => r.p99),
        ),
      );
    }
    return rows;
  },
};
