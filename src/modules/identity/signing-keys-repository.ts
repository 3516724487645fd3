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

    /**
     * A cheap fingerprint of the key set: it changes whenever a key is made or scheduled to retire,
     * so an instance can tell that another one (or the CLI) rotated without reading the keys.
     */
    async version(tx: Executor = db): Promise<string> {
      const row = await tx
        .selectFrom('signing_keys')
        .select((eb) => [eb.fn.countAll<number>().as('keys'), eb.fn.max('created_at').as('newest'), eb.fn.max('retired_at').as('retiring')])
        .executeTakeFirstOrThrow();
      return `${Number(row.keys)}|${row.newest ?? ''}|${row.retiring ?? ''}`;
    },

    /** Schedules the retirement of every key still open-ended but `exceptKid`. */
    async retireOthers(exceptKid: string, retireAt: string, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('signing_keys')
        .set({ retired_at: retireAt })
        .where('retired_at', 'is', null)
        .where('kid', '!=', exceptKid)
        .execute();
    },

    async create(row: SigningKeyRow, tx: Executor = db): Promise<void> {
      await tx.insertInto('signing_keys').values(row).execute();
    },
  };
}

export type SigningKeysRepository = ReturnType<typeof createSigningKeysRepository>;
