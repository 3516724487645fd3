import { Readable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../../db/database.js';
import type { CoverImagesTable, DB } from '../../db/schema.js';
import type { RenditionName } from '../../lib/images.js';
import { inChunks } from './chunks.js';
import type { CoverStore } from './cover-store.js';

/** Rows per statement: 8 columns each stays well under SQLite's 32,766 bound parameters. */
const ROWS_PER_INSERT = 1000;
const IDS_PER_DELETE = 1000;

/**
 * The default cover store: renditions in the `cover_images` table, so every instance sharing the
 * database serves every cover, and a database backup holds the covers too. Each call is a statement
 * of its own, committed at once: the library, not the store, ties covers to books.
 */
export function createDatabaseCoverStore(db: Kysely<DB>, dialect: Dialect): CoverStore {
  /**
   * On SQLite a put is committed without an fsync of its own: a put matters only once the book that
   * names it commits, and that commit (synchronous=FULL) syncs the same write-ahead log, this put's
   * earlier frames with it. Every fsync of better-sqlite3 holds the event loop, so this saves every
   * request a pause per upload. The connection is held throughout, so nothing else commits unsynced.
   */
  async function withoutOwnSync(work: (executor: Kysely<DB>) => Promise<void>): Promise<void> {
    if (dialect !== 'sqlite') return work(db);
    await db.connection().execute(async (connection) => {
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(connection);
      const restore = sql.raw(`pragma synchronous = ${Number(rows[0]?.synchronous ?? 2)}`);
      await sql`pragma synchronous = normal`.execute(connection);
      try {
        await work(connection);
      } finally {
        await restore.execute(connection);
      }
    });
  }

  return {
    async put(covers) {
      const rows: CoverImagesTable[] = covers.flatMap(({ coverId, bookId, renditions, createdAt }) =>
        (Object.entries(renditions) as [RenditionName, (typeof renditions)[RenditionName]][]).map(([rendition, image]) => ({
          cover_id: coverId,
          rendition,
          book_id: bookId,
          content_type: image.contentType,
          bytes: image.bytes,
          width: image.width,
          height: image.height,
          created_at: createdAt,
        })),
      );
      await withoutOwnSync(async (executor) => {
        for (const chunk of inChunks(rows, ROWS_PER_INSERT)) await executor.insertInto('cover_images').values(chunk).execute();
      });
    },

    async read(coverId, rendition) {
      const row = await db
        .selectFrom('cover_images')
        .select(['bytes', 'content_type'])
        .where('cover_id', '=', coverId)
        .where('rendition', '=', rendition)
        .executeTakeFirst();
      // The row is already in memory: one chunk. A file or object store would stream from its source.
      return row && { stream: Readable.from([row.bytes]), contentType: row.content_type, contentLength: row.bytes.length };
    },

    async delete(coverIds) {
      for (const chunk of inChunks(coverIds, IDS_PER_DELETE)) await db.deleteFrom('cover_images').where('cover_id', 'in', chunk).execute();
    },
  };
}
