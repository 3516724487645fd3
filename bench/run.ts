/**
 * `npm run bench`: builds Bindery, starts it on a fresh database, seeds what the scenarios need,
 * measures a bare Fastify reference and then each scenario, and writes the table to
 * bench/results/latest.md and latest.json. It fails only when a scenario could not produce its
 * figures, never because a figure missed its target.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { largeJpeg } from '../test/helpers/image-fixtures.js';
import { installInterruptHandlers } from './cleanup.js';
import { createBenchDatabase, type BenchDatabase } from './database.js';
import { register, type Account } from './http.js';
import { rebase, toMarkdown, writeReport, type Meta, type Report, type Row } from './report.js';
import { badActorsScenario } from './scenarios/bad-actors.js';
import { booksScenario } from './scenarios/books.js';
import type { GetReferenceKey, Scenario, ScenarioContext } from './scenarios/context.js';
import { growthScenario } from './scenarios/growth.js';
import { loginTimingScenario } from './scenarios/login-timing.js';
import { combineGet, measureGet, measureReference, REFERENCE_TITLE, type GetRuns } from './scenarios/reference.js';
import { stormScenario } from './scenarios/storm.js';
import { uploadScenario } from './scenarios/upload.js';
import { usersScenario } from './scenarios/users.js';
import { afterSeeding, seedLibrary, type Library } from './seed.js';
import { ROOT, startBare, startBindery, type ChildServer } from './servers.js';
import { parseSettings, USAGE, UsageError, type Settings } from './settings.js';

/**
 * Run order, not table order: memory-hungry scenarios last, so the idle and scenario-1 RSS readings
 * are not inflated by what uploads and password storms left behind.
 */
const SCENARIOS: Scenario[] = [
  usersScenario,
  booksScenario,
  growthScenario,
  stormScenario,
  loginTimingScenario,
  uploadScenario,
  badActorsScenario,
];

const started = performance.now();
const startLoad = loadavg()[0] ?? 0;
function log(message: string): void {
  process.stderr.write(`[bench +${((performance.now() - started) / 1000).toFixed(0)}s] ${message}\n`);
}

function git(args: string[]): string {
  const result = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? result.stdout.trim() : '';
}

function build(): void {
  log('building (npm run build)');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
}

