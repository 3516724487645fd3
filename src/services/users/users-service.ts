import { isUniqueViolation } from '../../db/errors.js';
import { AppError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { PasswordHasher } from '../../lib/passwords.js';
import type { AccessTokens } from '../auth/access-tokens.js';
import { checkName, checkNewPassword, normalizeEmail, normalizeName } from './user-rules.js';
import type { UserRow, UsersRepository } from './users-repository.js';

export interface UsersServiceDeps {
  users: UsersRepository;
  passwords: PasswordHasher;
  accessTokens: AccessTokens;
  clock: Clock;
}

export function createUsersService(deps: UsersServiceDeps) {
  const { users, passwords, accessTokens, clock } = deps;
  // Unknown emails are checked against this, so they cost exactly what a wrong password costs.
  const dummyHash = passwords.hash(`dummy-${newId()}`);

  async function requireActive(userId: string): Promise<UserRow> {
    const user = await users.findById(userId);
    if (!user || user.disabled_at !== null) throw new AppError('UNAUTHENTICATED');
    return user;
  }

  return {
    async register(input: { name: string; email: string; password: string }): Promise<UserRow> {
      const name = normalizeName(input.name);
      const issues = [...checkName(name), ...checkNewPassword(input.password)];
      if (issues.length > 0) throw AppError.validation(issues);
      const now = clock.now().toISOString();
      try {
        return await users.create({
          id: newId(),
          name,
          email: normalizeEmail(input.email),
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

    /** Unknown email, wrong password and disabled account are one answer, in one time. */
    async login(input: { email: string; password: string }) {
      const user = await users.findByEmail(normalizeEmail(input.email));
      const valid = await passwords.verify(user?.password_hash ?? (await dummyHash), input.password);
      if (!user || !valid || user.disabled_at !== null) throw new AppError('INVALID_CREDENTIALS');
      const { token, expiresIn } = await accessTokens.issue(user.id);
      return { user, token, expiresIn };
    },

    /** The user behind a bearer token, or 401: a disabled account's tokens stop working at once. */
    async authenticate(token: string): Promise<UserRow> {
      const claims = await accessTokens.verify(token);
      return requireActive(claims.sub);
    },

    async rename(userId: string, rawName: string): Promise<UserRow> {
      const name = normalizeName(rawName);
      const issues = checkName(name);
      if (issues.length > 0) throw AppError.validation(issues);
      const user = await users.update(userId, { name, updated_at: clock.now().toISOString() });
      if (!user) throw new AppError('UNAUTHENTICATED');
      return user;
    },

    async disable(userId: string): Promise<void> {
      const now = clock.now().toISOString();
      await users.update(userId, { disabled_at: now, updated_at: now });
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
