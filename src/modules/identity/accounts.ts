import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../db/errors.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { PasswordHasher } from '../../lib/passwords.js';
import type { AuditTrail } from './audit-trail.js';
import { checkName, checkNewPassword, normalizeEmail, normalizeName } from './policy.js';
import type { Sessions } from './sessions.js';
import type { Throttle } from './throttle/throttle.js';
import type { Account, ClientInfo } from './types.js';
import type { UsersRepository } from './users-repository.js';

export interface AccountsDeps {
  db: Kysely<DB>;
  users: UsersRepository;
  passwords: PasswordHasher;
  sessions: Sessions;
  throttle: Throttle;
  audit: AuditTrail;
  clock: Clock;
}

/** Who the accounts are: registration, the profile, disabling and enabling. */
export function createAccounts(deps: AccountsDeps) {
  const { db, users, passwords, sessions, throttle, audit, clock } = deps;

  return {
    async register(input: { name: string; email: string; password: string }, client: ClientInfo): Promise<Account> {
      await throttle.takeRegistration(client.ip);
      const name = normalizeName(input.name);
      const email = normalizeEmail(input.email);
      const issues = [...checkName(name), ...checkNewPassword(input.password, { name, email })];
      if (issues.length > 0) throw AppError.validation(issues);
      const now = clock.now().toISOString();
      try {
        return await users.create({
          id: newId(),
          name,
          email,
          password_hash: await passwords.hash(input.password),
          disabled_at: null,
          created_at: now,
          updated_at: now,
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('EMAIL_TAKEN');
        throw error;
      }
    },

    async rename(userId: string, rawName: string): Promise<Account> {
      const name = normalizeName(rawName);
      const issues = checkName(name);
      if (issues.length > 0) throw AppError.validation(issues);
      const user = await users.update(userId, { name, updated_at: clock.now().toISOString() });
      if (!user) throw new AppError('UNAUTHENTICATED');
      return user;
    },

    findByEmail(email: string): Promise<Account | undefined> {
      return users.findByEmail(normalizeEmail(email));
    },

    /** Disabling ends every session at once, in the same transaction. `by` is null for an operator. */
    async disable(userId: string, by: { sessionId: string; client: ClientInfo } | null): Promise<void> {
      const now = clock.now().toISOString();
      await db.transaction().execute(async (tx) => {
        await users.update(userId, { disabled_at: now, updated_at: now }, tx);
        await sessions.endAllInTransaction(userId, 'account_disabled', tx);
        await audit.record({ type: 'account_disabled', userId, ip: by?.client.ip ?? null, sessionId: by?.sessionId ?? null }, tx);
      });
    },

    /** Re-enables a disabled account (an operator's action); its old sessions stay ended. */
    async enable(userId: string): Promise<void> {
      const now = clock.now().toISOString();
      await db.transaction().execute(async (tx) => {
        await users.update(userId, { disabled_at: null, updated_at: now }, tx);
        await audit.record({ type: 'account_enabled', userId, ip: null, sessionId: null }, tx);
      });
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
