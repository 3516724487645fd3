/**
 * Compares two runs: `node --import tsx bench/compare.ts before.json after.json`.
 *
 * Rows are matched by scenario and metric. Where both runs have a ratio to their own reference, the
 * ratios are compared, not the raw figures: two runs on different days (or machines) differ in
 * absolute speed, and the ratio cancels most of that. A change counts only when the two runs'
 * spreads (min–max) do not overlap; otherwise it is reported as within noise.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { formatValue, type Report, type Row } from './report.js';

function load(file: string): Report {
  return JSON.parse(readFileSync(file, 'utf8')) as Report;
}

const key = (r: Row) => `${r.scenario}\u0000${r.metric}`;

export function compare(before: Report, after: Report): string {
  const old = new Map(before.rows.map((r) => [key(r), r]));
  const lines = [
    `# Bindery benchmark: ${before.meta.commit.slice(0, 12)} → ${after.meta.commit.slice(0, 12)} (${after.meta.db})`,
    '',
    `Before: ${before.meta.date}, Node ${before.meta.node}, ${before.meta.cpus} CPUs${before.meta.quick ? ', quick' : ''}. After: ${after.meta.date}, Node ${after.meta.node}, ${after.meta.cpus} CPUs${after.meta.quick ? ', quick' : ''}.`,
    '',
    '| Scenario | Metric | Before | After | Change | Compared on | Verdict |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const now of after.rows) {
    const was = old.get(key(now));
    if (!was) {
      lines.push(`| ${now.scenario} | ${now.metric} | | ${formatValue(now.figure.median, now.unit)} | | | new |`);
      continue;
    }
    // Compare on the ratio when both runs have one: it carries over between machines and days.
    const onRatio = was.ratio !== undefined && now.ratio !== undefined && was.reference && now.reference;
    const scale = (r: Row) => (onRatio && r.reference ? r.reference.value : 1);
    const a = was.figure.median / scale(was);
    const b = now.figure.median / scale(now);
    const change = a !== 0 ? ((b - a) / Math.abs(a)) * 100 : Number.NaN;
    const overlap =
      now.figure.min / scale(now) <= was.figure.max / scale(was) && was.figure.min / scale(was) <= now.figure.max / scale(now);
    const verdict = was.figure.runs.length < 2 || now.figure.runs.length < 2 ? 'one run: no verdict' : overlap ? 'within noise' : 'changed';
    lines.push(
      `| ${now.scenario} | ${now.metric} | ${formatValue(was.figure.median, was.unit)} | ${formatValue(now.figure.median, now.unit)} | ${Number.isFinite(change) ? `${change >= 0 ? '+' : ''}${change.toFixed(1)}%` : 'n/a'} | ${onRatio ? 'ratio to reference' : 'figure'} | ${verdict} |`,
    );
  }
  for (const was of before.rows) {
    if (!after.rows.some((r) => key(r) === key(was)))
      lines.push(`| ${was.scenario} | ${was.metric} | ${formatValue(was.figure.median, was.unit)} | | | | gone |`);
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [beforeFile, afterFile] = process.argv.slice(2);
  if (!beforeFile || !afterFile) {
    process.stderr.write('Usage: node --import tsx bench/compare.ts before.json after.json\n');
    process.exit(2);
  }
  process.stdout.write(compare(load(beforeFile), load(afterFile)));
}
