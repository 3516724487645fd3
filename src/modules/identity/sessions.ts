import type { Kysely } from 'kysely';
import type { Executor } from '../../db/executor.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { AccessTokens } from './access-tokens.js';
import type { AuditTrail } from './audit-trail.js';
import { isSessionLive, livenessBounds, sessionEndsAt, type SessionSettings } from './policy.js';
import type { PrincipalCache } from './principal-cache.js';
import { hashRefreshToken, newRefreshToken } from './refresh-tokens.js';
import type { RefreshTokenRow, SessionRow, SessionsRepository } from './sessions-repository.js';
import type { Throttle } from './throttle/throttle.js';
import type { Account, ClientInfo, TokenPair } from './types.js';
import type { UsersRepository } from './users-repository.js';

export interface SessionsDeps {
  db: Kysely<DB>;
  sessions: SessionsRepository;
  users: UsersRepository;
  accessTokens: AccessTokens;
  audit: AuditTrail;
  throttle: Throttle;
  clock: Clock;
  settings: SessionSettings;
  /** SQLite only (see principal-cache.ts); without it every request reads the database. */
  principals?: PrincipalCache | undefined;
  /** Derives a refresh token's successor from it (see refresh-tokens.ts). */
  successorOf: (token: string) => string;
}

const USER_AGENT_LIMIT = 512;

type RefreshOutcome = { ok: true; userId: string; sessionId: string; refreshToken: string } | { ok: false };

