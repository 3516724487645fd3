/**
 * The library module's one face: books and their covers. Routes, the app, the container and the
 * bench import from here and nowhere else in this folder.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import type { ImageProcessor } from '../../lib/images.js';
import { createBooksRepository } from './books-repository.js';
import { createBooksService } from './books-service.js';
import { createCoverLifecycle, type LibraryLog } from './cover-lifecycle.js';
import type { CoverStore } from './cover-store.js';
import { createDatabaseCoverStore } from './database-cover-store.js';
import { startInstance } from './instance.js';
import type { CoverPolicy } from './policy.js';
import { createUnattachedCoversRepository } from './unattached-covers-repository.js';

export type { Book } from './book.js';
export type { BookChanges, BookQuery, ImportedBook, NewBook } from './books-service.js';
export type { LibraryLog } from './cover-lifecycle.js';
export type { CoverStore, CoverToStore, StoredRendition } from './cover-store.js';
export { createDatabaseCoverStore } from './database-cover-store.js';
export {
  CATEGORIES,
  DESCRIPTION_MAX_LENGTH,
  MAX_JPEG_SCANS,
  PAGE_SIZE,
  RENDITION_SIDES,
  SEARCH_MAX_LENGTH,
  TITLE_LENGTH,
  coverPolicy,
  titleKey,
  type Category,
  type CoverPolicy,
  type MultipartLimits,
} from './policy.js';

/** How often each instance sweeps covers that a crash or a failed clean-up left in the store. */
const SWEEP_INTERVAL_MS = 5 * 60_000;

export interface LibraryDeps {
  db: Kysely<DB>;
  dialect: Dialect;
  /** The cover rules with the configured limits (coverPolicy(config)). */
  coverPolicy: CoverPolicy;
  images: ImageProcessor;
  /** Where renditions live; the database (cover_images) when absent. */
  covers?: CoverStore | undefined;
  clock: Clock;
  log?: LibraryLog | undefined;
}

const silent: LibraryLog = { warn: () => undefined, info: () => undefined };

export function createLibrary(deps: LibraryDeps) {
  const { db, clock } = deps;
  const log = deps.log ?? silent;
  const store = deps.covers ?? createDatabaseCoverStore(db, deps.dialect);
  const instance = startInstance();
  const covers = createCoverLifecycle({ db, store, unattached: createUnattachedCoversRepository(db), instance, clock, log });
  const service = createBooksService({ books: createBooksRepository(db, deps.dialect), covers, store, images: deps.images, clock });

  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;
  const sweepOnce = (): Promise<void> =>
    (sweeping ??= covers
      .sweep()
      .then(
        (swept) => {
          if (swept > 0) log.info({ covers: swept }, 'swept unattached covers from the cover store');
        },
        (error: unknown) => log.warn({ err: error }, 'cover sweep failed; the next one will try again'),
      )
      .finally(() => (sweeping = undefined)));

  return {
    ...service,
    coverPolicy: deps.coverPolicy,

    /**
     * Sweeps once (awaited, so what a crash of this host's previous process left is gone before the
     * first request), then every few minutes. A failed sweep is logged, never fatal.
     */
    async startCoverSweeps(): Promise<void> {
      await sweepOnce();
      timer ??= setInterval(() => void sweepOnce(), SWEEP_INTERVAL_MS).unref();
    },

    /** Stops the sweeps (waiting for one in progress) before the database closes. */
    async close(): Promise<void> {
      clearInterval(timer);
      await sweeping;
      instance.end();
    },
  };
}

export type Library = ReturnType<typeof createLibrary>;
