/** The results: rows of figures, each with its reference, ratio and target, as markdown and JSON. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { figure, median, type Figure } from './stats.js';

export type Unit = 'req/s' | 'ms' | 'MB' | 'KB' | '×' | '%';

export interface Target {
  /** Whether the target is on the figure itself or on its ratio to the reference. */
  on: 'median' | 'ratio';
  op: '>=' | '<' | '<=' | 'between';
  value: number;
  /** Upper bound for 'between'. */
  high?: number;
  text: string;
}

export interface Row {
  scenario: string;
  metric: string;
  unit: Unit;
  figure: Figure;
  /** `key` names a reference figure that the harness may rebase later (see rebase()). */
  reference?: { label: string; value: number; unit: Unit; key?: string };
  /** figure.median / reference.value: above 1 is more (faster for req/s, slower for ms). */
  ratio?: number;
  target?: Target;
  /** null: no target, or nothing to judge it on. */
  met: boolean | null;
  note?: string;
}

export interface RowOptions {
  reference?: { label: string; value: number; unit?: Unit; key?: string };
  /** Ratios of run i to reference run i, measured back to back: the row's ratio is their median. */
  ratioRuns?: readonly number[];
  target?: Omit<Target, 'text'> & { text?: string };
  note?: string;
}

function judge(target: Target, value: number | undefined): boolean | null {
  if (value === undefined || !Number.isFinite(value)) return null;
  switch (target.op) {
    case '>=':
      return value >= target.value;
    case '<':
      return value < target.value;
    case '<=':
      return value <= target.value;
    case 'between':
      return value >= target.value && value <= (target.high ?? target.value);
  }
}

function targetText(target: Omit<Target, 'text'>, unit: Unit): string {
  const amount = (value: number) => (target.on === 'ratio' ? `${value}× ref` : `${value} ${unit}`);
  if (target.op === 'between') return `${amount(target.value)} – ${amount(target.high ?? target.value)}`;
  const symbol = { '>=': '≥', '<': '<', '<=': '≤' }[target.op];
  return `${symbol} ${amount(target.value)}`;
}

export function row(scenario: string, metric: string, unit: Unit, runs: readonly number[], options: RowOptions = {}): Row {
  const fig = figure(runs);
  const reference = options.reference ? { ...options.reference, unit: options.reference.unit ?? unit } : undefined;
  const ratio = options.ratioRuns ? median(options.ratioRuns) : reference && reference.value > 0 ? fig.median / reference.value : undefined;
  const target = options.target ? { ...options.target, text: options.target.text ?? targetText(options.target, unit) } : undefined;
  const met = target ? judge(target, target.on === 'ratio' ? ratio : fig.median) : null;
  return {
    scenario,
    metric,
    unit,
    figure: fig,
    ...(reference ? { reference } : {}),
    ...(ratio !== undefined ? { ratio } : {}),
    ...(target ? { target } : {}),
    met,
    ...(options.note ? { note: options.note } : {}),
  };
}

/** The same row against a new value of its reference: ratio and verdict recomputed. */
export function rebase(r: Row, value: number): Row {
  if (!r.reference) return r;
  return row(r.scenario, r.metric, r.unit, r.figure.runs, {
    reference: { ...r.reference, value },
    ...(r.target ? { target: r.target } : {}),
    ...(r.note ? { note: r.note } : {}),
  });
}

export interface Meta {
  date: string;
  commit: string;
  dirty: boolean;
  node: string;
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  db: string;
  database: string;
  quick: boolean;
  server: string;
  plan: string;
  loadGenerator: string;
  /** Bare GET req/s at the end of the run ÷ at the start: far from 1, the machine changed speed mid-run. */
  referenceDrift?: number;
  /** 1-minute load average when the run started and ended: above the CPU count, something else was busy. */
  loadAverage: { start: number; end?: number };
  durationSeconds?: number;
}

export interface Report {
  meta: Meta;
  rows: Row[];
  /** Scenarios that could not produce their figures, with why. */
  errors: { scenario: string; error: string }[];
}

