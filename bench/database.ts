/**
 * The database under test: a new SQLite file in a temporary directory, or a new PostgreSQL database
 * `bench_<random>` created for the run and dropped after it, so no run sees another's rows.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { createDatabase, type Database } from '../src/db/database.js';
import { onInterrupt } from './cleanup.js';
import type { DbKind } from './settings.js';

export interface BenchDatabase {
  kind: DbKind;
  /** DATABASE_URL for the server; undefined for SQLite (it uses DATA_DIR). */
  serverUrl: string | undefined;
  /** A second connection for the harness, to seed rows once the server has migrated. */
  open(): Database;
  /** Where it lives, for the report (the password, if any, is left out). */
  describe(): string;
  drop(): Promise<void>;
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(kind: DbKind, dataDir: string, postgresUrl: string): Promise<BenchDatabase> {
  if (kind === 'sqlite') {
    const file = join(dataDir, 'bindery.sqlite');
    return {
      kind,
      serverUrl: undefined,
      open: () => createDatabase({ sqliteFile: file }),
      describe: () => `SQLite file in ${dataDir}`,
      drop: () => Promise.resolve(), // the data directory is removed with the run
    };
  }
  const name = `bench_${randomBytes(5).toString('hex')}`;
  await admin(postgresUrl, `create database "${name}"`);
  // FORCE (PostgreSQL 13+) ends any connection still open, e.g. of a server that was killed.
  const drop = () => admin(postgresUrl, `drop database if exists "${name}" with (force)`);
  const forget = onInterrupt(drop);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const serverUrl = url.href;
  return {
    kind,
    serverUrl,
    open: () => createDatabase({ databaseUrl: serverUrl, poolSize: 2 }),
    describe: () => {
      const shown = new URL(serverUrl);
      shown.password = '';
      return `PostgreSQL ${shown.href}`;
    },
    drop: async () => {
      await drop();
      forget();
    },
  };
}
