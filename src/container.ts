import type { Config } from './config.js';
import { createDatabase, sqliteFileIn, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createImageProcessor, type ImageProcessor } from './lib/images.js';
import { instrumentImageProcessor, type Metrics } from './lib/metrics.js';
import { preloadPasswordList } from './lib/password-policy.js';
import { createArgon2Hasher, OWASP_ARGON2, type PasswordHasher } from './lib/passwords.js';
import { createSecretBox } from './lib/secret-box.js';
import { createAuditLog } from './services/audit/audit-log.js';
import { createAccessTokens } from './services/auth/access-tokens.js';
import { createAuthService } from './services/auth/auth-service.js';
import { createKeyring } from './services/auth/keyring.js';
import { createSigningKeysRepository } from './services/auth/signing-keys-repository.js';
import { coverPolicy, createLibrary, type CoverStore } from './modules/library/index.js';
import { createPrincipalCache } from './services/sessions/principal-cache.js';
import { createSessionsRepository } from './services/sessions/sessions-repository.js';
import { createSessionsService } from './services/sessions/sessions-service.js';
import type { FallbackLog } from './services/throttle/fallback-throttle-store.js';
import { openThrottleStore } from './services/throttle/open-throttle-store.js';
import { createThrottle } from './services/throttle/throttle.js';
import { createUsersRepository } from './services/users/users-repository.js';
import { createUsersService } from './services/users/users-service.js';

/** A few seconds of logins at OWASP cost on one core: a client waiting longer would give up anyway. */
const MAX_WAITING_HASHES = 256;

export type ResolvedConfig = Config & { secretKey: string };

/** Everything nondeterministic or external, so tests can substitute it. */
export interface ContainerDeps {
  database?: Database;
  clock?: Clock;
  passwords?: PasswordHasher;
  images?: ImageProcessor;
  /** Where cover renditions live: the database (cover_images) when absent; an object store is another CoverStore. */
  covers?: CoverStore;
  /** Given only when metrics are on: then the audit log, covers and the pool report to it. */
  metrics?: Metrics;
  /** Receives the Redis outage warnings; silent when absent. */
  log?: FallbackLog;
}

const silentLog: FallbackLog = { warn: () => undefined, info: () => undefined };

/**
 * The composition root: opens the database, applies migrations, loads the signing keys and wires
 * every service. The HTTP app and the admin CLI are both built on it.
 */
export async function createContainer(config: ResolvedConfig, deps: ContainerDeps = {}) {
  const location = { databaseUrl: config.databaseUrl, sqliteFile: sqliteFileIn(config.dataDir) };
  const ownsDatabase = deps.database === undefined;
  // Migrations get a connection of their own without the query timeout: building an index, or waiting
  // for another instance's migration to finish, may legitimately take longer than any request should.
  const migrating = deps.database ?? createDatabase({ ...location, poolSize: 1 });
  try {
    await migrateToLatest(migrating);
  } finally {
    if (ownsDatabase) await migrating.destroy();
  }
  const database = deps.database ?? createDatabase({ ...location, queryTimeoutMs: config.databaseQueryTimeoutMs });
  let closeThrottleStore = () => Promise.resolve();
  const close = async () => {
    await closeThrottleStore();
    if (ownsDatabase) await database.destroy();
  };
  const clock = deps.clock ?? systemClock;
  const { db } = database;
  const { metrics } = deps;
  if (metrics && database.poolStats) metrics.observePool(database.poolStats);

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
  const passwords = deps.passwords ?? createArgon2Hasher(OWASP_ARGON2, { concurrency: config.passwordHashConcurrency, maxWaiting: MAX_WAITING_HASHES });
  const throttle = createThrottle(clock, config.throttle, opened.store);
  // Counted when the audit row is written, which inside a transaction is before the commit: only a database
  // failure between that insert and the commit un-does a counted event. Rare, and it shows as a 5xx anyway.
  const audit = createAuditLog(db, clock, metrics?.countAuditEvent);
  const sessions = createSessionsService({
    db,
    sessions: createSessionsRepository(db, { batched: database.dialect === 'postgres' }),
    accessTokens,
    audit,
    throttle,
    clock,
    settings: config.sessions,
    principals: database.writes && createPrincipalCache({ clock, writes: database.writes }),
  });
  const auth = createAuthService({ db, users: usersRepository, passwords, accessTokens, sessions, throttle, audit, clock });
  const users = createUsersService({ db, users: usersRepository, passwords, sessions, throttle, audit, clock });
  const coverRules = coverPolicy(config);
  const images = deps.images ?? createImageProcessor(coverRules.image);
  const books = createLibrary({
    db,
    dialect: database.dialect,
    coverPolicy: coverRules,
    covers: deps.covers,
    images: metrics ? instrumentImageProcessor(images, metrics) : images,
    clock,
    log: deps.log,
  });

  return { config, database, clock, keyring, usersRepository, audit, sessions, auth, users, books, close };
}

export type Container = Awaited<ReturnType<typeof createContainer>>;
