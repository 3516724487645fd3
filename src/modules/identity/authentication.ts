import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { PasswordHasher } from '../../lib/passwords.js';
import type { AccessTokens } from './access-tokens.js';
import type { AuditTrail } from './audit-trail.js';
import { checkNewPassword, normalizeEmail } from './policy.js';
import type { Sessions } from './sessions.js';
import type { LoginAttempt, Throttle } from './throttle/throttle.js';
import type { Account, ClientInfo, Principal, TokenPair } from './types.js';
import type { UsersRepository } from './users-repository.js';

export interface AuthenticationDeps {
  db: Kysely<DB>;
  users: UsersRepository;
  passwords: PasswordHasher;
  accessTokens: AccessTokens;
  sessions: Sessions;
  throttle: Throttle;
  audit: AuditTrail;
  clock: Clock;
}

/** Proving who you are: the password at login and at a password change, the access token on every request. */
export function createAuthentication(deps: AuthenticationDeps) {
  const { db, users, passwords, accessTokens, sessions, throttle, audit, clock } = deps;
  // Unknown emails are checked against this, so they cost exactly what a wrong password costs.
  const dummyHash = passwords.hash(`dummy-${newId()}`);

  /** A check that fails for another reason than the password (a full hashing queue, say) counts as no attempt. */
  async function checked(attempt: LoginAttempt, verify: () => Promise<boolean>): Promise<boolean> {
    try {
      return await verify();
    } catch (error) {
      await attempt.abandoned();
      throw error;
    }
  }

  return {
    /** Unknown email, wrong password and disabled account are one answer, in one time, under one throttle. */
    async login(input: { email: string; password: string }, client: ClientInfo): Promise<TokenPair & { user: Account }> {
      const email = normalizeEmail(input.email);
      const attempt = await throttle.reserveLogin(email, client.ip);
      const user = await users.findByEmail(email);
      const valid = await checked(attempt, async () => passwords.verify(user?.password_hash ?? (await dummyHash), input.password));
      if (!user || !valid || user.disabled_at !== null) {
        await audit.record({ type: 'login_failure', userId: user?.id ?? null, ip: client.ip, sessionId: null });
        throw new AppError('INVALID_CREDENTIALS');
      }
      await attempt.succeeded();
      const { token, refreshToken, expiresIn } = await sessions.start(user, client);
      return { user, token, refreshToken, expiresIn };
    },

    /** The user and session behind a bearer token, or 401: revocation takes effect on the next request. */
    async authenticate(token: string): Promise<Principal> {
      const claims = await accessTokens.verify(token);
      const user = await sessions.resolve(claims.sub, claims.sid);
      return { user, sessionId: claims.sid };
    },

    /** A wrong current password counts as a failed login; success ends every other session. */
    async changePassword(
      principal: Principal,
      input: { current_password: string; new_password: string },
      client: ClientInfo,
    ): Promise<Account> {
      const { user, sessionId } = principal;
      const attempt = await throttle.reserveLogin(user.email, client.ip);
      if (!(await checked(attempt, () => passwords.verify(user.password_hash, input.current_password)))) {
        await audit.record({ type: 'login_failure', userId: user.id, ip: client.ip, sessionId });
        throw new AppError('INVALID_CURRENT_PASSWORD');
      }
      await attempt.succeeded();
      const issues = checkNewPassword(input.new_password, { name: user.name, email: user.email }, 'new_password');
      if (issues.length > 0) throw AppError.validation(issues);
      const passwordHash = await passwords.hash(input.new_password);
      return db.transaction().execute(async (tx) => {
        const updated = await users.update(user.id, { password_hash: passwordHash, updated_at: clock.now().toISOString() }, tx);
        if (!updated) throw new AppError('UNAUTHENTICATED');
        await sessions.endAllInTransaction(user.id, 'password_changed', tx, sessionId);
        await audit.record({ type: 'password_changed', userId: user.id, ip: client.ip, sessionId }, tx);
        return updated;
      });
    },
  };
}

export type Authentication = ReturnType<typeof createAuthentication>;
