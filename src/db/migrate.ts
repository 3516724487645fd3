import { DEFAULT_MIGRATION_TABLE, Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Database, Dialect } from './database.js';
import { initial } from './migrations/001-initial.js';
import { sessions } from './migrations/002-sessions.js';
import { titleSearch } from './migrations/003-title-search.js';
import { coverStore } from './migrations/004-cover-store.js';

/** Migrations are listed here, not discovered on disk, so the compiled build carries them. */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '001-initial': initial(dialect),
    '002-sessions': sessions(dialect),
    '003-title-search': titleSearch(dialect),
    '004-cover-store': coverStore(dialect),
  };
}

const MIGRATION_NAMES = Object.keys(migrations('sqlite'));

/**
 * Whether every migration this version knows is applied. Migrations a newer version added are fine:
 * they only add, so this version still works while a rolling upgrade replaces it.
 */
export async function isMigrated(database: Database): Promise<boolean> {
  // The migrator made its table in the current schema, the first one on the search path.
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(database.db);
  const applied = new Set(rows.map((row) => row.name));
  return MIGRATION_NAMES.every((name) => applied.has(name));
}

/**
 * Kysely's migrator lists the tables of every schema to find its own. Another schema dropped at that
 * moment (invalid_schema_name, undefined_table, or undefined_column while its tables go) fails the
 * listing, not our migration: try again.
 */
const CATALOG_RACE_CODES = new Set(['3F000', '42P01', '42703']);
const ATTEMPTS = 5;

export async function migrateToLatest(database: Database): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await migrateOnce(database);
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
      if (typeof code !== 'string' || !CATALOG_RACE_CODES.has(code) || attempt >= ATTEMPTS) throw error;
    }
  }
}

async function migrateOnce(database: Database): Promise<void> {
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations(database.dialect)) };
  // Kysely looks for its tables in any schema unless told which one: name ours, so another
  // schema's migration tables are never mistaken for them.
  const migrationTableSchema =
    database.dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db)).rows[0]?.schema
      : undefined;
  // Kysely's migrator takes a database lock, so instances starting together never migrate twice.
  const migrator = new Migrator({ db: database.db, provider, ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error('Migration failed', { cause: error });
}