function autocannonVersion(): string {
  // Resolved as Node resolves the package, wherever node_modules is (a parent folder, a workspace root).
  const manifest = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('autocannon/package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

function meta(settings: Settings, database: string): Meta {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const plan = settings.quick
    ? `Quick: ${settings.runs} run of ${settings.runSeconds} s, warm-up only for uploads and logins; libraries of ${settings.smallLibrary} and ${settings.largeLibrary} books`
    : `${settings.runs} runs of ${settings.runSeconds} s per scenario after a ${settings.warmupSeconds} s warm-up; libraries of ${settings.smallLibrary.toLocaleString('en-US')} and ${settings.largeLibrary.toLocaleString('en-US')} books`;
  return {
    date: new Date().toISOString(),
    commit: git(['rev-parse', 'HEAD']) || 'unknown',
    dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpu,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    db: settings.db,
    database,
    quick: settings.quick,
    server: settings.server === 'dist' ? 'node dist/server.js (built)' : 'node --import tsx src/server.ts',
    plan,
    loadGenerator: `autocannon ${autocannonVersion()} in the harness process, sharing the machine's CPUs with the server`,
    loadAverage: { start: startLoad, end: loadavg()[0] ?? 0 },
  };
}

async function seed(settings: Settings, database: BenchDatabase, bindery: ChildServer) {
  const needLarge = settings.only.has('growth');
  const reader = await register(bindery.url, 'reader');
  const collector = needLarge ? await register(bindery.url, 'collector') : undefined;
  const connection = database.open();
  try {
    // Both libraries end before now, the large one older, so new uploads sort first for nobody's list.
    const now = Date.now();
    log(`seeding ${settings.smallLibrary} books for the reader`);
    const small = await seedLibrary(connection, reader.id, settings.smallLibrary, now - settings.smallLibrary * 1000 - 60_000);
    let large: Library | undefined;
    if (collector) {
      log(`seeding ${settings.largeLibrary} books for the collector`);
      large = await seedLibrary(connection, collector.id, settings.largeLibrary, now - settings.largeLibrary * 1000 - 60_000);
    }
    await afterSeeding(connection);
    return { reader, collector, small, large };
  } finally {
    await connection.destroy();
  }
}

async function runScenarios(
  settings: Settings,
  base: Omit<ScenarioContext, 'reader' | 'collector' | 'small' | 'large'>,
  seeded: { reader: Account; collector: Account | undefined; small: Library; large: Library | undefined },
  rows: Row[],
  errors: Report['errors'],
) {
  const context: ScenarioContext = { ...base, ...seeded };
  for (const scenario of SCENARIOS.filter((s) => settings.only.has(s.id))) {
    log(`scenario ${scenario.title}`);
    try {
      rows.push(...(await scenario.run(context)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`scenario ${scenario.title} failed: ${message}`);
      errors.push({ scenario: scenario.title, error: `${message}\n--- server output ---\n${base.bindery.output().slice(-2_000)}` });
    }
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  let settings: Settings;
  try {
    const parsed = parseSettings(argv);
    if (parsed === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    settings = parsed;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }

  installInterruptHandlers();
  if (settings.build) build();
  const dataDir = mkdtempSync(join(tmpdir(), 'bindery-bench-'));
  const plan = { warmupSeconds: settings.warmupSeconds, runSeconds: settings.runSeconds, runs: settings.runs };
  const rows: Row[] = [];
  const errors: Report['errors'] = [];
  let database: BenchDatabase | undefined;
  let bindery: ChildServer | undefined;
  let bare: ChildServer | undefined;
  let drift: number | undefined;
  let startGet: GetRuns | undefined;
  try {
    database = await createBenchDatabase(settings.db, dataDir, settings.postgresUrl);
    const cover = await largeJpeg();

    // The reference runs alone: Bindery is not started until it is done. The bare server then
    // idles (costing nothing) until its GET is measured again after the last scenario.
    log('reference: bare Fastify');
    bare = await startBare(dataDir);
    const measured = await measureReference(bare, plan, cover, settings.quick);
    rows.push(...measured.rows);
    startGet = measured.get;

    log(`starting Bindery on ${database.describe()}`);
    bindery = await startBindery({ mode: settings.server, dataDir, databaseUrl: database.serverUrl, cpuProfDir: settings.cpuProfDir });
    const seeded = await seed(settings, database, bindery);
    await runScenarios(settings, { settings, plan, bindery, bareServer: bare, reference: measured.reference, log }, seeded, rows, errors);
    await bindery.stop();

    log('reference again: bare Fastify GET');
    const combined = combineGet(measured.get, await measureGet(bare, plan));
    drift = combined.drift;
    // Ratios to the GET reference are recomputed against both measurements together.
    const rebased = rows.map((r) => {
      const key = r.reference?.key as GetReferenceKey | undefined;
      return key ? rebase(r, combined.figures[key]) : r;
    });
    rows.splice(0, rows.length, ...combined.rows, ...rebased);
    startGet = undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`setup failed: ${message}`);
    errors.push({ scenario: 'setup', error: bindery ? `${message}\n--- server output ---\n${bindery.output().slice(-2_000)}` : message });
  } finally {
    await bindery?.stop();
    await bare?.stop();
    await database?.drop().catch((error: unknown) => log(`could not drop the database: ${String(error)}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
  // A run cut short still reports the reference it measured at the start.
  if (startGet) rows.push(...combineGet(startGet, undefined).rows);

  // Table order is the numbering, whatever order the scenarios ran in.
  const order = (r: Row) => (r.scenario === REFERENCE_TITLE ? 0 : Number.parseInt(r.scenario, 10));
  rows.sort((a, b) => order(a) - order(b));
  const report: Report = {
    meta: {
      ...meta(settings, database?.describe() ?? `${settings.db} (not created)`),
      ...(drift !== undefined ? { referenceDrift: drift } : {}),
      durationSeconds: (performance.now() - started) / 1000,
    },
    rows,
    errors,
  };
  const written = writeReport(report, settings.outDir);
  process.stdout.write(toMarkdown(report));
  log(`wrote ${written.markdown} and ${written.json}`);
  if (settings.cpuProfDir) log(`CPU profile of the server in ${settings.cpuProfDir}`);
  for (const e of errors) log(`no figures from ${e.scenario}:\n${e.error}`);
  return errors.length > 0 ? 1 : 0;
}

// Run when executed directly (npm run bench), not when imported.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
