import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import { withStatementCache } from './sqlite-statements.js';

export type Dialect = 'sqlite' | 'postgres';

/** A connection pool's state at one instant. */
export interface PoolStats {
  /** Connections open, idle or checked out. */
  total: number;
  idle: number;
  /** Queries queued for a connection: above zero means the pool is too small or a query holds on too long. */
  waiting: number;
  max: number;
}

export interface Database {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /** SQLite only: counters that move when anything is written to the file (see WriteCounters). */
  readonly writes?: WriteCounters;
  /**
   * PostgreSQL only. SQLite has a single connection and no pool: Kysely queues on it internally and does
   * not expose that queue, so there is nothing true to report.
   */
  readonly poolStats?: () => PoolStats;
  destroy(): Promise<void>;
}

/** What a cache of rows needs to know that its rows may have changed. */
export interface WriteCounters {
  /** Rows changed by this connection so far (`total_changes()`): tens of nanoseconds to read. */
  own(): number;
  /** Moves when another connection, say the admin CLI, commits (`data_version`): microseconds to read. */
  foreign(): number;
}

export interface DatabaseOptions {
  /** postgres://… selects PostgreSQL; otherwise SQLite in `sqliteFile`. */
  databaseUrl?: string | undefined;
  /** A file path, or ':memory:'. */
  sqliteFile?: string;
  /** PostgreSQL schema to work in (tests give each file its own). */
  searchPath?: string;
  poolSize?: number;
  /**
   * PostgreSQL only: a query unanswered this long fails. A server that hangs, or a network that drops
   * packets, never closes the connection, so without it a request would wait forever.
   */
  queryTimeoutMs?: number;
}

const TIMESTAMPTZ_OID = 1184;
const INT8_OID = 20;

// PostgreSQL's text form in a UTC session: `2030-01-01 00:00:00.123456+00`, fraction optional.
const UTC_TIMESTAMPTZ = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

/** What `new Date(value).toISOString()` gives, without a Date: a page of books holds forty of them. */
export function timestamptzToIso(value: string): string {
  const match = UTC_TIMESTAMPTZ.exec(value);
  if (!match) return new Date(value).toISOString();
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

/** Both dialects hand timestamps back as ISO-8601 strings, so services never see Date objects. */
const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => {
    if (oid === TIMESTAMPTZ_OID) return timestamptzToIso;
    if (oid === INT8_OID) return (value: string) => Number(value);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export function sqliteFileIn(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return join(dataDir, 'bindery.sqlite');
}

export function createDatabase(options: DatabaseOptions): Database {
  if (options.databaseUrl) return createPostgres(options.databaseUrl, options);
  return createSqlite(options.sqliteFile ?? ':memory:');
}

function createPostgres(connectionString: string, options: DatabaseOptions): Database {
  const max = options.poolSize ?? 10;
  const pool = new pg.Pool({
    connectionString,
    max,
    types: pgTypes,
    connectionTimeoutMillis: 5_000,
    ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
  });
  // A client that loses its server emits 'error'. The pool listens while a client is idle, and discards
  // it; while a client is checked out (between the queries of a transaction) nobody would, and an
  // unheard 'error' event kills the process. The query in progress, or the next one, fails instead,
  // and Kysely's release hands the broken client back for the pool to discard.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const poolStats = (): PoolStats => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max });
  return { db, dialect: 'postgres', poolStats, destroy: () => db.destroy() };
}

function createSqlite(file: string): Database {
  const sqlite = new SQLite(file);
  // WAL with full synchronous commits: an acknowledged write survives a crash and a power loss.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const totalChanges = sqlite.prepare('select total_changes()').pluck();
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  const writes: WriteCounters = { own: () => totalChanges.get() as number, foreign: () => dataVersion.get() as number };
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', writes, destroy: () => db.destroy() };
}
