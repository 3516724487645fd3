/**
 * Libraries of 1,000 and 100,000 books, written into the database the server has migrated: through
 * the API, with a cover decoded and re-encoded per book, 100,000 books would take most of an hour.
 * Instead they go through the library's own bulk import, with one cover rendered once by the real
 * image port: the same book rows, cover store and unattached-cover bookkeeping as an upload, so the
 * bench cannot drift from what the server writes.
 */
import { sql } from 'kysely';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import type { Database } from '../src/db/database.js';
import { systemClock } from '../src/lib/clock.js';
import { createImageProcessor, type ProcessedCover } from '../src/lib/images.js';
import { CATEGORIES, coverPolicy, createLibrary, type ImportedBook } from '../src/modules/library/index.js';

/** The word the title search looks for. It is in exactly SEARCH_HITS titles of every library. */
export const SEARCH_TERM = 'zephyr';
const SEARCH_HITS = 10;

const ADJECTIVES = [
  'Silent',
  'Crimson',
  'Hidden',
  'Golden',
  'Broken',
  'Distant',
  'Quiet',
  'Burning',
  'Frozen',
  'Wandering',
  'Secret',
  'Endless',
  'Bitter',
  'Gentle',
  'Hollow',
  'Luminous',
];
const NOUNS = [
  'River',
  'Garden',
  'Kingdom',
  'Harbour',
  'Letter',
  'Mountain',
  'Orchard',
  'Lantern',
  'Compass',
  'Meadow',
  'Tower',
  'Voyage',
  'Archive',
  'Forest',
  'Mirror',
  'Island',
];

/** Books per import, i.e. per transaction: few commits (SQLite runs synchronous=FULL), bounded statements. */
const IMPORT_BATCH = 2_000;

export interface Library {
  userId: string;
  size: number;
  /** Every book id, newest last. */
  bookIds: string[];
}

/** One small cover, rendered by the real image port; each book still gets renditions of its own. */
async function tinyCover(policy: ReturnType<typeof coverPolicy>): Promise<ProcessedCover> {
  const jpeg = await sharp({ create: { width: 40, height: 60, channels: 3, background: { r: 120, g: 60, b: 40 } } })
    .jpeg({ quality: 60 })
    .toBuffer();
  return createImageProcessor(policy.image).process(jpeg);
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
  // The server's defaults: the bench runs it without MAX_COVER_* settings (nor a .env: see servers.ts).
  const policy = coverPolicy(loadConfig({}, '/nonexistent'));
  const cover = await tinyCover(policy);
  const library = createLibrary({
    db: database.db,
    dialect: database.dialect,
    coverPolicy: policy,
    images: createImageProcessor(policy.image),
    clock: systemClock,
  });
  const bookIds: string[] = [];
  for (let offset = 0; offset < size; offset += IMPORT_BATCH) {
    const entries: ImportedBook[] = [];
    for (let i = offset; i < Math.min(size, offset + IMPORT_BATCH); i++) {
      const category = CATEGORIES[i % CATEGORIES.length] ?? 'science';
      // One second apart, oldest first: the first page is the newest 20, as for a real reader.
      const createdAt = new Date(startMs + i * 1000).toISOString();
      entries.push({
        title: titleFor(i, size),
        description: `A ${category} book, number ${i + 1} of a benchmark library.`,
        category,
        createdAt,
        cover,
      });
    }
    const books = await library.importBooks(userId, entries);
    bookIds.push(...books.map((book) => book.id));
  }
  await library.close();
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
