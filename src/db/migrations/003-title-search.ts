import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * A trigram index on case-folded titles, so a title search (`q=`, a substring) stays fast as a
 * library grows: FTS5's trigram tokenizer on SQLite, pg_trgm on PostgreSQL.
 */
export function titleSearch(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect === 'postgres') {
        // One extension per database, in public, whatever schema we live in; the lock keeps
        // instances (or test schemas) that migrate at the same moment from racing to create it.
        await sql`select pg_advisory_xact_lock(hashtext('bindery:pg_trgm'))`.execute(db);
        await sql`create extension if not exists pg_trgm with schema public`.execute(db);
        await sql`create index books_title_trgm_idx on books using gin (title_key public.gin_trgm_ops)`.execute(db);
        return;
      }
      await sql`create virtual table books_title_fts using fts5(title_key, content='books', content_rowid='rowid', tokenize='trigram')`.execute(
        db,
      );
      await sql`create trigger books_title_fts_insert after insert on books begin
        insert into books_title_fts(rowid, title_key) values (new.rowid, new.title_key);
      end`.execute(db);
      await sql`create trigger books_title_fts_delete after delete on books begin
        insert into books_title_fts(books_title_fts, rowid, title_key) values ('delete', old.rowid, old.title_key);
      end`.execute(db);
      await sql`create trigger books_title_fts_update after update of title_key on books begin
        insert into books_title_fts(books_title_fts, rowid, title_key) values ('delete', old.rowid, old.title_key);
        insert into books_title_fts(rowid, title_key) values (new.rowid, new.title_key);
      end`.execute(db);
      await sql`insert into books_title_fts(books_title_fts) values ('rebuild')`.execute(db);
    },
  };
}
