import type { Selectable } from 'kysely';
import type { Executor } from '../../db/executor.js';
import type { UsersTable } from '../../db/schema.js';

export type UserRow = Selectable<UsersTable>;

/** `lockRows`: the database takes row locks (PostgreSQL); SQLite serialises whole transactions instead. */
export function createUsersRepository(db: Executor, options: { lockRows: boolean }) {
  return {
    findById(id: string, tx: Executor = db): Promise<UserRow | undefined> {
      return tx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /**
     * The user, read inside `tx` so that a change committed by another transaction (a disable, a
     * password change) is either seen here or waits until this transaction ends.
     */
    findForUpdate(id: string, tx: Executor): Promise<UserRow | undefined> {
      const query = tx.selectFrom('users').selectAll().where('id', '=', id);
      return (options.lockRows ? query.forUpdate() : query).executeTakeFirst();
    },

    findByEmail(email: string, tx: Executor = db): Promise<UserRow | undefined> {
      return tx.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    },

    async create(user: UserRow, tx: Executor = db): Promise<UserRow> {
      await tx.insertInto('users').values(user).execute();
      return user;
    },

    update(
      id: string,
      changes: Partial<Pick<UserRow, 'name' | 'disabled_at' | 'password_hash' | 'updated_at'>>,
      tx: Executor = db,
    ): Promise<UserRow | undefined> {
      return tx.updateTable('users').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
