import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { createCoverIdReservations, newCoverId } from './cover-ids.js';
import type { CoverStore, CoverToStore } from './cover-store.js';
import { hasCertainlyStopped, type Instance } from './instance.js';
import type { UnattachedCoverRow, UnattachedCoversRepository } from './unattached-covers-repository.js';

/** Where the library reports what it could not clean up at once (pino's signature). */
export interface LibraryLog {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/**
 * How long a cover id may stay listed as uploading before any sweep may abandon it. Far longer than
 * an id waits for its upload (cover-ids.ts) plus a put and a commit (the decode comes before); an
 * upload that does take longer fails at its commit instead of leaving a book without its cover.
 */
export const UPLOAD_GRACE_MS = 15 * 60_000;
/** Rows looked at per sweep; a longer backlog is worked off over the next sweeps. */
const SWEEP_BATCH = 500;

/** What a book transaction did to covers: its result, and the covers its books no longer point at. */
export interface CoverChange<T> {
  result: T;
  replaced: string[];
}

export interface CoverLifecycleDeps {
  db: Kysely<DB>;
  store: CoverStore;
  unattached: UnattachedCoversRepository;
  instance: Instance;
  clock: Clock;
  log: LibraryLog;
}

/**
 * The one way covers are written, so the store needs no transaction and nothing is left behind:
 *
 * 1. A new cover's id is listed in unattached_covers as 'uploading' (committed; see cover-ids.ts),
 *    then its renditions are put in the store.
 * 2. The book transaction points the book at it and takes it off the list in the same commit, and
 *    lists the cover the book pointed at before as 'discarded'.
 * 3. After the commit the discarded covers are deleted from the store and off the list; after a
 *    failure, the new cover is (so a 409 leaves nothing behind, as before).
 *
 * A crash between any two steps leaves a listed cover, which a sweep deletes: discarded ones at once,
 * uploading ones when their instance has certainly stopped (instance.ts) or after UPLOAD_GRACE_MS.
 * A sweep abandons an upload with one conditional update and the commit claims it with one
 * conditional delete, so exactly one of them wins: a committed cover is never deleted, and an
 * abandoned one is never committed. Covers are only served while a book points at them, so a cover
 * that is waiting to be deleted is already a 404.
 */
export function createCoverLifecycle(deps: CoverLifecycleDeps) {
  const { db, store, unattached, instance, clock, log } = deps;
  const now = () => clock.now().toISOString();
  const reservations = createCoverIdReservations({ unattached, instance, clock });

  /** Deletes covers that are listed and that nothing points at; on failure they stay listed for a sweep. */
  async function deleteListed(coverIds: string[], what: string): Promise<void> {
    if (coverIds.length === 0) return;
    try {
      await store.delete(coverIds);
      await unattached.remove(coverIds);
    } catch (error) {
      log.warn({ err: error, covers: coverIds.length }, `${what}: cover renditions left for the next sweep`);
    }
  }

  /** After a failed commit: only what is still 'uploading' certainly did not commit. */
  async function abandonUploads(coverIds: string[]): Promise<void> {
    try {
      await deleteListed(await unattached.abandon(coverIds), 'a failed upload');
    } catch (error) {
      log.warn({ err: error, covers: coverIds.length }, 'a failed upload: cover renditions left for the next sweep');
    }
  }

  function isAbandonable(row: UnattachedCoverRow, cutoffMs: number): boolean {
    const writer = { id: row.instance_id, host: row.instance_host, pid: row.instance_pid };
    return Date.parse(row.created_at) < cutoffMs || hasCertainlyStopped(writer, instance);
  }

  return {
    /** The id of one new cover, already listed as uploading. */
    newCoverId: () => reservations.take(),

    /** Each of many new covers (the bulk import) with its id, all listed as uploading in one go. */
    async withNewCoverIds<T>(items: T[]): Promise<{ item: T; coverId: string }[]> {
      const listed = items.map((item) => ({ item, coverId: newCoverId() }));
      await unattached.addUploading(
        listed.map((entry) => entry.coverId),
        instance,
        now(),
      );
      return listed;
    },

    /**
     * Runs `commit` in a transaction with `covers` (maybe none, their ids from newCoverId) put in the
     * store first, and deletes the covers it reports replaced once it has committed.
     */
    async commitWithCovers<T>(covers: CoverToStore[], commit: (tx: Transaction<DB>) => Promise<CoverChange<T>>): Promise<T> {
      const ids = covers.map((cover) => cover.coverId);
      let change: CoverChange<T>;
      try {
        if (covers.length > 0) await store.put(covers);
        change = await db.transaction().execute(async (tx) => {
          const done = await commit(tx);
          if ((await unattached.claimUploading(ids, tx)) !== ids.length) {
            throw new Error('A sweep abandoned this cover upload before its book could commit');
          }
          if (done.replaced.length > 0) await unattached.addDiscarded(done.replaced, instance, now(), tx);
          return done;
        });
      } catch (error) {
        if (ids.length > 0) await abandonUploads(ids);
        throw error;
      }
      await deleteListed(change.replaced, 'a replaced cover');
      return change.result;
    },

    /** One pass over the list: deletes what no book will point at. Answers how many covers went. */
    async sweep(): Promise<number> {
      const rows = await unattached.listOldest(SWEEP_BATCH);
      const cutoffMs = clock.now().getTime() - UPLOAD_GRACE_MS;
      const abandoned = await unattached.abandon(
        rows.filter((row) => row.state === 'uploading' && isAbandonable(row, cutoffMs)).map((row) => row.cover_id),
      );
      const garbage = [...rows.filter((row) => row.state === 'discarded').map((row) => row.cover_id), ...abandoned];
      if (garbage.length > 0) {
        await store.delete(garbage);
        await unattached.remove(garbage);
      }
      return garbage.length;
    },
  };
}

export type CoverLifecycle = ReturnType<typeof createCoverLifecycle>;
