/**
 * The two servers under load, each its own child process so both are measured the same way:
 * Bindery itself, and the bare Fastify reference that every figure is divided by.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { OWASP_ARGON2 } from '../src/lib/passwords.js';
import { onInterrupt } from './cleanup.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx');

export interface ChildServer {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** The last lines the process wrote, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Children must never outlive the harness: killed on exit, and on an interrupt (see cleanup.ts). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * A port that was free a moment ago. The server is told it through PORT: with PORT=0 it would pick
 * one itself but never say which. The window for another process to take it is tiny on a test machine.
 */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error('no free port'))));
    });
  });
}

const OUTPUT_KEEP = 16 * 1024;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

interface SpawnOptions {
  name: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  port: number;
}

/** Passed from the harness's environment to the servers: libuv's pool, and Bindery's argon2 threads. */
const EXPERIMENT_KNOBS = ['UV_THREADPOOL_SIZE', 'PASSWORD_HASH_CONCURRENCY'] as const;

async function spawnServer(options: SpawnOptions): Promise<ChildServer> {
  installExitHook();
  // A minimal environment: the harness's own variables (NODE_OPTIONS from a test runner, say)
  // must not change how the server runs. A few knobs pass through, for experiments.
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env };
  for (const knob of EXPERIMENT_KNOBS) {
    const value = process.env[knob];
    if (value) env[knob] = value;
  }

  const child = spawn(process.execPath, options.args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const forget = onInterrupt(() => {
    child.kill('SIGKILL');
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitCode: number | string | null = null;
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? signal ?? 'unknown';
      live.delete(child);
      forget();
      resolveExit();
    });
  });
  if (child.pid === undefined) throw new Error(`${options.name} did not start`);

  const url = `http://127.0.0.1:${options.port}`;
  const server: ChildServer = {
    name: options.name,
    url,
    pid: child.pid,
    output: () => output,
    async stop() {
      if (exitCode !== null) return;
      // SIGTERM first: Bindery closes cleanly, and only a clean exit writes a --cpu-prof profile.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exitCode !== null) throw new Error(`${options.name} exited (${String(exitCode)}) before it was ready:\n${output}`);
    try {
      const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status < 500) return server;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${options.name} was not ready within ${READY_TIMEOUT_MS / 1000}s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface BinderyOptions {
  mode: 'dist' | 'tsx';
  dataDir: string;
  databaseUrl: string | undefined;
  cpuProfDir: string | undefined;
}

export async function startBindery(options: BinderyOptions): Promise<ChildServer> {
  const port = await freePort();
  mkdirSync(options.dataDir, { recursive: true });
  const entry = options.mode === 'dist' ? [`${ROOT}dist/server.js`] : ['--import', TSX_LOADER, `${ROOT}src/server.ts`];
  const profile = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  return spawnServer({
    name: 'Bindery',
    args: [...profile, ...entry],
    // The data directory as working directory: a developer's .env in the repository must not leak in.
    cwd: options.dataDir,
    port,
    env: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      // warn, not info: one log line per request would measure pino, not Bindery.
      LOG_LEVEL: 'warn',
      DATA_DIR: options.dataDir,
      DATABASE_URL: options.databaseUrl ?? '',
      SECRET_KEY: randomBytes(48).toString('base64url'),
      // Production requires the public origin of image URLs; here it is the server's own address.
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      // Long enough that no token issued at the start of a full run expires before its end.
      ACCESS_TOKEN_TTL_SECONDS: '7200',
      // Scenarios 3 and 7 send hundreds of logins, many deliberately wrong, for one account from one
      // IP: what they measure is the login path, not the brute-force throttle, which would answer
      // 429 after a few. (Versions without these settings ignore them.)
      LOGIN_FREE_FAILURES: '1000000',
      LOGIN_IP_FAILURES: '1000000',
      LOGIN_ACCOUNT_FAILURES_PER_HOUR: '1000000',
      REGISTRATIONS_PER_IP_PER_HOUR: '1000',
    },
  });
}

/**
 * The reference runs as plain JavaScript under plain `node`, like dist/server.js: under tsx it would
 * carry the loader's extra thread and memory, and its idle RSS would not be comparable. It is
 * transpiled into node_modules/.cache, from where `fastify` resolves as it does for the project.
 */
function bareServerScript(): string {
  const source = readFileSync(`${ROOT}bench/bare-server.ts`, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  const dir = `${ROOT}node_modules/.cache/bindery-bench`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/bare-server.mjs`;
  writeFileSync(file, outputText);
  return file;
}

export async function startBare(cwd: string): Promise<ChildServer> {
  const port = await freePort();
  return spawnServer({
    name: 'bare Fastify',
    args: [bareServerScript()],
    cwd,
    port,
    env: { PORT: String(port), NODE_ENV: 'production', BENCH_ARGON2: JSON.stringify(OWASP_ARGON2) },
  });
}
