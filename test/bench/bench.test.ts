/**
 * The benchmark harness is tested like any other code: its quick mode runs here, end to end, on
 * SQLite, and every scenario must come back with numbers. Speed is never asserted: the figures of
 * a quick run on a shared machine are noise, and a target missed is a finding, not a failure.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Report } from '../../bench/report.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The reference (0) and the seven scenarios of the issue. */
const SCENARIO_NUMBERS = [0, 1, 2, 3, 4, 5, 6, 7];

function run(args: string[], signal: AbortSignal): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun, reject) => {
    // What `npm run bench` runs, started directly so that the test's abort reaches the harness
    // itself (which then stops its servers) rather than an npm wrapper.
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
      cwd: ROOT,
      signal,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolveRun({ code, output }));
  });
}

test('npm run bench -- --quick runs every scenario and reports a figure for each', { timeout: 300_000 }, async (t) => {
  const out = tempDir(t, 'bindery-bench-test-');

  // tsx rather than a build: this checks the harness, and `npm run build` is covered by the typecheck.
  const { code, output } = await run(['--quick', '--db', 'sqlite', '--server', 'tsx', '--out', out], t.signal);
  assert.equal(code, 0, `the harness failed:\n${output}`);

  assert.ok(existsSync(join(out, 'latest.md')), 'latest.md was written');
  const report = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as Report;
  assert.deepEqual(report.errors, [], 'no scenario failed');
  assert.equal(report.meta.db, 'sqlite');
  assert.equal(report.meta.quick, true);
  for (const key of ['commit', 'node', 'cpus', 'date'] as const) assert.ok(report.meta[key], `meta.${key} is recorded`);

  for (const n of SCENARIO_NUMBERS) {
    const rows = report.rows.filter((r) => r.scenario.startsWith(`${n}.`));
    assert.ok(rows.length > 0, `scenario ${n} produced rows`);
    for (const r of rows) {
      assert.ok(Number.isFinite(r.figure.median), `${r.scenario} / ${r.metric}: median is a number (${r.figure.median})`);
      assert.ok(r.figure.runs.length > 0, `${r.scenario} / ${r.metric}: has runs`);
      // A target is judged (met or not), never left open for lack of a figure; which way it went is not asserted.
      if (r.target) assert.equal(typeof r.met, 'boolean', `${r.scenario} / ${r.metric}: target judged`);
    }
  }
});
