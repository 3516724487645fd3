import type { Selectable } from 'kysely';
import type { Executor } from '../../db/executor.js';
import type { AuditEventsTable } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { newTimeOrderedId } from '../../lib/ids.js';

export type AuditEventType =
  | 'login_success'
  | 'login_failure'
  | 'refresh'
  | 'refresh_reuse_detected'
  | 'logout'
  | 'session_revoked'
  | 'password_changed'
  | 'account_disabled';

export type AuditEventRow = Selectable<AuditEventsTable>;

export interface AuditEntry {
  type: AuditEventType;
  userId: string | null;
  ip: string | null;
  sessionId: string | null;
}

/**
 * The security audit trail: an append-only table, written beside the change it records.
 * `onRecord` hears of each row once it is written (metrics count from it); inside a transaction that is
 * before the commit, and a rollback does not undo the call.
 */
export function createAuditLog(db: Executor, clock: Clock, onRecord?: (type: AuditEventType) => void) {
  return {
    async record(entry: AuditEntry, tx: Executor = db): Promise<void> {
      await tx
        .insertInto('audit_events')
        .values({
          id: newTimeOrderedId(),
          type: entry.type,
          user_id: entry.userId,
          ip: entry.ip,
          session_id: entry.sessionId,
          created_at: clock.now().toISOString(),
        })
        .execute();
      onRecord?.(entry.type);
    },

    listForUser(userId: string, limit: number): Promise<AuditEventRow[]> {
      return db
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

export type AuditLog = ReturnType<typeof createAuditLog>;
