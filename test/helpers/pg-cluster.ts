import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian's postgresql-15 package puts the server binaries (CI runs on the same image). */
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const OS_USER = 'postgres';
/** Every pg_ctl call waits at most this long, so a wedged cluster fails the test instead of hanging it. */
const WAIT_SECONDS = 30;

export type StopMode = 'fast' | 'immediate';

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres, trust authentication. */
  readonly url: string;
  readonly port: number;
  /** Starts the stopped cluster again on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** `fast` rolls back open transactions and closes sessions cleanly; `immediate` is a crash. */
  stop(mode: StopMode): Promise<void>;
  /**
   * Stops every process of the running cluster with SIGSTOP: connections stay open and connects are
   * accepted by the kernel, but nothing answers, as with a host that hangs or a network that drops packets.
   */
  freeze(): Promise<void>;
  /** SIGCONT to every process that freeze() stopped. */
  thaw(): Promise<void>;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    // A backend that exited since it was listed needs no signal.
    if ((error as { code?: string }).code !== 'ESRCH') throw error;
  }
}

/** A port that was free a moment ago; PostgreSQL fails to start (loudly) in the unlikely case it is taken since. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** initdb and pg_ctl refuse to run as root, so they run as the postgres OS user. */
async function asPostgres(command: string, args: string[]): Promise<void> {
  try {
    await run('runuser', ['-u', OS_USER, '--', join(PG_BIN, command), ...args], { timeout: (WAIT_SECONDS + 10) * 1000 });
  } catch (error) {
    const { stderr = '', stdout = '' } = error as { stderr?: string; stdout?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr || stdout || String(error)}`, { cause: error });
  }
}

/**
 * A PostgreSQL cluster of the test's own, on 127.0.0.1 and a free port, that the test may stop and start
 * without disturbing the machine's PostgreSQL (which other suites use at the same time). It is stopped
 * and its files removed when the test ends, whether it passed or not.
 */
export async function startPgCluster(t: TestContext): Promise<PgCluster> {
  // Not a skip: CI runs as root on a machine with these binaries, so their absence is a broken setup.
  if (userInfo().uid !== 0)
    throw new Error(`a private PostgreSQL cluster needs root (to run initdb as ${OS_USER}); running as uid ${userInfo().uid}`);
  if (!existsSync(join(PG_BIN, 'initdb')))
    throw new Error(`PostgreSQL server binaries not found in ${PG_BIN} (install postgresql-15 or set PG_BIN)`);

  const dir = mkdtempSync(join(tmpdir(), 'bindery-pg-'));
  const data = join(dir, 'data');
  let running = false;
  let frozen: number[] = [];
  t.after(async () => {
    for (const pid of frozen) signal(pid, 'SIGCONT');
    if (running)
      await asPostgres('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', String(WAIT_SECONDS)]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  const uid = Number((await run('id', ['-u', OS_USER])).stdout.trim());
  const gid = Number((await run('id', ['-g', OS_USER])).stdout.trim());
  chownSync(dir, uid, gid);

  // --no-sync only skips initdb's final flush of the template files; the server itself keeps fsync on.
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir}`;

  const cluster: PgCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      // Before the call: a start that times out may still leave a server behind for the cleanup to stop.
      running = true;
      // -w: pg_ctl returns only once the server accepts connections (bounded by -t).
      await asPostgres('pg_ctl', ['start', '-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', String(WAIT_SECONDS)]);
    },
    async stop(mode) {
      await asPostgres('pg_ctl', ['stop', '-D', data, '-m', mode, '-w', '-t', String(WAIT_SECONDS)]);
      running = false;
    },
    async freeze() {
      const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      // The postmaster first, so it forks no backend that the list below would miss.
      signal(postmaster, 'SIGSTOP');
      frozen = [postmaster];
      const { stdout } = await run('pgrep', ['-P', String(postmaster)], { timeout: 10_000 });
      for (const pid of stdout.split('\n').filter(Boolean).map(Number)) {
        signal(pid, 'SIGSTOP');
        frozen.push(pid);
      }
    },
    thaw() {
      for (const pid of frozen) signal(pid, 'SIGCONT');
      frozen = [];
      return Promise.resolve();
    },
  };
  await cluster.start();
  return cluster;
}
