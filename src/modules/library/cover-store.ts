import type { Executor } from '../../db/executor.js';
import type { ProcessedCover, Rendition, RenditionName } from '../../lib/images.js';

export interface StoredImage {
  bytes: Buffer;
  contentType: string;
}

/**
 * Where cover renditions live. This one keeps them in the database, written in the same
 * transaction as the book, so any instance can serve them and a failed request leaves nothing behind.
 */
export interface CoverStore {
  save(tx: Executor, cover: { coverId: string; bookId: string; processed: ProcessedCover; createdAt: string }): Promise<void>;
  /** Removes every rendition stored for the book, whichever cover they belong to. */
  removeForBook(tx: Executor, bookId: string): Promise<void>;
  read(coverId: string, rendition: RenditionName): Promise<StoredImage | undefined>;
}

export function createDatabaseCoverStore(db: Executor): CoverStore {
  return {
    async save(tx, { coverId, bookId, processed, createdAt }) {
      const entries = Object.entries(processed.renditions) as [RenditionName, Rendition][];
      await tx
        .insertInto('cover_images')
        .values(
          entries.map(([rendition, image]) => ({
            cover_id: coverId,
            rendition,
            book_id: bookId,
            content_type: image.contentType,
            bytes: image.bytes,
            width: image.width,
            height: image.height,
            created_at: createdAt,
          })),
        )
        .execute();
    },

    async removeForBook(tx, bookId) {
      await tx.deleteFrom('cover_images').where('book_id', '=', bookId).execute();
    },

    async read(coverId, rendition) {
      const row = await db
        .selectFrom('cover_images')
        .select(['bytes', 'content_type'])
        .where('cover_id', '=', coverId)
        .where('rendition', '=', rendition)
        .executeTakeFirst();
      return row && { bytes: row.bytes, contentType: row.content_type };
    },
  };
}
