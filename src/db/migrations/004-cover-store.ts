import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Covers become a store of their own, written before the book that points at them (see
 * modules/library/cover-lifecycle.ts):
 * - `cover_images` loses its foreign key to `books`: a new cover's renditions are put before its
 *   book exists, and a book's deletion no longer cascades to them (the library removes them).
 *   Its index by book goes too: renditions are only ever found by cover id now.
 * - `unattached_covers` lists the covers that are being put or have been discarded, so that what a
 *   failed request or a crash leaves behind is found without listing the store.
 * - `books.cover_id` is indexed (and unique): a cover is served only while a book points at it.
 */
export function coverStore(dialect: Dialect): Migration {
  const timestamp = sql.raw(dialect === 'postgres' ? 'timestamptz' : 'text');
  const binary = sql.raw(dialect === 'postgres' ? 'bytea' : 'blob');
  return {
    async up(db: Kysely<unknown>) {
      if (dialect === 'postgres') {
        const { rows } = await sql<{ name: string }>`
          select conname as name from pg_constraint where conrelid = 'cover_images'::regclass and contype = 'f'`.execute(db);
        for (const { name } of rows) await sql`alter table cover_images drop constraint ${sql.id(name)}`.execute(db);
        await sql`drop index cover_images_book_idx`.execute(db);
      } else {
        // SQLite cannot drop a constraint: the table is rebuilt (its documented way), inside the
        // migration's transaction. Nothing references cover_images, so foreign keys may stay on.
        await db.schema
          .createTable('cover_images_rebuilt')
          .addColumn('cover_id', 'text', (col) => col.notNull())
          .addColumn('rendition', 'text', (col) => col.notNull())
          .addColumn('book_id', 'text', (col) => col.notNull())
          .addColumn('content_type', 'text', (col) => col.notNull())
          .addColumn('bytes', binary, (col) => col.notNull())
          .addColumn('width', 'integer', (col) => col.notNull())
          .addColumn('height', 'integer', (col) => col.notNull())
          .addColumn('created_at', timestamp, (col) => col.notNull())
          .addPrimaryKeyConstraint('cover_images_pk', ['cover_id', 'rendition'])
          .execute();
        await sql`insert into cover_images_rebuilt select cover_id, rendition, book_id, content_type, bytes, width, height, created_at from cover_images`.execute(
          db,
        );
        await db.schema.dropTable('cover_images').execute();
        await db.schema.alterTable('cover_images_rebuilt').renameTo('cover_images').execute();
      }

      await db.schema
        .createTable('unattached_covers')
        .addColumn('cover_id', 'text', (col) => col.primaryKey())
        .addColumn('state', 'text', (col) => col.notNull())
        .addColumn('instance_id', 'text', (col) => col.notNull())
        .addColumn('instance_host', 'text', (col) => col.notNull())
        .addColumn('instance_pid', 'integer', (col) => col.notNull())
        .addColumn('created_at', timestamp, (col) => col.notNull())
        .execute();

      await db.schema.createIndex('books_cover_idx').on('books').column('cover_id').unique().execute();
    },
  };
}
