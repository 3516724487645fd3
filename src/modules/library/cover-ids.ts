import type { Clock } from '../../lib/clock.js';
import { randomToken } from '../../lib/ids.js';
import type { Instance } from './instance.js';
import type { UnattachedCoversRepository } from './unattached-covers-repository.js';

/** Cover ids listed per commit: one commit of unattached_covers rows serves this many uploads. */
const RESERVED_PER_COMMIT = 16;
/**
 * A reservation is used within this long of being listed, leaving any upload most of the grace
 * period (UPLOAD_GRACE_MS) between its put and its commit. Older ones are left to the sweep.
 */
const RESERVATION_TTL_MS = 5 * 60_000;

/** 128 random bits: unguessable in a public URL, and never reused. */
export const newCoverId = (): string => randomToken(16);

/**
 * Cover ids already listed as 'uploading', so an upload can put its renditions at once: listing an
 * id must be committed before anything is put under it, and doing that for each upload would cost
 * it one more commit (a full fsync on SQLite) than putting and committing the book already do.
 * An unused reservation is harmless: nothing is stored under it, and a sweep deletes its row.
 */
export function createCoverIdReservations(deps: { unattached: UnattachedCoversRepository; instance: Instance; clock: Clock }) {
  const { unattached, instance, clock } = deps;
  let reserved: { coverId: string; at: number }[] = [];
  let refilling: Promise<void> | undefined;

  async function refill(): Promise<void> {
    const at = clock.now();
    const coverIds = Array.from({ length: RESERVED_PER_COMMIT }, newCoverId);
    await unattached.addUploading(coverIds, instance, at.toISOString());
    reserved.push(...coverIds.map((coverId) => ({ coverId, at: at.getTime() })));
  }

  return {
    /** A cover id listed as 'uploading' by this instance, never used before. */
    async take(): Promise<string> {
      for (;;) {
        const freshFrom = clock.now().getTime() - RESERVATION_TTL_MS;
        reserved = reserved.filter((reservation) => reservation.at >= freshFrom);
        const next = reserved.shift();
        if (next) return next.coverId;
        // Uploads arriving together share one refill.
        await (refilling ??= refill().finally(() => (refilling = undefined)));
      }
    },
  };
}

export type CoverIdReservations = ReturnType<typeof createCoverIdReservations>;
