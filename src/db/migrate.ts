import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Database, Dialect } from './database.js';
import { initial } from './migrations/001-initial.js';
import { sessions } from './migrations/002-sessions.js';

/** Migrations are listed here, not discovered on disk, so the compiled build carries them. */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '001-initial': initial(dialect),
    '002-sessions': sessions(dialect),
  };
}

export const LATEST_MIGRATION = '002-sessions';

export async function migrateToLatest(database: Database): Promise<void> {
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations(database.dialect)) };
  // Kysely's migrator takes a database lock, so instances starting together never migrate twice.
  const migrator = new Migrator({ db: database.db, provider });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error('Migration failed', { cause: error });
}
