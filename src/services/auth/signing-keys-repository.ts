import type { Selectable } from 'kysely';
import type { Executor } from '../../db/executor.js';
import type { SigningKeysTable } from '../../db/schema.js';

export type SigningKeyRow = Selectable<SigningKeysTable>;

export function createSigningKeysRepository(db: Executor) {
  return {
    findUsable(tx: Executor = db): Promise<SigningKeyRow[]> {
      return tx.selectFrom('signing_keys').selectAll().where('retired_at', 'is', null).orderBy('created_at', 'desc').orderBy('kid', 'desc').execute();
    },

    async create(row: SigningKeyRow, tx: Executor = db): Promise<void> {
      await tx.insertInto('signing_keys').values(row).execute();
    },
  };
}

export type SigningKeysRepository = ReturnType<typeof createSigningKeysRepository>;
