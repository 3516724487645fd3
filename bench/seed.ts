/**
 * Libraries of 1,000 and 100,000 books, written straight into the database the server has
 * migrated: through the API, with a cover decoded and re-encoded per book, 100,000 books would
 * take most of an hour. The rows are what the service itself writes (see books-service.ts):
 * a UUID id, `title_key` = titleKey(title), a cover id with its two rendition rows.
 */
import { sql } from 'kysely';
import sharp from 'sharp';
import type { Database } from '../src/db/database.js';
import type { BooksTable, CoverImagesTable } from '../src/db/schema.js';
import { newId, randomToken } from '../src/lib/ids.js';
import { CATEGORIES } from '../src/schemas/books.js';
import { titleKey } from '../src/modules/library/books-service.js';

/** The word the title search looks for. It is in exactly SEARCH_HITS titles of every library. */
export const SEARCH_TERM = 'zephyr';
const SEARCH_HITS = 10;

const ADJECTIVES = ['Silent', 'Crimson', 'Hidden', 'Golden', 'Broken', 'Distant', 'Quiet', 'Burning', 'Frozen', 'Wandering', 'Secret', 'Endless', 'Bitter', 'Gentle', 'Hollow', 'Luminous'];
const NOUNS = ['River', 'Garden', 'Kingdom', 'Harbour', 'Letter', 'Mountain', 'Orchard', 'Lantern', 'Compass', 'Meadow', 'Tower', 'Voyage', 'Archive', 'Forest', 'Mirror', 'Island'];

/** Rows per INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const BATCH = 500;
/** Books per transaction: few commits (SQLite runs synchronous=FULL), bounded statement sizes. */
const TRANSACTION = 5_000;

export interface Library {
  userId: string;
  size: number;
  /** Every book id, newest last. */
  bookIds: string[];
}

interface CoverPair {
  thumbnail: Buffer;
  display: Buffer;
}

/** One small rendition pair, shared by content (not by row: the schema keys cover rows by cover id). */
async function tinyCovers(): Promise<CoverPair> {
  const pixels = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: { r: 120, g: 60, b: 40 } } }).jpeg({ quality: 60 }).toBuffer();
  return { thumbnail: await pixels(10, 15), display: await pixels(40, 60) };
}

function titleFor(index: number, size: number): string {
  const adjective = ADJECTIVES[index % ADJECTIVES.length] ?? 'Silent';
  const noun = NOUNS[Math.floor(index / ADJECTIVES.length) % NOUNS.length] ?? 'River';
  // Spread the hits over the whole library, so a search that stops early cannot get lucky.
  const step = Math.max(1, Math.floor(size / SEARCH_HITS));
  const hit = index % step === Math.floor(step / 2) && Math.floor(index / step) < SEARCH_HITS;
  return hit ? `The ${adjective} Zephyr of the ${noun} ${index + 1}` : `The ${adjective} ${noun} ${index + 1}`;
}

export async function seedLibrary(database: Database, userId: string, size: number, startMs: number): Promise<Library> {
  const covers = await tinyCovers();
  const bookIds: string[] = [];
  for (let offset = 0; offset < size; offset += TRANSACTION) {
    const end = Math.min(size, offset + TRANSACTION);
    await database.db.transaction().execute(async (tx) => {
      for (let start = offset; start < end; start += BATCH) {
        const books: BooksTable[] = [];
        const renditions: CoverImagesTable[] = [];
        for (let i = start; i < Math.min(end, start + BATCH); i++) {
          // One second apart, oldest first: the first page is the newest 20, as for a real reader.
          const at = new Date(startMs + i * 1000).toISOString();
          const title = titleFor(i, size);
          const id = newId();
          const coverId = randomToken(16);
          bookIds.push(id);
          books.push({
            id,
            user_id: userId,
            title,
            title_key: titleKey(title),
            description: `A ${CATEGORIES[i % CATEGORIES.length] ?? 'science'} book, number ${i + 1} of a benchmark library.`,
            category: CATEGORIES[i % CATEGORIES.length] ?? 'science',
            cover_id: coverId,
            cover_extension: 'jpg',
            created_at: at,
            updated_at: at,
          });
          for (const [rendition, bytes, width, height] of [
            ['thumbnail', covers.thumbnail, 10, 15],
            ['display', covers.display, 40, 60],
          ] as const) {
            renditions.push({ cover_id: coverId, rendition, book_id: id, content_type: 'image/jpeg', bytes, width, height, created_at: at });
          }
        }
        await tx.insertInto('books').values(books).execute();
        await tx.insertInto('cover_images').values(renditions).execute();
      }
    });
  }
  return { userId, size, bookIds };
}

/**
 * PostgreSQL's autovacuum would analyse the new rows within a minute or so in production; doing it
 * now keeps the planner from working on an empty table's statistics. SQLite has no automatic
 * ANALYZE and Bindery runs none, so its planner is left as production would have it.
 */
export async function afterSeeding(database: Database): Promise<void> {
  if (database.dialect === 'postgres') await sql`analyze books, cover_images`.execute(database.db);
}
