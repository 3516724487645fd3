import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../db/errors.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId, randomToken } from '../../lib/ids.js';
import type { ImageProcessor, RenditionName } from '../../lib/images.js';
import type { CreateBookFields, ListBooksQuery, UpdateBookFields } from '../../schemas/books.js';
import type { BookRow, BooksRepository } from './books-repository.js';
import type { CoverStore, StoredImage } from './cover-store.js';
import { decodeCursor, encodeCursor } from './cursor.js';

export interface BooksServiceDeps {
  db: Kysely<DB>;
  books: BooksRepository;
  covers: CoverStore;
  images: ImageProcessor;
  clock: Clock;
}

/** Titles are unique per user regardless of case: this is the key they are compared by. */
export function titleKey(title: string): string {
  return title.normalize('NFC').toLowerCase();
}

const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };
const COVER_FILE = /^([A-Za-z0-9_-]{16,64})-(thumbnail|display)\.([a-z]{3,4})$/;

export function createBooksService(deps: BooksServiceDeps) {
  const { db, books, covers, images, clock } = deps;

  async function requireOwned(userId: string, bookId: string): Promise<BookRow> {
    const book = await books.findOwned(userId, bookId);
    // Someone else's book, an unknown id and a malformed id are the same 404.
    if (!book) throw new AppError('BOOK_NOT_FOUND');
    return book;
  }

  async function withTitleConflict<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('TITLE_TAKEN');
      throw error;
    }
  }

  return {
    async create(userId: string, fields: CreateBookFields, cover: Buffer): Promise<BookRow> {
      const processed = await images.process(cover);
      const now = clock.now().toISOString();
      const book: BookRow = {
        id: newId(),
        user_id: userId,
        title: fields.title,
        title_key: titleKey(fields.title),
        description: fields.description ?? '',
        category: fields.category,
        cover_id: randomToken(16),
        cover_extension: processed.renditions.thumbnail.extension,
        created_at: now,
        updated_at: now,
      };
      return withTitleConflict(() =>
        db.transaction().execute(async (tx) => {
          await books.create(book, tx);
          await covers.save(tx, { coverId: book.cover_id, bookId: book.id, processed, createdAt: now });
          return book;
        }),
      );
    },

    async list(userId: string, query: ListBooksQuery): Promise<{ books: BookRow[]; nextCursor: string | null }> {
      const rows = await books.findPage({
        userId,
        category: query.category,
        titleContains: query.q === undefined ? undefined : titleKey(query.q),
        after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const nextCursor = rows.length > query.limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null;
      return { books: page, nextCursor };
    },

    get: requireOwned,

    async update(userId: string, bookId: string, fields: UpdateBookFields, cover: Buffer | undefined): Promise<BookRow> {
      if (fields.title === undefined && fields.description === undefined && fields.category === undefined && !cover) {
        throw AppError.validation([{ field: '(body)', message: 'give at least one of title, description, category, cover_image' }]);
      }
      const existing = await requireOwned(userId, bookId);
      const processed = cover ? await images.process(cover) : undefined;
      const now = clock.now().toISOString();
      const changes: Partial<BookRow> = { updated_at: now };
      if (fields.title !== undefined) Object.assign(changes, { title: fields.title, title_key: titleKey(fields.title) });
      if (fields.description !== undefined) changes.description = fields.description;
      if (fields.category !== undefined) changes.category = fields.category;
      if (processed) Object.assign(changes, { cover_id: randomToken(16), cover_extension: processed.renditions.thumbnail.extension });

      return withTitleConflict(() =>
        db.transaction().execute(async (tx) => {
          const updated = await books.update(existing.id, changes, tx);
          if (!updated) throw new AppError('BOOK_NOT_FOUND');
          if (processed) {
            // The old URLs must answer 404 from now on, so they can be cached forever. Deleting by
            // book, after the update has locked its row, also clears a racing request's cover.
            await covers.removeForBook(tx, updated.id);
            await covers.save(tx, { coverId: updated.cover_id, bookId: updated.id, processed, createdAt: now });
          }
          return updated;
        }),
      );
    },

    async delete(userId: string, bookId: string): Promise<void> {
      const book = await requireOwned(userId, bookId);
      await db.transaction().execute(async (tx) => {
        await covers.removeForBook(tx, book.id);
        await books.delete(book.id, tx);
      });
    },

    /** Cover files are public by unguessable name: `<cover id>-<rendition>.<extension>`. */
    async readCover(file: string): Promise<StoredImage> {
      const match = COVER_FILE.exec(file);
      const image = match ? await covers.read(match[1] ?? '', match[2] as RenditionName) : undefined;
      if (!image || EXTENSIONS[image.contentType] !== match?.[3]) throw new AppError('IMAGE_NOT_FOUND');
      return image;
    },
  };
}

export type BooksService = ReturnType<typeof createBooksService>;

export function coverFileName(book: Pick<BookRow, 'cover_id' | 'cover_extension'>, rendition: RenditionName): string {
  return `${book.cover_id}-${rendition}.${book.cover_extension}`;
}
