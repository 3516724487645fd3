import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export type DbKind = 'sqlite' | 'postgres';
export type ServerMode = 'dist' | 'tsx';

export const SCENARIO_IDS = ['users', 'books', 'storm', 'upload', 'growth', 'bad-actors', 'login-timing'] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export interface Settings {
  db: DbKind;
  quick: boolean;
  /** dist: `npm run build`, then `node dist/server.js`; tsx: `node --import tsx src/server.ts`, no build. */
  server: ServerMode;
  build: boolean;
  outDir: string;
  only: ReadonlySet<ScenarioId>;
  /** Directory for a V8 CPU profile of the Bindery child, or undefined. */
  cpuProfDir: string | undefined;
  postgresUrl: string;
  /** Seconds of load before the measured runs, whose results are thrown away. */
  warmupSeconds: number;
  runSeconds: number;
  runs: number;
  /** Library sizes: the "1,000 books" user and the "100,000 books" user. */
  smallLibrary: number;
  largeLibrary: number;
  /** Login-timing pairs (unknown email, wrong password) per run. */
  timingPairs: number;
  /** Hostile requests per run in the bad-actors scenario. */
  hostileRepeats: number;
}

export const USAGE = `Usage: npm run bench -- [options]
  --db sqlite|postgres   database under test (default sqlite; PostgreSQL from BENCH_DATABASE_URL)
  --quick                short smoke run (< 1 minute): small libraries, 1 short run per scenario
  --server dist|tsx      run the built dist/server.js (default) or src/server.ts through tsx
  --no-build             with --server dist, use the existing dist/ as it is
  --only a,b             run only these scenarios: ${SCENARIO_IDS.join(', ')}
  --out DIR              where latest.md and latest.json go (default bench/results)
  --cpu-prof             write a V8 CPU profile of the Bindery server to OUT/profiles
  --help                 this text`;

const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseSettings(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Settings | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      db: { type: 'string', default: 'sqlite' },
      quick: { type: 'boolean', default: false },
      server: { type: 'string', default: 'dist' },
      'no-build': { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  if (values.db !== 'sqlite' && values.db !== 'postgres') throw new UsageError(`--db must be sqlite or postgres, not ${values.db}`);
  if (values.server !== 'dist' && values.server !== 'tsx') throw new UsageError(`--server must be dist or tsx, not ${values.server}`);

  const only = new Set<ScenarioId>();
  for (const name of (values.only ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(SCENARIO_IDS as readonly string[]).includes(name)) throw new UsageError(`unknown scenario in --only: ${name}`);
    only.add(name as ScenarioId);
  }
  const outDir = resolve(cwd, values.out ?? 'bench/results');
  const quick = values.quick;
  return {
    db: values.db,
    quick,
    server: values.server,
    build: values.server === 'dist' && !values['no-build'],
    outDir,
    only: only.size > 0 ? only : new Set(SCENARIO_IDS),
    cpuProfDir: values['cpu-prof'] ? resolve(outDir, 'profiles') : undefined,
    postgresUrl: env.BENCH_DATABASE_URL || DEFAULT_POSTGRES,
    // Quick mode only proves that every scenario runs and yields a number; its figures are noise.
    // No warm-up there, and 1 s runs: autocannon stops on whole seconds anyway.
    warmupSeconds: quick ? 0 : 3,
    runSeconds: quick ? 1 : 10,
    runs: quick ? 1 : 3,
    smallLibrary: quick ? 200 : 1_000,
    largeLibrary: quick ? 2_000 : 100_000,
    timingPairs: quick ? 3 : 25,
    hostileRepeats: quick ? 2 : 5,
  };
}
