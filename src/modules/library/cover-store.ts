import type { Readable } from 'node:stream';
import type { Rendition, RenditionName } from '../../lib/images.js';

/** One new cover's renditions, to be put in the store. */
export interface CoverToStore {
  /** A fresh random token: never reused, so a put never overwrites anything a book points at. */
  coverId: string;
  /** The book it is for. For the operator's eyes only (the database store keeps it in a column): a store must not act on it. */
  bookId: string;
  renditions: Record<RenditionName, Rendition>;
  createdAt: string;
}

/** One rendition, ready to be piped to a response. */
export interface StoredRendition {
  stream: Readable;
  contentType: string;
  contentLength: number;
}

/**
 * Where cover renditions are kept: bytes by cover id and rendition, and nothing else. This is the
 * whole contract. The database store (database-cover-store.ts) is the default; an object store (an
 * S3 bucket, a directory) is one more file beside it implementing these three methods, given to
 * createContainer as `covers`. No other file changes.
 *
 * A store knows nothing of books, transactions or crashes, and need not be transactional with the
 * database. The library decides what is live (a cover is served only while a book row names it),
 * puts a new cover *before* committing the book that names it, and records in the database every
 * cover that may have to be deleted (modules/library/cover-lifecycle.ts), so what a failed commit or
 * a crash leaves in the store is found and deleted later without ever listing the store.
 *
 * - `put`: store every rendition of each cover (the library passes one, the bulk import many).
 *   When it throws, the library deletes whatever part of it may have been written.
 * - `read`: a stream of one rendition and its type and length, or undefined when there is none.
 *   Only covers that a book names are read.
 * - `delete`: remove every rendition of each cover. Deleting what is not there is not an error:
 *   deletions are retried after a crash, and two instances may sweep the same cover.
 *
 * Errors are thrown as they come: the request fails with a 500 and nothing is left behind for long.
 */
export interface CoverStore {
  put(covers: readonly CoverToStore[]): Promise<void>;
  read(coverId: string, rendition: RenditionName): Promise<StoredRendition | undefined>;
  delete(coverIds: readonly string[]): Promise<void>;
}
