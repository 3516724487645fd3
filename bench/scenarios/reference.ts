/**
 * 0. The reference: a bare Fastify server in its own process, measured with the same load as
 * Bindery. Every ratio in the table divides by these medians, so a slower or busier machine moves
 * both sides and the ratio stays put (mostly: see README on the load generator sharing the CPUs).
 *
 * The small-JSON GET, which most ratios divide by, is measured twice: before Bindery starts and
 * again after the last scenario (the bare server idles in between). The reference is the median of
 * both sets of runs, and the drift between them is in the table: if the machine got busier or
 * quieter during the run, it shows there instead of silently bending every ratio.
 */
import { multipart } from '../http.js';
import { assertHealthy, runLoad, warmThenRun, type LoadResult, type RunPlan } from '../load.js';
import { peakRssDuring, rssMb, waitForIdle } from '../proc.js';
import { row, type Row } from '../report.js';
import type { ChildServer } from '../servers.js';
import { median } from '../stats.js';
import { STORM_CONNECTIONS, UPLOAD_CONNECTIONS, settle, stormAmounts, type GetReferenceKey, type Reference } from './context.js';

export const REFERENCE_TITLE = '0. Reference: bare Fastify';

/** Upper bound on one run of the argon2 reference, whatever the machine. */
const MAX_LOGIN_RUN_SECONDS = 120;

export interface GetRuns {
  get50: (LoadResult & { peakMb: number })[];
  single: LoadResult[];
}

/**
 * One bare GET run at 50 connections, for scenarios that pair each of their runs with a reference
 * run measured just before it: the pair shares the machine's state of the moment.
 */
export async function pairedBareRun(bare: ChildServer, seconds: number): Promise<LoadResult> {
  const result = await runLoad({ url: bare.url, path: '/ref', connections: 50, seconds, expectStatus: 200 });
  assertHealthy(result, 'bare GET at 50 connections (paired)');
  return result;
}

/** The small-JSON GET at 50 connections and at 1. */
export async function measureGet(bare: ChildServer, plan: RunPlan): Promise<GetRuns> {
  const get50 = await warmThenRun(plan, async (seconds) => {
    const { result, peakMb } = await peakRssDuring(bare.pid, () =>
      runLoad({ url: bare.url, path: '/ref', connections: 50, seconds, expectStatus: 200 }),
    );
    assertHealthy(result, 'bare GET at 50 connections');
    return { ...result, peakMb };
  });
  const single = await warmThenRun(plan, async (seconds) => {
    const result = await runLoad({ url: bare.url, path: '/ref', connections: 1, seconds, expectStatus: 200 });
    assertHealthy(result, 'bare GET at 1 connection');
    return result;
  });
  return { get50, single };
}

function getFigures(runs: GetRuns): Pick<Reference, GetReferenceKey> {
  return {
    rps: median(runs.get50.map((r) => r.rps)),
    p50: median(runs.get50.map((r) => r.p50)),
    p99: median(runs.get50.map((r) => r.p99)),
    peakRssMb: median(runs.get50.map((r) => r.peakMb)),
    singleP50: median(runs.single.map((r) => r.p50)),
    singleP99: median(runs.single.map((r) => r.p99)),
  };
}

