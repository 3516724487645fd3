import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { PasswordHasher } from '../../lib/passwords.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ClientInfo, SessionsService } from '../sessions/sessions-service.js';
import type { Throttle } from '../throttle/throttle.js';
import { checkNewPassword, normalizeEmail } from '../users/user-rules.js';
import type { UserRow, UsersRepository } from '../users/users-repository.js';
import type { AccessTokens } from './access-tokens.js';

export interface AuthServiceDeps {
  db: Kysely<DB>;
  users: UsersRepository;
  passwords: PasswordHasher;
  accessTokens: AccessTokens;
  sessions: SessionsService;
  throttle: Throttle;
  audit: AuditLog;
  clock: Clock;
}

export interface Principal {
  user: UserRow;
  sessionId: string;
}

export function createAuthService(deps: AuthServiceDeps) {
  const { db, users, passwords, accessTokens, sessions, throttle, audit, clock } = deps;
  // Unknown emails are checked against this, so they cost exactly what a wrong password costs.
  const dummyHash = passwords.hash(`dummy-${newId()}`);

  return {
    /** Unknown email, wrong password and disabled account are one answer, in one time, under one throttle. */
    async login(input: { email: string; password: string }, client: ClientInfo) {
      const email = normalizeEmail(input.email);
      await throttle.assertLoginAllowed(email, client.ip);
      const user = await users.findByEmail(email);
      const valid = await passwords.verify(user?.password_hash ?? (await dummyHash), input.password);
      if (!user || !valid || user.disabled_at !== null) {
        await throttle.recordLoginFailure(email, client.ip);
        await audit.record({ type: 'login_failure', userId: user?.id ?? null, ip: client.ip, sessionId: null });
        throw new AppError('INVALID_CREDENTIALS');
      }
      await throttle.recordLoginSuccess(email);
      const pair = await sessions.start(user, client);
      return { user, ...pair };
    },

    /** The user and session behind a bearer token, or 401: revocation takes effect on the next request. */
    async authenticate(token: string): Promise<Principal> {
      const claims = await accessTokens.verify(token);
      const user = await sessions.resolve(claims.sub, claims.sid);
      return { user, sessionId: claims.sid };
    },

    /** A wrong current password counts as a failed login; success ends every other session. */
    async changePassword(principal: Principal, input: { current_password: string; new_password: string }, client: ClientInfo): Promise<UserRow> {
      const { user, sessionId } = principal;
      await throttle.assertLoginAllowed(user.email, client.ip);
      if (!(await passwords.verify(user.password_hash, input.current_password))) {
        await throttle.recordLoginFailure(user.email, client.ip);
        await audit.record({ type: 'login_failure', userId: user.id, ip: client.ip, sessionId });
        throw new AppError('INVALID_CURRENT_PASSWORD');
      }
      const issues = checkNewPassword(input.new_password, 'new_password');
      if (issues.length > 0) throw AppError.validation(issues);
      const passwordHash = await passwords.hash(input.new_password);
      return db.transaction().execute(async (tx) => {
        const updated = await users.update(user.id, { password_hash: passwordHash, updated_at: clock.now().toISOString() }, tx);
        if (!updated) throw new AppError('UNAUTHENTICATED');
        await sessions.revokeAllOfUser(user.id, 'password_changed', tx, sessionId);
        await audit.record({ type: 'password_changed', userId: user.id, ip: client.ip, sessionId }, tx);
        return updated;
      });
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
