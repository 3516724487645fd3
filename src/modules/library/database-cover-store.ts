import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
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
export function createDatabaseCoverStore(db: Kysely<DB>): CoverStore {
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
      for (const chunk of inChunks(rows, ROWS_PER_INSERT)) await db.insertInto('cover_images').values(chunk).execute();
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