export async function measureReference(
  bare: ChildServer,
  plan: RunPlan,
  coverBytes: Buffer,
  quick: boolean,
): Promise<{ reference: Reference; rows: Row[]; get: GetRuns }> {
  await settle();
  const idleRssMb = rssMb(bare.pid);
  const get = await measureGet(bare, plan);

  // The same bytes Bindery gets in the upload scenario: a ~1 MB JPEG and two text fields.
  const form = multipart({
    title: 'Reference upload',
    category: 'science',
    cover_image: { filename: 'cover.jpg', contentType: 'image/jpeg', content: coverBytes },
  });
  const uploads = {} as Reference['upload'];
  const rows: Row[] = [];
  for (const connections of UPLOAD_CONNECTIONS) {
    const runs = await warmThenRun(plan, async (seconds) => {
      const result = await runLoad({
        url: bare.url,
        path: '/upload',
        method: 'POST',
        headers: { 'content-type': form.contentType },
        body: form.body,
        connections,
        seconds,
        expectStatus: 200,
      });
      assertHealthy(result, `bare upload at ${connections} connections`);
      return result;
    });
    uploads[connections] = { rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)) };
    rows.push(
      row(
        REFERENCE_TITLE,
        `1 MB multipart received, ${connections} conn: req/s`,
        'req/s',
        runs.map((r) => r.rps),
      ),
      row(
        REFERENCE_TITLE,
        `1 MB multipart received, ${connections} conn: p50`,
        'ms',
        runs.map((r) => r.p50),
      ),
    );
  }

  // The storm's shape, against one argon2id verification per request and nothing else.
  const amounts = stormAmounts(quick);
  const logins = await warmThenRun(
    plan,
    async (_seconds, warmup) => {
      const result = await runLoad({
        url: bare.url,
        path: '/login',
        method: 'POST',
        connections: warmup ? Math.min(STORM_CONNECTIONS, amounts.warmup) : STORM_CONNECTIONS,
        amount: warmup ? amounts.warmup : amounts.perRun,
        seconds: MAX_LOGIN_RUN_SECONDS,
        expectStatus: 200,
      });
      assertHealthy(result, 'bare argon2 verification');
      return result;
    },
    () => waitForIdle(bare.pid),
  );
  rows.push(
    row(
      REFERENCE_TITLE,
      `argon2id verify (OWASP), ${STORM_CONNECTIONS} conn: req/s`,
      'req/s',
      logins.map((r) => r.rps),
    ),
    row(
      REFERENCE_TITLE,
      `argon2id verify (OWASP), ${STORM_CONNECTIONS} conn: p50`,
      'ms',
      logins.map((r) => r.p50),
    ),
    row(REFERENCE_TITLE, 'idle RSS', 'MB', [idleRssMb]),
  );

  const reference: Reference = {
    ...getFigures(get),
    idleRssMb,
    upload: uploads,
    login: { rps: median(logins.map((r) => r.rps)), p50: median(logins.map((r) => r.p50)) },
  };
  return { reference, rows, get };
}

/**
 * The GET reference from the runs at the start and, when there are any, at the end: its figures
 * (for rebasing the scenarios' ratios) and its rows, with the drift between the two.
 */
export function combineGet(
  start: GetRuns,
  end: GetRuns | undefined,
): { figures: Pick<Reference, GetReferenceKey>; rows: Row[]; drift: number | undefined } {
  const all: GetRuns = { get50: [...start.get50, ...(end?.get50 ?? [])], single: [...start.single, ...(end?.single ?? [])] };
  const when = end ? ' (start and end)' : '';
  const rows = [
    row(
      REFERENCE_TITLE,
      `GET small JSON, 50 conn: req/s${when}`,
      'req/s',
      all.get50.map((r) => r.rps),
    ),
    row(
      REFERENCE_TITLE,
      `GET small JSON, 50 conn: p50${when}`,
      'ms',
      all.get50.map((r) => r.p50),
    ),
    row(
      REFERENCE_TITLE,
      `GET small JSON, 50 conn: p99${when}`,
      'ms',
      all.get50.map((r) => r.p99),
    ),
    row(
      REFERENCE_TITLE,
      `GET small JSON, 1 conn: p50${when}`,
      'ms',
      all.single.map((r) => r.p50),
    ),
    row(
      REFERENCE_TITLE,
      `GET small JSON, 1 conn: p99${when}`,
      'ms',
      all.single.map((r) => r.p99),
    ),
    // At the start only: by the end the bare server has also received uploads and hashed passwords.
    row(
      REFERENCE_TITLE,
      'peak RSS at 50 conn',
      'MB',
      start.get50.map((r) => r.peakMb),
    ),
  ];
  if (end) {
    const drift = median(end.get50.map((r) => r.rps)) / median(start.get50.map((r) => r.rps));
    rows.push(row(REFERENCE_TITLE, 'drift: GET req/s at end ÷ at start', '×', [drift], { note: 'the machine’s speed during the run' }));
    return { figures: { ...getFigures(all), peakRssMb: getFigures(start).peakRssMb }, rows, drift };
  }
  return { figures: getFigures(start), rows, drift: undefined };
}