/** Sessions and their tokens: start, refresh with rotation and reuse detection, the per-request check, revocation. */
export function createSessions(deps: SessionsDeps) {
  const { db, sessions, users, accessTokens, audit, throttle, clock, settings, principals, successorOf } = deps;
  const isLive = (session: SessionRow, now: Date) => isSessionLive(session, livenessBounds(now, settings));

  async function storeRefreshToken(
    refreshToken: string,
    sessionId: string,
    parentId: string | null,
    now: string,
    tx: Executor,
  ): Promise<string> {
    await sessions.createRefreshToken(
      {
        id: newId(),
        session_id: sessionId,
        token_hash: hashRefreshToken(refreshToken),
        parent_id: parentId,
        created_at: now,
        rotated_at: null,
      },
      tx,
    );
    return refreshToken;
  }

  /** A rotated token may be presented again only within the grace window, and only while none of its children has moved on. */
  async function isGracefulReuse(token: RefreshTokenRow, now: Date, tx?: Executor): Promise<boolean> {
    if (token.rotated_at === null) return true;
    if (now.getTime() - Date.parse(token.rotated_at) > settings.reuseGraceMs) return false;
    return !(await sessions.hasRotatedChild(token.id, tx));
  }

  /** A spent token presented again means it was copied: the whole session ends. */
  async function endForReuse(session: SessionRow, client: ClientInfo, tx: Executor): Promise<void> {
    await sessions.revoke({ id: session.id }, clock.now().toISOString(), 'refresh_token_reuse', tx);
    await audit.record({ type: 'refresh_reuse_detected', userId: session.user_id, ip: client.ip, sessionId: session.id }, tx);
  }

  /**
   * Rotation in one transaction that re-reads everything it decides on. The first exchange of a token
   * stores its successor; a graceful reuse (a second tab, inside the window) gets that same successor
   * again, so the session keeps one live refresh token and a copied token cannot fork a chain of its own.
   */
  function rotate(presented: string, client: ClientInfo, now: Date): Promise<RefreshOutcome> {
    const iso = now.toISOString();
    return db.transaction().execute(async (tx): Promise<RefreshOutcome> => {
      const row = await sessions.findRefreshToken(hashRefreshToken(presented), tx);
      const session = row && (await sessions.findById(row.session_id, tx));
      if (!row || !session || !isLive(session, now)) return { ok: false };
      const won = row.rotated_at === null && (await sessions.markRotated(row.id, iso, tx));
      if (!won) {
        // Someone exchanged this token before us: a racing tab, or a thief.
        const current = await sessions.findRefreshToken(row.token_hash, tx);
        if (!current?.rotated_at || !(await isGracefulReuse(current, now, tx))) {
          await endForReuse(session, client, tx);
          return { ok: false };
        }
      }
      // A disable or a revocation committed meanwhile wins: the session must be live and its user active now.
      const user = await users.findById(session.user_id, tx);
      if (!user || user.disabled_at !== null || !(await sessions.touchUnrevoked(session.id, iso, tx))) return { ok: false };
      await audit.record({ type: 'refresh', userId: session.user_id, ip: client.ip, sessionId: session.id }, tx);
      const successor = successorOf(presented);
      if (won) await storeRefreshToken(successor, session.id, row.id, iso, tx);
      return { ok: true, userId: session.user_id, sessionId: session.id, refreshToken: successor };
    });
  }

  return {
    /**
     * Starts a session for an account whose credentials were just checked. The account is read again
     * (locked, where the database has row locks) inside the transaction that creates the session: a
     * disable or a password change that committed since the check refuses it, and one that comes
     * after sees the new session and ends it, so no session outlives the change that should end it.
     */
    async start(user: Account, client: ClientInfo): Promise<TokenPair & { sessionId: string }> {
      const now = clock.now();
      const iso = now.toISOString();
      const sessionId = newId();
      const refreshToken = await db.transaction().execute(async (tx) => {
        const current = await users.findForUpdate(user.id, tx);
        if (!current || current.disabled_at !== null || current.password_hash !== user.password_hash)
          throw new AppError('INVALID_CREDENTIALS');
        await sessions.create(
          {
            id: sessionId,
            user_id: user.id,
            ip: client.ip,
            user_agent: client.userAgent?.slice(0, USER_AGENT_LIMIT) ?? null,
            created_at: iso,
            last_used_at: iso,
            expires_at: new Date(now.getTime() + settings.absoluteLifetimeMs).toISOString(),
            revoked_at: null,
            revoked_reason: null,
          },
          tx,
        );
        await audit.record({ type: 'login_success', userId: user.id, ip: client.ip, sessionId }, tx);
        return storeRefreshToken(newRefreshToken(), sessionId, null, iso, tx);
      });
      const { token, expiresIn } = await accessTokens.issue(user.id, sessionId);
      return { token, refreshToken, expiresIn, sessionId };
    },

    /**
     * Rotation with reuse detection: a spent token presented again ends the whole session, throttled
     * or not. The refresh throttle may ask Redis, so it is counted between a first read and the
     * rotation's transaction, never inside it; a throttled refresh leaves the presented token unspent.
     */
    async refresh(presented: string, client: ClientInfo): Promise<TokenPair> {
      const now = clock.now();
      const row = await sessions.findRefreshToken(hashRefreshToken(presented));
      const session = row && (await sessions.findById(row.session_id));
      if (!row || !session || !isLive(session, now)) throw new AppError('INVALID_REFRESH_TOKEN');
      if (!(await isGracefulReuse(row, now))) {
        await db.transaction().execute((tx) => endForReuse(session, client, tx));
        throw new AppError('INVALID_REFRESH_TOKEN');
      }
      await throttle.takeRefresh(session.id);
      const outcome = await rotate(presented, client, now);
      if (!outcome.ok) throw new AppError('INVALID_REFRESH_TOKEN');
      const { token, expiresIn } = await accessTokens.issue(outcome.userId, outcome.sessionId);
      return { token, refreshToken: outcome.refreshToken, expiresIn };
    },

    /** The per-request check: the token's session must be live and its user active. */
    async resolve(userId: string, sessionId: string): Promise<Account> {
      const cached = principals?.get(sessionId);
      if (cached) {
        if (cached.id !== userId) throw new AppError('UNAUTHENTICATED');
        return cached;
      }
      const ticket = principals?.ticket();
      const found = await sessions.findWithUser(sessionId);
      if (
        !found ||
        found.id !== userId ||
        found.disabled_at !== null ||
        !isSessionLive(found.session, livenessBounds(clock.now(), settings))
      ) {
        throw new AppError('UNAUTHENTICATED');
      }
      const { session, ...user } = found;
      if (ticket !== undefined) principals?.set(ticket, sessionId, user, sessionEndsAt(session, settings));
      return user;
    },

    list(userId: string): Promise<SessionRow[]> {
      return sessions.findLiveByUser(userId, livenessBounds(clock.now(), settings));
    },

    async logout(userId: string, sessionId: string, client: ClientInfo): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await sessions.revoke({ id: sessionId, userId }, clock.now().toISOString(), 'logout', tx);
        await audit.record({ type: 'logout', userId, ip: client.ip, sessionId }, tx);
      });
    },

    async revokeOne(userId: string, sessionId: string, client: ClientInfo): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const session = await sessions.findById(sessionId, tx);
        // Another user's session is as absent as one that never existed.
        if (!session || session.user_id !== userId || !isLive(session, clock.now())) throw new AppError('SESSION_NOT_FOUND');
        await sessions.revoke({ id: sessionId }, clock.now().toISOString(), 'revoked_by_user', tx);
        await audit.record({ type: 'session_revoked', userId, ip: client.ip, sessionId }, tx);
      });
    },

    /** Ends every session of the user but `exceptId` (the caller's own, or none for an operator), each audited. */
    async revokeAll(userId: string, reason: string, by: { client: ClientInfo | null; exceptId?: string }): Promise<string[]> {
      return db.transaction().execute(async (tx) => {
        const filter = { userId, ...(by.exceptId ? { exceptId: by.exceptId } : {}) };
        const revoked = await sessions.revoke(filter, clock.now().toISOString(), reason, tx);
        for (const sessionId of revoked) await audit.record({ type: 'session_revoked', userId, ip: by.client?.ip ?? null, sessionId }, tx);
        return revoked;
      });
    },

    /** Ends every session of a user (but `exceptId`) inside the caller's transaction, as part of a bigger change. */
    endAllInTransaction(userId: string, reason: string, tx: Executor, exceptId?: string): Promise<string[]> {
      return sessions.revoke({ userId, ...(exceptId ? { exceptId } : {}) }, clock.now().toISOString(), reason, tx);
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
