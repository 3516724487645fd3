import type { Clock } from '../../lib/clock.js';
import type { UserRow } from '../users/users-repository.js';

export interface PrincipalCacheOptions {
  clock: Clock;
  /** Moves when another connection commits; any move empties the cache. */
  foreignCommits: () => number;
  /** A safety net only: every change this process makes is forgotten at once. */
  ttlMs?: number;
  capacity?: number;
}

interface Entry {
  user: UserRow;
  sessionExpiresAt: number;
  cachedAt: number;
}

/**
 * The per-request check (is this session live, is its user active?) answered from memory.
 *
 * Only for SQLite, where it stays exact: this process forgets a user inside the transaction that
 * changes it (SQLite runs one transaction at a time on our connection, so no reader can see the old
 * row after that), and any commit from another connection moves `PRAGMA data_version`, which is
 * read on every lookup and empties the cache. A lookup that read the database before a change
 * holds an older ticket and cannot store what it read. PostgreSQL gets no cache: other instances
 * could not be told of a revocation before their next request, and revocation must be immediate.
 */
export function createPrincipalCache(options: PrincipalCacheOptions) {
  const { clock, foreignCommits, ttlMs = 60_000, capacity = 10_000 } = options;
  const entries = new Map<string, Entry>();
  let generation = 0;
  let seenCommits = foreignCommits();
  let checkedThisTurn = false;

  function clear(): void {
    generation += 1;
    entries.clear();
  }

  /**
   * Reading data_version costs a few microseconds, so it is read once per turn of the event loop,
   * by the first lookup after the poll phase has taken in that turn's requests. Every request
   * looked up in the turn arrived before that read, so none of them can have been sent after a
   * commit that the read missed.
   */
  function foreignCommitSeen(): boolean {
    if (checkedThisTurn) return false;
    checkedThisTurn = true;
    setImmediate(() => (checkedThisTurn = false));
    const commits = foreignCommits();
    if (commits === seenCommits) return false;
    seenCommits = commits;
    return true;
  }

  return {
    get(sessionId: string): UserRow | undefined {
      if (foreignCommitSeen()) {
        clear();
        return undefined;
      }
      const entry = entries.get(sessionId);
      if (!entry) return undefined;
      const now = clock.now().getTime();
      if (entry.sessionExpiresAt <= now || entry.cachedAt + ttlMs <= now) {
        entries.delete(sessionId);
        return undefined;
      }
      return entry.user;
    },

    /** Taken before reading the database; `set` with a ticket older than a change is ignored. */
    ticket(): number {
      return generation;
    },

    set(ticket: number, sessionId: string, user: UserRow, sessionExpiresAt: number): void {
      if (ticket !== generation) return;
      if (entries.size >= capacity) entries.delete(entries.keys().next().value as string);
      entries.set(sessionId, { user, sessionExpiresAt, cachedAt: clock.now().getTime() });
    },

    forgetUser(userId: string): void {
      generation += 1;
      for (const [sessionId, entry] of entries) if (entry.user.id === userId) entries.delete(sessionId);
    },
  };
}

export type PrincipalCache = ReturnType<typeof createPrincipalCache>;
