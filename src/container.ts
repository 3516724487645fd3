import type { Config } from './config.js';
import { createDatabase, sqliteFileIn, type Database } from './db/database.js';
import { isMigrated, migrateToLatest } from './db/migrate.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createImageProcessor, type ImageProcessor } from './lib/images.js';
import { instrumentImageProcessor, type Metrics } from './lib/metrics.js';
import { createArgon2Hasher, OWASP_ARGON2, type PasswordHasher } from './lib/passwords.js';
import { createIdentity, type AuditEventType, type IdentityLog } from './modules/identity/index.js';
import { coverPolicy, createLibrary, type CoverStore } from './modules/library/index.js';

/** A few seconds of logins at OWASP cost on one core: a client waiting longer would give up anyway. */
const MAX_WAITING_HASHES = 256;

/** Everything nondeterministic or external, so tests can substitute it. */
export interface ContainerDeps {
  database?: Database;
  clock?: Clock;
  passwords?: PasswordHasher;
  images?: ImageProcessor;
  /** Where cover renditions live: the database (cover_images) when absent; an object store is another CoverStore. */
  covers?: CoverStore;
  /** Given only when metrics are on: then the audit trail, covers and the pool report to it. */
  metrics?: Metrics;
  /** Receives Redis outage warnings and cover-sweep reports; silent when absent. */
  log?: IdentityLog;
}

const silentLog: IdentityLog = { warn: () => undefined, info: () => undefined };

/** The audit events that metrics count; metrics know nothing of the audit trail's vocabulary. */
function countInMetrics(metrics: Metrics) {
  return (type: AuditEventType): void => {
    if (type === 'login_success') metrics.countLogin('success');
    else if (type === 'login_failure') metrics.countLogin('failure');
    else if (type === 'refresh') metrics.countRefresh();
    else if (type === 'refresh_reuse_detected') metrics.countRefreshReuse();
  };
}

/**
 * The composition root: opens the database, applies migrations, and wires the modules. The HTTP app
 * and the admin CLI are both built on it.
 */
export async function createContainer(config: Config, deps: ContainerDeps = {}) {
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
  const closeDatabase = async () => {
    if (ownsDatabase) await database.destroy();
  };
  const clock = deps.clock ?? systemClock;
  const { db } = database;
  const { metrics } = deps;
  if (metrics && database.poolStats) metrics.observePool(database.poolStats);

  const identity = await createIdentity(
    {
      secretKey: config.secretKey,
      accessTokens: { issuer: config.jwtIssuer, audience: config.jwtAudience, ttlSeconds: config.accessTokenTtlSeconds },
      sessions: config.sessions,
      throttle: config.throttle,
      redis: config.redisUrl === undefined ? undefined : { url: config.redisUrl, keyPrefix: config.redisKeyPrefix },
    },
    {
      db,
      dialect: database.dialect,
      writes: database.writes,
      clock,
      passwords:
        deps.passwords ?? createArgon2Hasher(OWASP_ARGON2, { concurrency: config.passwordHashConcurrency, maxWaiting: MAX_WAITING_HASHES }),
      log: deps.log ?? silentLog,
    },
  ).catch(async (error: unknown) => {
    await closeDatabase();
    throw error;
  });
  if (metrics) identity.audit.subscribe(countInMetrics(metrics));

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

  const close = async () => {
    await identity.close();
    await closeDatabase();
  };
  /** Ready when the database answers and has every migration of this version; throws when it does not answer. */
  const isReady = () => isMigrated(database);

  return { config, database, clock, identity, books, isReady, close };
}

export type Container = Awaited<ReturnType<typeof createContainer>>;
