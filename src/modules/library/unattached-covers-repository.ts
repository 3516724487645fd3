import type { Kysely, Selectable } from 'kysely';
import type { Executor } from '../../db/executor.js';
import type { DB, UnattachedCoversTable } from '../../db/schema.js';
import { inChunks } from './chunks.js';
import type { Instance } from './instance.js';

export type UnattachedCoverRow = Selectable<UnattachedCoversTable>;

/** Ids per statement: well under SQLite's and PostgreSQL's bound-parameter limits. */
const IDS_PER_STATEMENT = 1000;
const ROWS_PER_INSERT = 500;

/** The SQL of unattached_covers: the covers no book points at that the cover store may still hold. */
export function createUnattachedCoversRepository(db: Kysely<DB>) {
  async function add(
    state: UnattachedCoverRow['state'],
    coverIds: readonly string[],
    by: Instance,
    at: string,
    tx: Executor,
  ): Promise<void> {
    const rows = coverIds.map((coverId) => ({
      cover_id: coverId,
      state,
      instance_id: by.id,
      instance_host: by.host,
      instance_pid: by.pid,
      created_at: at,
    }));
    for (const chunk of inChunks(rows, ROWS_PER_INSERT)) await tx.insertInto('unattached_covers').values(chunk).execute();
  }

  return {
    addUploading: (coverIds: readonly string[], by: Instance, at: string) => add('uploading', coverIds, by, at, db),

    addDiscarded: (coverIds: readonly string[], by: Instance, at: string, tx: Executor) => add('discarded', coverIds, by, at, tx),

    /** Takes the covers out as their book commits; how many were still 'uploading' (a sweep may have abandoned one). */
    async claimUploading(coverIds: readonly string[], tx: Executor): Promise<number> {
      let claimed = 0;
      for (const chunk of inChunks(coverIds, IDS_PER_STATEMENT)) {
        const result = await tx
          .deleteFrom('unattached_covers')
          .where('cover_id', 'in', chunk)
          .where('state', '=', 'uploading')
          .executeTakeFirst();
        claimed += Number(result.numDeletedRows);
      }
      return claimed;
    },

    /**
     * Marks uploads as never to be committed, and answers those it marked: an upload that has since
     * committed (or that someone else abandoned first) is not among them, so its renditions are not
     * touched. This, and claimUploading in the book's transaction, are the only ways out of 'uploading'.
     */
    async abandon(coverIds: readonly string[]): Promise<string[]> {
      const abandoned: string[] = [];
      for (const chunk of inChunks(coverIds, IDS_PER_STATEMENT)) {
        const rows = await db
          .updateTable('unattached_covers')
          .set({ state: 'discarded' })
          .where('cover_id', 'in', chunk)
          .where('state', '=', 'uploading')
          .returning('cover_id')
          .execute();
        abandoned.push(...rows.map((row) => row.cover_id));
      }
      return abandoned;
    },

    async remove(coverIds: readonly string[]): Promise<void> {
      for (const chunk of inChunks(coverIds, IDS_PER_STATEMENT))
        await db.deleteFrom('unattached_covers').where('cover_id', 'in', chunk).execute();
    },

    listOldest(limit: number): Promise<UnattachedCoverRow[]> {
      return db.selectFrom('unattached_covers').selectAll().orderBy('created_at').orderBy('cover_id').limit(limit).execute();
    },
  };
}

export type UnattachedCoversRepository = ReturnType<typeof createUnattachedCoversRepository>;
