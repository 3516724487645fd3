/**
 * The identity module's one face: accounts, credentials, sessions and tokens, throttling and the
 * audit trail. Routes, the CLI and the rest of the app use only what this file exports.
 */
import type { Kysely } from 'kysely';
import type { Dialect, WriteCounters } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import type { PasswordHasher } from '../../lib/passwords.js';
import { createSecretBox } from '../../lib/secret-box.js';
import { createAccessTokens, type AccessTokenOptions } from './access-tokens.js';
import { createAccounts } from './accounts.js';
import { createAuditRepository } from './audit-repository.js';
import { createAuditTrail, type AuditObserver } from './audit-trail.js';
import { createAuthentication } from './authentication.js';
import { preloadPasswordList } from './common-passwords.js';
import { createKeyring } from './keyring.js';
import type { SessionSettings, ThrottleSettings } from './policy.js';
import { createPrincipalCache } from './principal-cache.js';
import { createSuccessors } from './refresh-tokens.js';
import { createSessions } from './sessions.js';
import { createSessionsRepository } from './sessions-repository.js';
import { createSigningKeysRepository } from './signing-keys-repository.js';
import type { FallbackLog } from './throttle/fallback-throttle-store.js';
import { openThrottleStore } from './throttle/open-throttle-store.js';
import { createThrottle } from './throttle/throttle.js';
import { createUsersRepository } from './users-repository.js';

export type { AuditEvent, AuditEventType, AuditObserver } from './audit-trail.js';
export type { PublicJwk } from './keyring.js';
export type { SessionSettings, ThrottleSettings } from './policy.js';
export { NAME_RULES, PASSWORD_RULES } from './policy.js';
export type { SessionRow as Session } from './sessions-repository.js';
export type { FallbackLog as IdentityLog } from './throttle/fallback-throttle-store.js';
export { RedisUnavailableError } from './throttle/redis-throttle-store.js';
export type { Account, ClientInfo, Principal, TokenPair } from './types.js';

export interface IdentitySettings {
  /** Seals the private signing keys at rest. */
  secretKey: string;
  accessTokens: AccessTokenOptions;
  sessions: SessionSettings;
  throttle: ThrottleSettings;
  /** Shares the throttle's counters between instances; unset, each instance counts alone. */
  redis: { url: string; keyPrefix: string } | undefined;
}

export interface IdentityDeps {
  db: Kysely<DB>;
  /**
   * PostgreSQL coalesces the per-request session lookups of one event-loop turn (see batch-loader.ts)
   * and locks rows; SQLite runs one statement at a time on one connection.
   */
  dialect: Dialect;
  /** SQLite only: answers the per-request check from memory, emptied by any write (see principal-cache.ts). */
  writes: WriteCounters | undefined;
  clock: Clock;
  passwords: PasswordHasher;
  log: FallbackLog;
}

/** Retired keys stay valid this much past the token lifetime, for clock skew between instances. */
const RETIRE_LEEWAY_MS = 2 * 60_000;

/** Loads the signing keys (making the first), connects the throttle's store, and wires the module. */
export async function createIdentity(settings: IdentitySettings, deps: IdentityDeps) {
  const { db, clock, passwords } = deps;
  const keyring = createKeyring({
    repository: createSigningKeysRepository(db),
    secretBox: createSecretBox(settings.secretKey, 'signing-keys'),
    clock,
  });
  await keyring.init();
  preloadPasswordList();
  const store = await openThrottleStore({
    redisUrl: settings.redis?.url,
    keyPrefix: settings.redis?.keyPrefix ?? '',
    clock,
    log: deps.log,
  });

  const throttle = createThrottle(clock, settings.throttle, store.store);
  const audit = createAuditTrail(createAuditRepository(db), clock);
  const accessTokens = createAccessTokens({ keyring, clock, options: settings.accessTokens });
  const users = createUsersRepository(db, { lockRows: deps.dialect === 'postgres' });
  const sessions = createSessions({
    db,
    sessions: createSessionsRepository(db, { batched: deps.dialect === 'postgres' }),
    users,
    accessTokens,
    audit,
    throttle,
    clock,
    settings: settings.sessions,
    principals: deps.writes && createPrincipalCache({ clock, writes: deps.writes }),
    successorOf: createSuccessors(settings.secretKey),
  });
  const shared = { db, users, passwords, sessions, throttle, audit, clock };

  return {
    accounts: createAccounts(shared),
    authentication: createAuthentication({ ...shared, accessTokens }),
    sessions,
    audit: {
      listForUser: (userId: string, limit: number) => audit.listForUser(userId, limit),
      subscribe: (observer: AuditObserver) => audit.subscribe(observer),
    },
    keys: {
      /** The public keys as stored now: a rotation by another instance or the CLI shows at once. */
      publicJwks: async () => {
        await keyring.sync();
        return keyring.publicJwks();
      },
      /** A new signing key; the older ones verify until every token they signed has expired. */
      rotate: () => keyring.rotate(settings.accessTokens.ttlSeconds * 1000 + RETIRE_LEEWAY_MS),
    },
    close: store.close,
  };
}

export type Identity = Awaited<ReturnType<typeof createIdentity>>;
