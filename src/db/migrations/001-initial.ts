import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.js';

export function initial(dialect: Dialect): Migration {
  const timestamp = dialect === 'postgres' ? 'timestamptz' : 'text';
  const binary = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('email', 'text', (col) => col.notNull().unique())
        .addColumn('password_hash', 'text', (col) => col.notNull())
        .addColumn('disabled_at', sql.raw(timestamp))
        .addColumn('created_at', sql.raw(timestamp), (col) => col.notNull())
        .addColumn('updated_at', sql.raw(timestamp), (col) => col.notNull())
        .execute();

      await db.schema
        .createTable('books')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('title', 'text', (col) => col.notNull())
        .addColumn('title_key', 'text', (col) => col.notNull())
        .addColumn('description', 'text', (col) => col.notNull())
        .addColumn('category', 'text', (col) => col.notNull())
        .addColumn('cover_id', 'text', (col) => col.notNull())
        .addColumn('cover_extension', 'text', (col) => col.notNull())
        .addColumn('created_at', sql.raw(timestamp), (col) => col.notNull())
        .addColumn('updated_at', sql.raw(timestamp), (col) => col.notNull())
        .addUniqueConstraint('books_user_title_unique', ['user_id', 'title_key'])
        .execute();
      // Keyset pagination walks (user, created_at, id) newest first, with or without a category.
      await db.schema.createIndex('books_user_created_idx').on('books').columns(['user_id', 'created_at', 'id']).execute();
      await db.schema
        .createIndex('books_user_category_created_idx')
        .on('books')
        .columns(['user_id', 'category', 'created_at', 'id'])
        .execute();

      await db.schema
        .createTable('cover_images')
        .addColumn('cover_id', 'text', (col) => col.notNull())
        .addColumn('rendition', 'text', (col) => col.notNull())
        .addColumn('book_id', 'text', (col) => col.notNull().references('books.id').onDelete('cascade'))
        .addColumn('content_type', 'text', (col) => col.notNull())
        .addColumn('bytes', sql.raw(binary), (col) => col.notNull())
        .addColumn('width', 'integer', (col) => col.notNull())
        .addColumn('height', 'integer', (col) => col.notNull())
        .addColumn('created_at', sql.raw(timestamp), (col) => col.notNull())
        .addPrimaryKeyConstraint('cover_images_pk', ['cover_id', 'rendition'])
        .execute();
      await db.schema.createIndex('cover_images_book_idx').on('cover_images').column('book_id').execute();

      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (col) => col.primaryKey())
        .addColumn('algorithm', 'text', (col) => col.notNull())
        .addColumn('public_key', 'text', (col) => col.notNull())
        .addColumn('private_key_encrypted', 'text', (col) => col.notNull())
        .addColumn('created_at', sql.raw(timestamp), (col) => col.notNull())
        .addColumn('retired_at', sql.raw(timestamp))
        .execute();
    },
  };
}
