/**
 * 5. Growth: the first page and a title search for a reader with 1,000 books and one with 100,000,
 * in the same database, at 10 connections. Growth is the large library's p50 over the small one's,
 * run by run (each pair measured back to back, so drift hits both).
 *
 * The search term is in exactly 10 titles of either library: the answer is the same size, and only
 * the cost of finding it can grow.
 */
import { login } from '../http.js';
import { assertHealthy, runLoad, warmThenRun, type LoadResult } from '../load.js';
import { row, type Row } from '../report.js';
import { SEARCH_TERM } from '../seed.js';
import { pairwiseRatio } from '../stats.js';
import { bare, type Scenario } from './context.js';

const TITLE = '5. Growth, 10 conn';
const CONNECTIONS = 10;

export const growthScenario: Scenario = {
  id: 'growth',
  title: TITLE,
  async run({ bindery, plan, reader, collector, small, large, reference }) {
    if (!collector || !large) throw new Error('growth needs the large library, which was not seeded');
    const smallAuth = { authorization: `Bearer ${await login(bindery.url, reader)}` };
    const largeAuth = { authorization: `Bearer ${await login(bindery.url, collector)}` };
    const sizes = `${small.size.toLocaleString('en-US')} → ${large.size.toLocaleString('en-US')}`;
    const queries = [
      { label: 'first page', path: '/books/?limit=20' },
      { label: `search q=${SEARCH_TERM}`, path: `/books/?limit=20&q=${SEARCH_TERM}` },
    ];
    const rows: Row[] = [];
    for (const query of queries) {
      const measure = async (headers: Record<string, string>, seconds: number, label: string): Promise<LoadResult> => {
        const result = await runLoad({ url: bindery.url, path: query.path, headers, connections: CONNECTIONS, seconds, expectStatus: 200 });
        assertHealthy(result, `${query.label} (${label})`);
        return result;
      };
      const runs = await warmThenRun(plan, async (seconds) => ({
        small: await measure(smallAuth, seconds, `${small.size} books`),
        large: await measure(largeAuth, seconds, `${large.size} books`),
      }));
      const smallP50 = runs.map((r) => r.small.p50);
      const largeP50 = runs.map((r) => r.large.p50);
      rows.push(
        row(
          TITLE,
          `${query.label}, ${small.size.toLocaleString('en-US')} books: throughput`,
          'req/s',
          runs.map((r) => r.small.rps),
          {
            reference: bare(reference, 'rps'),
          },
        ),
        row(
          TITLE,
          `${query.label}, ${large.size.toLocaleString('en-US')} books: throughput`,
          'req/s',
          runs.map((r) => r.large.rps),
          {
            reference: bare(reference, 'rps'),
          },
        ),
        row(TITLE, `${query.label}, ${small.size.toLocaleString('en-US')} books: p50`, 'ms', smallP50),
        row(TITLE, `${query.label}, ${large.size.toLocaleString('en-US')} books: p50`, 'ms', largeP50),
        row(TITLE, `${query.label}: growth of p50, ${sizes}`, '×', pairwiseRatio(largeP50, smallP50), {
          target: { on: 'median', op: '<=', value: 1.5, text: '≤ 1.5×' },
        }),
      );
    }
    return rows;
  },
};
