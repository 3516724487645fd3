import type { Config } from './config.js';
import { createDatabase, sqliteFileIn, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createImageProcessor, type ImageProcessor } from './lib/images.js';
import { preloadPasswordList } from './lib/password-policy.js';
import { createArgon2Hasher, type PasswordHasher } from './lib/passwords.js';
import { createSecretBox } from './lib/secret-box.js';
import { createAuditLog } from './services/audit/audit-log.js';
import { createAccessTokens } from './services/auth/access-tokens.js';
import { createAuthService } from './services/auth/auth-service.js';
import { createKeyring } from './services/auth/keyring.js';
import { createSigningKeysRepository } from './services/auth/signing-keys-repository.js';
import { createBooksRepository } from './services/books/books-repository.js';
import { createBooksService } from './services/books/books-service.js';
import { createDatabaseCoverStore } from './services/books/cover-store.js';
import { createSessionsRepository } from './services/sessions/sessions-repository.js';
import { createSessionsService } from './services/sessions/sessions-service.js';
import type { FallbackLog } from './services/throttle/fallback-throttle-store.js';
import { openThrottleStore } from './services/throttle/open-throttle-store.js';
import { createThrottle } from './services/throttle/throttle.js';
import { createUsersRepository } from './services/users/users-repository.js';
import { createUsersService } from './services/users/users-service.js';

export type ResolvedConfig = Config & { secretKey: string };

/** Everything nondeterministic or external, so tests can substitute it. */
export interface ContainerDeps {
  database?: Database;
  clock?: Clock;
  passwords?: PasswordHasher;
  images?: ImageProcessor;
  /** Receives the Redis outage warnings; silent when absent. */
  log?: FallbackLog;
}

const silentLog: FallbackLog = { warn: () => undefined, info: () => undefined };

/**
 * The composition root: opens the database, applies migrations, loads the signing keys and wires
 * every service. The HTTP app and the admin CLI are both built on it.
 */
export async function createContainer(config: ResolvedConfig, deps: ContainerDeps = {}) {
  const database = deps.database ?? createDatabase({ databaseUrl: config.databaseUrl, sqliteFile: sqliteFileIn(config.dataDir) });
  const ownsDatabase = deps.database === undefined;
  let closeThrottleStore = () => Promise.resolve();
  const close = async () => {
    await closeThrottleStore();
    if (ownsDatabase) await database.destroy();
  };
  try {
    await migrateToLatest(database);
  } catch (error) {
    await close();
    throw error;
  }
  const clock = deps.clock ?? systemClock;
  const { db } = database;

  const keyring = createKeyring({
    repository: createSigningKeysRepository(db),
    secretBox: createSecretBox(config.secretKey, 'signing-keys'),
    clock,
  });
  try {
    await keyring.init();
  } catch (error) {
    await close();
    throw error;
  }
  preloadPasswordList();
  const opened = await openThrottleStore({
    redisUrl: config.redisUrl,
    keyPrefix: config.redisKeyPrefix,
    clock,
    log: deps.log ?? silentLog,
  }).catch(async (error: unknown) => {
    await close();
    throw error;
  });
  closeThrottleStore = opened.close;

  const accessTokens = createAccessTokens({
    keyring,
    clock,
    options: { issuer: config.jwtIssuer, audience: config.jwtAudience, ttlSeconds: config.accessTokenTtlSeconds },
  });
  const usersRepository = createUsersRepository(db);
  const passwords = deps.passwords ?? createArgon2Hasher();
  const throttle = createThrottle(clock, config.throttle, opened.store);
  const audit = createAuditLog(db, clock);
  const sessions = createSessionsService({
    db,
    sessions: createSessionsRepository(db),
    accessTokens,
    audit,
    throttle,
    clock,
    settings: config.sessions,
  });
  const auth = createAuthService({ db, users: usersRepository, passwords, accessTokens, sessions, throttle, audit, clock });
  const users = createUsersService({ db, users: usersRepository, passwords, sessions, throttle, audit, clock });
  const books = createBooksService({
    db,
    books: createBooksRepository(db, database.dialect),
    covers: createDatabaseCoverStore(db),
    images: deps.images ?? createImageProcessor({ maxPixels: config.maxCoverPixels }),
    clock,
  });

  return { config, database, clock, keyring, usersRepository, audit, sessions, auth, users, books, close };
}

export type Container = Awaited<ReturnType<typeof createContainer>>;
