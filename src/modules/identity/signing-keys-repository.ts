import type { Selectable } from 'kysely';
import type { Executor } from '../../db/executor.js';
import type { SigningKeysTable } from '../../db/schema.js';

export type SigningKeyRow = Selectable<SigningKeysTable>;

export function createSigningKeysRepository(db: Executor) {
  return {
    /** Keys not yet retired at `now`, newest first. */
    findUsable(now: string, tx: Executor = db): Promise<SigningKeyRow[]> {
      return tx
        .selectFrom('signing_keys')
        .selectAll()
        .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', now)]))
        .orderBy('created_at', 'desc')
        .orderBy('kid', 'desc')
        .execute();
    },

    /** Schedules the retirement of every key still open-ended but `exceptKid`. */
    async retireOthers(exceptKid: string, retireAt: string, tx: Executor = db): Promise<void> {
      await tx.updateTable('signing_keys').set({ retired_at: retireAt }).where('retired_at', 'is', null).where('kid', '!=', exceptKid).execute();
    },

    async create(row: SigningKeyRow, tx: Executor = db): Promise<void> {
      await tx.insertInto('signing_keys').values(row).execute();
    },
  };
}

export type SigningKeysRepository = ReturnType<typeof createSigningKeysRepository>;