export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return 'n/a';
  // Ratios keep three significant digits, so 0.499× does not print as a "met" 0.50×.
  if (unit === '×' && Math.abs(value) < 100) return `${value.toPrecision(3)}×`;
  const digits =
    unit === '%' || unit === '×' ? 0 : unit === 'MB' || unit === 'KB' ? 1 : Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit === '×' ? `${text}×` : unit === '%' ? `${text}%` : `${text} ${unit}`;
}

function spread(fig: Figure, unit: Unit): string {
  if (fig.runs.length < 2) return `${formatValue(fig.min, unit)} (1 run)`;
  const half = fig.median !== 0 ? ((fig.max - fig.min) / 2 / Math.abs(fig.median)) * 100 : 0;
  return `${formatValue(fig.min, unit)} – ${formatValue(fig.max, unit)} (±${half.toFixed(0)}%)`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function toMarkdown(report: Report): string {
  const { meta } = report;
  const lines = [
    `# Bindery benchmark: ${meta.db}${meta.quick ? ' (quick)' : ''}`,
    '',
    `${meta.date} · commit ${meta.commit.slice(0, 12)}${meta.dirty ? ' (with uncommitted changes)' : ''} · Node ${meta.node} · ${meta.cpus} CPUs (${meta.cpuModel}) · ${meta.memoryGb} GB`,
    '',
    `${meta.plan}. Load generator: ${meta.loadGenerator}. Server: ${meta.server}. Database: ${meta.database}.`,
    '',
    ...(meta.referenceDrift !== undefined
      ? [
          `Reference drift (bare GET req/s, end ÷ start): ${formatValue(meta.referenceDrift, '×')}${meta.referenceDrift < 0.8 || meta.referenceDrift > 1.25 ? ': **the machine changed speed during the run; rerun before trusting the ratios**' : ''}.`,
          '',
        ]
      : []),
    `Load average (1 min) at start ${meta.loadAverage.start.toFixed(1)}${meta.loadAverage.end !== undefined ? `, at end ${meta.loadAverage.end.toFixed(1)}` : ''}${Math.max(meta.loadAverage.start, meta.loadAverage.end ?? 0) > meta.cpus ? ': the machine was busy with other work, so absolute figures are low and noisy; ratios hold better' : ''}.`,
    '',
    '| Scenario | Metric | Median | Spread (min – max) | Reference | Ratio | Target | Met? |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of report.rows) {
    const reference = r.reference ? `${r.reference.label}: ${formatValue(r.reference.value, r.reference.unit)}` : '';
    const ratio = r.ratio !== undefined ? formatValue(r.ratio, '×') : '';
    const met = r.met === null ? '' : r.met ? 'yes' : '**no**';
    const metric = r.note ? `${r.metric} (${r.note})` : r.metric;
    lines.push(
      `| ${[r.scenario, metric, formatValue(r.figure.median, r.unit), spread(r.figure, r.unit), reference, ratio, r.target?.text ?? '', met].map(cell).join(' | ')} |`,
    );
  }
  const judged = report.rows.filter((r) => r.met !== null);
  lines.push('', `Targets met: ${judged.filter((r) => r.met).length} of ${judged.length}.`);
  const missed = judged.filter((r) => !r.met);
  if (missed.length > 0) lines.push(`Missed: ${missed.map((r) => `${r.scenario.split(' ')[0]} ${r.metric}`).join('; ')}.`);
  if (report.errors.length > 0) {
    lines.push('', '## Scenarios that produced no figures', '');
    for (const e of report.errors) lines.push(`- ${e.scenario}: ${e.error.split('\n')[0] ?? ''}`);
  }
  if (meta.durationSeconds !== undefined) lines.push('', `Whole run: ${meta.durationSeconds.toFixed(0)} s.`);
  return `${lines.join('\n')}\n`;
}

export function writeReport(report: Report, outDir: string): { markdown: string; json: string } {
  mkdirSync(outDir, { recursive: true });
  const markdown = join(outDir, 'latest.md');
  const json = join(outDir, 'latest.json');
  writeFileSync(markdown, toMarkdown(report));
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  return { markdown, json };
}
