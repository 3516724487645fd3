import { sql, type Selectable } from 'kysely';
import { createBatchLoader } from '../../db/batch-loader.js';
import type { Executor } from '../../db/executor.js';
import type { Dialect } from '../../db/database.js';
import type { BooksTable } from '../../db/schema.js';
import { inChunks } from './chunks.js';

export type BookRow = Selectable<BooksTable>;

export interface BookPageQuery {
  userId: string;
  category?: string | undefined;
  titleContains?: string | undefined;
  /** The last row of the previous page: (created_at, id), newest first. */
  after?: { createdAt: string; id: string } | undefined;
  limit: number;
}

/** LIKE treats % and _ as wildcards; a title search means them literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** Rows per INSERT: 10 columns each stays well under SQLite's 32,766 bound parameters. */
const ROWS_PER_INSERT = 500;

/** The trigram index can only answer searches of at least three characters. */
const TRIGRAM = 3;

/** FTS5 phrase syntax: the whole text as one quoted phrase, quotes doubled. */
function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** Lookups by id of one event-loop turn share one query (see batch-loader.ts). */
export function createBooksRepository(db: Executor, dialect: Dialect) {
  const loader = createBatchLoader(async (ids) => {
    const rows = await db.selectFrom('books').selectAll().where('id', 'in', ids).execute();
    return new Map(rows.map((row) => [row.id, row]));
  });

  return {
    async findOwned(userId: string, id: string, tx?: Executor): Promise<BookRow | undefined> {
      if (!tx) {
        const book = await loader.load(id);
        return book?.user_id === userId ? book : undefined;
      }
      return tx.selectFrom('books').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    },

    findPage(query: BookPageQuery, tx: Executor = db): Promise<BookRow[]> {
      const search = query.titleContains;
      // PostgreSQL's planner uses the pg_trgm index for the LIKE by itself; SQLite needs the FTS table named.
      const fts = dialect === 'sqlite' && search !== undefined && [...search].length >= TRIGRAM;
      // With FTS, the unary + keeps SQLite from walking the user's whole (user_id, created_at) index
      // and testing each row against the matches: it starts from the few matching rows instead.
      let select = tx
        .selectFrom('books')
        .selectAll()
        .where(fts ? sql`+user_id` : 'user_id', '=', query.userId);
      if (query.category) select = select.where('category', '=', query.category);
      if (search) {
        // ESCAPE is explicit because SQLite has no default LIKE escape character.
        const pattern = `%${escapeLike(search)}%`;
        select = select.where(sql<boolean>`title_key like ${pattern} escape '\\'`);
        if (fts)
          select = select.where(
            sql<boolean>`books.rowid in (select rowid from books_title_fts where books_title_fts match ${ftsPhrase(search)})`,
          );
      }
      const after = query.after;
      if (after) {
        select = select.where((eb) =>
          eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
        );
      }
      return select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    },

    async create(rows: readonly BookRow[], tx: Executor = db): Promise<void> {
      for (const chunk of inChunks(rows, ROWS_PER_INSERT)) await tx.insertInto('books').values(chunk).execute();
    },

    /** The extension of the cover a book points at, or undefined when no book does (any more). */
    async findCoverExtension(coverId: string): Promise<string | undefined> {
      const row = await db.selectFrom('books').select('cover_extension').where('cover_id', '=', coverId).executeTakeFirst();
      return row?.cover_extension;
    },

    update(id: string, changes: Partial<Omit<BookRow, 'id' | 'user_id' | 'created_at'>>, tx: Executor = db): Promise<BookRow | undefined> {
      return tx.updateTable('books').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
    },

    /** Answers the cover id the deleted book pointed at; undefined when there was no such book. */
    async delete(id: string, tx: Executor = db): Promise<string | undefined> {
      const row = await tx.deleteFrom('books').where('id', '=', id).returning('cover_id').executeTakeFirst();
      return row?.cover_id;
    },
  };
}

export type BooksRepository = ReturnType<typeof createBooksRepository>;
