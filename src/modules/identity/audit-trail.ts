import type { Executor } from '../../db/executor.js';
import type { Clock } from '../../lib/clock.js';
import { newTimeOrderedId } from '../../lib/ids.js';
import type { AuditEventRow, AuditRepository } from './audit-repository.js';

export type AuditEventType =
  | 'login_success'
  | 'login_failure'
  | 'refresh'
  | 'refresh_reuse_detected'
  | 'logout'
  | 'session_revoked'
  | 'password_changed'
  | 'account_disabled'
  | 'account_enabled';

export type AuditEvent = AuditEventRow;

export interface AuditEntry {
  type: AuditEventType;
  userId: string | null;
  ip: string | null;
  sessionId: string | null;
}

/** Hears of each event once its row is written. */
export type AuditObserver = (type: AuditEventType) => void;

/**
 * The security audit trail: one row per event, written beside the change it records (in the same
 * transaction when there is one). Observers (metrics) hear of each row once it is written; inside a
 * transaction that is before the commit, and a rollback does not undo the call. Only a database
 * failure between the insert and the commit does that: rare, and it shows as a 5xx anyway.
 */
export function createAuditTrail(repository: AuditRepository, clock: Clock) {
  const observers: AuditObserver[] = [];
  return {
    async record(entry: AuditEntry, tx?: Executor): Promise<void> {
      await repository.create(
        {
          id: newTimeOrderedId(),
          type: entry.type,
          user_id: entry.userId,
          ip: entry.ip,
          session_id: entry.sessionId,
          created_at: clock.now().toISOString(),
        },
        tx,
      );
      for (const observe of observers) observe(entry.type);
    },

    listForUser(userId: string, limit: number): Promise<AuditEvent[]> {
      return repository.findByUser(userId, limit);
    },

    subscribe(observer: AuditObserver): void {
      observers.push(observer);
    },
  };
}

export type AuditTrail = ReturnType<typeof createAuditTrail>;
