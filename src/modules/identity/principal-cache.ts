import type { WriteCounters } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import type { UserRow } from './users-repository.js';

export interface PrincipalCacheOptions {
  clock: Clock;
  /** Any write to the database, by any connection, empties the cache. */
  writes: WriteCounters;
  /** A safety net only: any write empties the cache anyway. */
  ttlMs?: number;
  capacity?: number;
}

interface Entry {
  user: UserRow;
  sessionEndsAt: number;
  cachedAt: number;
}

/**
 * The per-request check (is this session live, is its user active?) answered from memory.
 *
 * Only for SQLite, where it stays exact: any write to the database, by this process or another one,
 * empties the cache before the next lookup is answered (see `writtenSince`), and a lookup that read
 * the database before a write holds an older ticket and cannot store what it read. Reads far
 * outnumber writes, so most lookups are still answered from memory. PostgreSQL gets no cache: other
 * instances could not be told of a revocation before their next request, and revocation is immediate.
 */
export function createPrincipalCache(options: PrincipalCacheOptions) {
  const { clock, writes, ttlMs = 60_000, capacity = 10_000 } = options;
  const entries = new Map<string, Entry>();
  let generation = 0;
  let seenOwn = writes.own();
  let seenForeign = writes.foreign();
  let checkedThisTurn = false;

  function clear(): void {
    generation += 1;
    entries.clear();
  }

  /**
   * Our own writes are counted exactly, and cheaply, on every lookup. Reading whether another
   * connection committed costs a few microseconds, so that is read once per turn of the event loop,
   * by the first lookup after the poll phase has taken in that turn's requests: every request looked
   * up in the turn arrived before that read, so none can have been sent after a commit it missed.
   */
  function writtenSince(): boolean {
    const own = writes.own();
    let written = own !== seenOwn;
    seenOwn = own;
    if (!checkedThisTurn) {
      checkedThisTurn = true;
      setImmediate(() => (checkedThisTurn = false));
      const foreign = writes.foreign();
      written ||= foreign !== seenForeign;
      seenForeign = foreign;
    }
    return written;
  }

  return {
    get(sessionId: string): UserRow | undefined {
      if (writtenSince()) {
        clear();
        return undefined;
      }
      const entry = entries.get(sessionId);
      if (!entry) return undefined;
      const now = clock.now().getTime();
      if (entry.sessionEndsAt <= now || entry.cachedAt + ttlMs <= now) {
        entries.delete(sessionId);
        return undefined;
      }
      return entry.user;
    },

    /** Taken before reading the database; `set` with a ticket older than a change is ignored. */
    ticket(): number {
      return generation;
    },

    set(ticket: number, sessionId: string, user: UserRow, sessionEndsAt: number): void {
      if (ticket !== generation) return;
      if (entries.size >= capacity) entries.delete(entries.keys().next().value as string);
      entries.set(sessionId, { user, sessionEndsAt, cachedAt: clock.now().getTime() });
    },
  };
}

export type PrincipalCache = ReturnType<typeof createPrincipalCache>;
