import { spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { TEST_SECRET } from './app.js';
import { tempDir } from './temp-dir.js';

const SERVER_ENTRY = new URL('../../src/server.ts', import.meta.url).pathname;

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** Every stdout line so far (JSON log lines). */
  lines: string[];
  /** Resolves once `count` log lines match `pattern`. */
  waitForLog(pattern: RegExp, count?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** A temporary data directory, removed when the test ends. */
export function tempDataDir(t: TestContext): string {
  return tempDir(t, 'bindery-proc-');
}

/** Runs `src/server.ts` as a real process; only the environment given (plus PATH) reaches it. */
export function runServer(t: TestContext, env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      SECRET_KEY: TEST_SECRET,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; count: number; resolve: () => void }[] = [];
  let stderr = '';
  let buffered = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
    for (const waiter of [...waiters]) {
      if (lines.filter((line) => waiter.pattern.test(line)).length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  const waitForLog = (pattern: RegExp, count = 1) =>
    new Promise<void>((resolve, reject) => {
      if (lines.filter((line) => pattern.test(line)).length >= count) return resolve();
      waiters.push({ pattern, count, resolve });
      void exited.then(({ code }) => reject(new Error(`server exited (${code}) before logging ${pattern}: ${stderr}`)));
    });
  const server: ServerProcess = { child, port: 0, lines, waitForLog, exited };
  return server;
}

/** Starts a server and waits until it listens; the port comes from its own log line. */
export async function startServer(t: TestContext, env: Record<string, string>): Promise<ServerProcess> {
  const server = runServer(t, env);
  await server.waitForLog(/Server listening at/);
  const line = server.lines.find((entry) => entry.includes('Server listening at')) ?? '';
  server.port = Number(/listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
  return server;
}
