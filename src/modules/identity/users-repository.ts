import type { Selectable } from 'kysely';
import type { Executor } from '../../db/executor.js';
import type { UsersTable } from '../../db/schema.js';

export type UserRow = Selectable<UsersTable>;

export function createUsersRepository(db: Executor) {
  return {
    findById(id: string, tx: Executor = db): Promise<UserRow | undefined> {
      return tx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
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
