import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Executor } from '../../db/executor.js';
import { AppError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { hashRefreshToken, newRefreshToken } from '../../lib/refresh-tokens.js';
import type { AccessTokens } from '../auth/access-tokens.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Throttle } from '../throttle/throttle.js';
import type { UserRow } from '../users/users-repository.js';
import type { PrincipalCache } from './principal-cache.js';
import type { SessionRow, SessionsRepository } from './sessions-repository.js';

export interface SessionSettings {
  idleTimeoutMs: number;
  absoluteLifetimeMs: number;
  /** Several tabs refreshing with one token at once must not log the user out. */
  reuseGraceMs: number;
}

export interface ClientInfo {
  ip: string;
  userAgent: string | undefined;
}

export interface TokenPair {
  token: string;
  refreshToken: string;
  expiresIn: number;
}

export interface SessionsServiceDeps {
  db: Kysely<DB>;
  sessions: SessionsRepository;
  accessTokens: AccessTokens;
  audit: AuditLog;
  throttle: Throttle;
  clock: Clock;
  settings: SessionSettings;
  /** SQLite only (see principal-cache.ts); without it every request reads the database. */
  principals?: PrincipalCache | undefined;
}

const USER_AGENT_LIMIT = 512;

export function createSessionsService(deps: SessionsServiceDeps) {
  const { db, sessions, accessTokens, audit, throttle, clock, settings, principals } = deps;

  function isLive(session: SessionRow, now: Date): boolean {
    return (
      session.revoked_at === null &&
      Date.parse(session.expires_at) > now.getTime() &&
      Date.parse(session.last_used_at) + settings.idleTimeoutMs > now.getTime()
    );
  }

  async function issueRefreshToken(sessionId: string, parentId: string | null, now: string, tx: Executor): Promise<string> {
    const refreshToken = newRefreshToken();
    await sessions.createRefreshToken(
      { id: newId(), session_id: sessionId, token_hash: hashRefreshToken(refreshToken), parent_id: parentId, created_at: now, rotated_at: null },
      tx,
    );
    return refreshToken;
  }

  /** A rotated token may be presented again only within the grace window, and only while none of its children has moved on. */
  async function isGracefulReuse(tokenId: string, rotatedAt: string, now: Date, tx: Executor): Promise<boolean> {
    if (now.getTime() - Date.parse(rotatedAt) > settings.reuseGraceMs) return false;
    return !(await sessions.hasRotatedChild(tokenId, tx));
  }

  type RefreshOutcome = { ok: true; userId: string; sessionId: string; refreshToken: string } | { ok: false };

  return {
    async start(user: UserRow, client: ClientInfo): Promise<TokenPair & { sessionId: string }> {
      const now = clock.now();
      const iso = now.toISOString();
      const sessionId = newId();
      const refreshToken = await db.transaction().execute(async (tx) => {
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
        return issueRefreshToken(sessionId, null, iso, tx);
      });
      const { token, expiresIn } = await accessTokens.issue(user.id, sessionId);
      return { token, refreshToken, expiresIn, sessionId };
    },

    /** Rotation with reuse detection: a rotated token presented again ends the whole session. */
    async refresh(presented: string, client: ClientInfo): Promise<TokenPair> {
      const now = clock.now();
      const iso = now.toISOString();
      const outcome = await db.transaction().execute(async (tx): Promise<RefreshOutcome> => {
        const row = await sessions.findRefreshToken(hashRefreshToken(presented), tx);
        const session = row && (await sessions.findById(row.session_id, tx));
        if (!row || !session || !isLive(session, now)) return { ok: false };

        const won = row.rotated_at === null && (await sessions.markRotated(row.id, iso, tx));
        if (!won) {
          // Someone exchanged this token before us: a racing tab, or a thief.
          const current = await sessions.findRefreshToken(row.token_hash, tx);
          if (!current?.rotated_at || !(await isGracefulReuse(row.id, current.rotated_at, now, tx))) {
            await sessions.revoke({ id: session.id }, iso, 'refresh_token_reuse', tx);
            await audit.record({ type: 'refresh_reuse_detected', userId: session.user_id, ip: client.ip, sessionId: session.id }, tx);
            return { ok: false };
          }
        }
        // Counted after reuse detection, so a replayed token always ends the session, throttled or not;
        // a throttled refresh rolls back and leaves the presented token unspent.
        await throttle.takeRefresh(session.id);
        await sessions.touch(session.id, iso, tx);
        await audit.record({ type: 'refresh', userId: session.user_id, ip: client.ip, sessionId: session.id }, tx);
        const refreshToken = await issueRefreshToken(session.id, row.id, iso, tx);
        return { ok: true, userId: session.user_id, sessionId: session.id, refreshToken };
      });
      if (!outcome.ok) throw new AppError('INVALID_REFRESH_TOKEN');
      const { token, expiresIn } = await accessTokens.issue(outcome.userId, outcome.sessionId);
      return { token, refreshToken: outcome.refreshToken, expiresIn };
    },

    /** The per-request check: the token's session must be live and its user active. */
    async resolve(userId: string, sessionId: string): Promise<UserRow> {
      const cached = principals?.get(sessionId);
      if (cached) {
        if (cached.id !== userId) throw new AppError('UNAUTHENTICATED');
        return cached;
      }
      const ticket = principals?.ticket();
      const found = await sessions.findWithUser(sessionId);
      const now = clock.now().getTime();
      if (!found || found.id !== userId || found.session_revoked_at !== null || Date.parse(found.session_expires_at) <= now || found.disabled_at !== null) {
        throw new AppError('UNAUTHENTICATED');
      }
      const { session_revoked_at: _revoked, session_expires_at: expiresAt, ...user } = found;
      if (ticket !== undefined) principals?.set(ticket, sessionId, user, Date.parse(expiresAt));
      return user;
    },

    list(userId: string): Promise<SessionRow[]> {
      const now = clock.now();
      return sessions.findLiveByUser(userId, now.toISOString(), new Date(now.getTime() - settings.idleTimeoutMs).toISOString());
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

    async revokeOthers(userId: string, currentSessionId: string, client: ClientInfo): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const revoked = await sessions.revoke({ userId, exceptId: currentSessionId }, clock.now().toISOString(), 'revoked_by_user', tx);
        for (const sessionId of revoked) await audit.record({ type: 'session_revoked', userId, ip: client.ip, sessionId }, tx);
      });
    },

    /** Ends every session of a user (but `exceptId`), inside the caller's transaction. */
    revokeAllOfUser(userId: string, reason: string, tx: Executor, exceptId?: string): Promise<string[]> {
      return sessions.revoke({ userId, ...(exceptId ? { exceptId } : {}) }, clock.now().toISOString(), reason, tx);
    },
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
