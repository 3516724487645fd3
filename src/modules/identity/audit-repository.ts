import type { Selectable } from 'kysely';
import type { Executor } from '../../db/executor.js';
import type { AuditEventsTable } from '../../db/schema.js';

export type AuditEventRow = Selectable<AuditEventsTable>;

/** The audit trail's table: append-only. */
export function createAuditRepository(db: Executor) {
  return {
    async create(row: AuditEventRow, tx: Executor = db): Promise<void> {
      await tx.insertInto('audit_events').values(row).execute();
    },

    findByUser(userId: string, limit: number, tx: Executor = db): Promise<AuditEventRow[]> {
      return tx
        .selectFrom('audit_events')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
