import { isUniqueViolation } from '../../db/errors.js';
import { AppError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { ImageProcessor, ProcessedCover } from '../../lib/images.js';
import { parseCoverFile, toBook, type Book } from './book.js';
import type { BookRow, BooksRepository } from './books-repository.js';
import type { CoverLifecycle } from './cover-lifecycle.js';
import type { CoverStore, CoverToStore, StoredRendition } from './cover-store.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { titleKey, type Category } from './policy.js';

export interface NewBook {
  title: string;
  description?: string | undefined;
  category: Category;
}

export type BookChanges = Partial<NewBook>;

export interface BookQuery {
  category?: Category | undefined;
  /** A substring of the title, in any case. */
  q?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** A book for the bulk import, its cover already rendered. */
export interface ImportedBook extends NewBook {
  createdAt: string;
  cover: ProcessedCover;
}

export interface BooksServiceDeps {
  books: BooksRepository;
  covers: CoverLifecycle;
  store: CoverStore;
  images: ImageProcessor;
  clock: Clock;
}

function coverToStore(row: BookRow, cover: ProcessedCover): CoverToStore {
  return { coverId: row.cover_id, bookId: row.id, renditions: cover.renditions, createdAt: row.updated_at };
}

export function createBooksService(deps: BooksServiceDeps) {
  const { books, covers, store, images, clock } = deps;

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

  function newRow(userId: string, fields: NewBook, cover: { id: string; rendered: ProcessedCover }, at: string): BookRow {
    return {
      id: newId(),
      user_id: userId,
      title: fields.title,
      title_key: titleKey(fields.title),
      description: fields.description ?? '',
      category: fields.category,
      cover_id: cover.id,
      cover_extension: cover.rendered.renditions.thumbnail.extension,
      created_at: at,
      updated_at: at,
    };
  }

  /** Books with new covers, committed together: the one path of both create and the bulk import. */
  function addBooks(entries: { row: BookRow; cover: ProcessedCover }[]): Promise<Book[]> {
    const rows = entries.map((entry) => entry.row);
    return withTitleConflict(() =>
      covers.commitWithCovers(
        entries.map(({ row, cover }) => coverToStore(row, cover)),
        async (tx) => {
          await books.create(rows, tx);
          return { result: rows.map(toBook), replaced: [] };
        },
      ),
    );
  }

  return {
    async create(userId: string, fields: NewBook, cover: Buffer): Promise<Book> {
      const processed = await images.process(cover);
      const id = await covers.newCoverId();
      const [book] = await addBooks([
        { row: newRow(userId, fields, { id, rendered: processed }, clock.now().toISOString()), cover: processed },
      ]);
      if (!book) throw new Error('The new book went missing');
      return book;
    },

    /** Many books of one user at once (the benchmark's libraries): the rows and covers `create` writes. */
    async importBooks(userId: string, entries: ImportedBook[]): Promise<Book[]> {
      const listed = await covers.withNewCoverIds(entries);
      return addBooks(
        listed.map(({ item, coverId }) => ({
          row: newRow(userId, item, { id: coverId, rendered: item.cover }, item.createdAt),
          cover: item.cover,
        })),
      );
    },

    async list(userId: string, query: BookQuery): Promise<{ books: Book[]; nextCursor: string | null }> {
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
      return { books: page.map(toBook), nextCursor };
    },

    async get(userId: string, bookId: string): Promise<Book> {
      return toBook(await requireOwned(userId, bookId));
    },

    async update(userId: string, bookId: string, fields: BookChanges, cover: Buffer | undefined): Promise<Book> {
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
      const newCover: CoverToStore | undefined = processed && {
        coverId: await covers.newCoverId(),
        bookId: existing.id,
        renditions: processed.renditions,
        createdAt: now,
      };

      return withTitleConflict(() =>
        covers.commitWithCovers(newCover ? [newCover] : [], async (tx) => {
          // This write locks the row, so the cover it answers is the current one even while another
          // request replaces it too: that is the cover this request discards.
          const updated = await books.update(existing.id, changes, tx);
          if (!updated) throw new AppError('BOOK_NOT_FOUND');
          if (!newCover || !processed) return { result: toBook(updated), replaced: [] };
          const cover = { cover_id: newCover.coverId, cover_extension: processed.renditions.thumbnail.extension };
          const withCover = await books.update(existing.id, cover, tx);
          return { result: toBook(withCover ?? updated), replaced: [updated.cover_id] };
        }),
      );
    },

    async delete(userId: string, bookId: string): Promise<void> {
      const book = await requireOwned(userId, bookId);
      await covers.commitWithCovers([], async (tx) => {
        const coverId = await books.delete(book.id, tx);
        return { result: undefined, replaced: coverId === undefined ? [] : [coverId] };
      });
    },

    /**
     * A cover rendition by its public file name, `<cover id>-<rendition>.<extension>`, served only
     * while a book points at that cover: a replaced or deleted cover is a 404 from its commit on,
     * whether or not its renditions have left the store yet.
     */
    async openCover(file: string): Promise<StoredRendition> {
      const parsed = parseCoverFile(file);
      const extension = parsed && (await books.findCoverExtension(parsed.coverId));
      const image = parsed && extension === parsed.extension ? await store.read(parsed.coverId, parsed.rendition) : undefined;
      if (!image) throw new AppError('IMAGE_NOT_FOUND');
      return image;
    },
  };
}

export type BooksService = ReturnType<typeof createBooksService>;
