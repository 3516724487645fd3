import type { Selectable } from 'kysely';
import { createBatchLoader } from '../../db/batch-loader.js';
import type { Executor } from '../../db/executor.js';
import type { RefreshTokensTable, SessionsTable, UsersTable } from '../../db/schema.js';
import { liveSessionConditions, type LivenessBounds, type SessionTimes } from './policy.js';

export type SessionRow = Selectable<SessionsTable>;
export type RefreshTokenRow = Selectable<RefreshTokensTable>;

/** A user row with the times its session is judged live by (see policy.ts). */
export type SessionWithUser = Selectable<UsersTable> & { session: SessionTimes };

type JoinedRow = Selectable<UsersTable> & {
  session_id: string;
  session_revoked_at: string | null;
  session_expires_at: string;
  session_last_used_at: string;
};

function toSessionWithUser(row: JoinedRow): SessionWithUser {
  const { session_id: _id, session_revoked_at, session_expires_at, session_last_used_at, ...user } = row;
  return { ...user, session: { revoked_at: session_revoked_at, expires_at: session_expires_at, last_used_at: session_last_used_at } };
}

/** `batched`: coalesce the per-request lookups of one event-loop turn into one query (see batch-loader.ts). */
export function createSessionsRepository(db: Executor, options: { batched?: boolean } = {}) {
  function selectWithUser(tx: Executor) {
    return tx
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select([
        'sessions.id as session_id',
        'sessions.revoked_at as session_revoked_at',
        'sessions.expires_at as session_expires_at',
        'sessions.last_used_at as session_last_used_at',
      ]);
  }
  const loader =
    options.batched === true
      ? createBatchLoader(async (ids) => {
          const rows = await selectWithUser(db).where('sessions.id', 'in', ids).execute();
          return new Map(rows.map((row) => [row.session_id, toSessionWithUser(row)]));
        })
      : undefined;

  return {
    async create(session: SessionRow, tx: Executor = db): Promise<void> {
      await tx.insertInto('sessions').values(session).execute();
    },

    findById(id: string, tx: Executor = db): Promise<SessionRow | undefined> {
      return tx.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** The session and its user in one round trip: the per-request check. */
    async findWithUser(id: string, tx?: Executor): Promise<SessionWithUser | undefined> {
      if (loader && !tx) return loader.load(id);
      const found = await selectWithUser(tx ?? db)
        .where('sessions.id', '=', id)
        .executeTakeFirst();
      return found && toSessionWithUser(found);
    },

    /** The user's live sessions, by the same rule as policy.ts's isSessionLive, newest first. */
    findLiveByUser(userId: string, bounds: LivenessBounds, tx: Executor = db): Promise<SessionRow[]> {
      let query = tx.selectFrom('sessions').selectAll().where('user_id', '=', userId);
      for (const [column, operator, value] of liveSessionConditions(bounds)) query = query.where(column, operator, value);
      return query.orderBy('created_at', 'desc').execute();
    },

    /** Moves a session's last use, only while it is not revoked: true when it did. */
    async touchUnrevoked(id: string, lastUsedAt: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .updateTable('sessions')
        .set({ last_used_at: lastUsedAt })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Revokes sessions that are still live; returns the ids it revoked. */
    async revoke(
      filter: { id?: string; userId?: string; exceptId?: string },
      revokedAt: string,
      reason: string,
      tx: Executor = db,
    ): Promise<string[]> {
      let query = tx.updateTable('sessions').set({ revoked_at: revokedAt, revoked_reason: reason }).where('revoked_at', 'is', null);
      if (filter.id !== undefined) query = query.where('id', '=', filter.id);
      if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
      if (filter.exceptId !== undefined) query = query.where('id', '!=', filter.exceptId);
      const rows = await query.returning('id').execute();
      return rows.map((row) => row.id);
    },

    findRefreshToken(tokenHash: string, tx: Executor = db): Promise<RefreshTokenRow | undefined> {
      return tx.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },

    async createRefreshToken(token: RefreshTokenRow, tx: Executor = db): Promise<void> {
      await tx.insertInto('refresh_tokens').values(token).execute();
    },

    /** Marks a token exchanged, only if nobody else did first: true when this call won. */
    async markRotated(id: string, rotatedAt: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .updateTable('refresh_tokens')
        .set({ rotated_at: rotatedAt })
        .where('id', '=', id)
        .where('rotated_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Whether any child of this token has itself been exchanged (the token is then an older ancestor). */
    async hasRotatedChild(parentId: string, tx: Executor = db): Promise<boolean> {
      const row = await tx
        .selectFrom('refresh_tokens')
        .select('id')
        .where('parent_id', '=', parentId)
        .where('rotated_at', 'is not', null)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type SessionsRepository = ReturnType<typeof createSessionsRepository>;
