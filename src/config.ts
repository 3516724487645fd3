import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { type Env, parseEnvironment, readEnvironment } from './config/env-schema.js';
import { ConfigError } from './config/config-error.js';
import { checkGivenSecret, resolveSecretKey } from './config/secret-key.js';
import { parseTrustProxy, type TrustProxy } from './config/trust-proxy.js';
import type { SessionSettings, ThrottleSettings } from './modules/identity/index.js';

export { ConfigError };
export type { TrustProxy };
export { isStrongSecret } from './config/secret-key.js';

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** When set, rate limits are counted in this Redis and so shared by every instance using it. */
  readonly redisUrl: string | undefined;
  /** Prefixes every Redis key, so several deployments can share one Redis. */
  readonly redisKeyPrefix: string;
  /** SECRET_KEY, or outside production the one generated into DATA_DIR/secret-key. */
  readonly secretKey: string;
  /** The public origin of image URLs; required in production, where the Host header is not trusted for it. */
  readonly publicUrl: string | undefined;
  readonly trustProxy: TrustProxy;
  /** Limits on each connection and request, against stalled and slow clients (see plugins/connections.ts). */
  readonly http: {
    readonly idleTimeoutMs: number;
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
    readonly maxConnections: number;
  };
  readonly accessTokenTtlSeconds: number;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly maxCoverBytes: number;
  readonly maxCoverPixels: number;
  /** How long requests in flight may take to finish after SIGTERM/SIGINT. */
  readonly shutdownTimeoutMs: number;
  /** argon2 hashes computed at once; the rest queue (see lib/passwords.ts). */
  readonly passwordHashConcurrency: number;
  /** Where `GET /metrics` listens, on a listener of its own; undefined when metrics are off. */
  readonly metrics: { readonly host: string; readonly port: number } | undefined;
  /** How long a PostgreSQL query may go unanswered before the request gets 503 (migrations excepted). */
  readonly databaseQueryTimeoutMs: number;
  readonly sessions: Readonly<SessionSettings>;
  readonly throttle: Readonly<ThrottleSettings>;
}

/** Freezes `value` and every object inside it, so no part of the config can change after boot. */
function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) if (typeof inner === 'object' && inner !== null) deepFreeze(inner as object);
  return Object.freeze(value);
}

/**
 * The environment (and `.env` in `cwd`), validated once into the frozen config. Fails with a ConfigError
 * naming the variable. Outside production, with no SECRET_KEY, it reads or creates DATA_DIR/secret-key,
 * and only once everything else is known to be valid.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const { values, given } = parseEnvironment(readEnvironment(cwd, env));
  checkGivenSecret(values.SECRET_KEY);
  // An access token must not outlive the idle timeout of the session it belongs to.
  if (values.ACCESS_TOKEN_TTL_SECONDS >= values.SESSION_IDLE_TIMEOUT_SECONDS) {
    throw new ConfigError('Invalid configuration: ACCESS_TOKEN_TTL_SECONDS must be shorter than SESSION_IDLE_TIMEOUT_SECONDS');
  }
  // METRICS_HOST alone is a half-done setup: without a port, metrics would silently stay off.
  if (given.has('METRICS_HOST') && values.METRICS_PORT === undefined) {
    throw new ConfigError('Invalid configuration: METRICS_HOST is set but METRICS_PORT is not');
  }
  if (values.METRICS_PORT !== undefined && values.METRICS_PORT !== 0 && values.METRICS_PORT === values.PORT) {
    throw new ConfigError('Invalid configuration: METRICS_PORT must differ from PORT');
  }
  // Node refuses a headers timeout longer than the request timeout.
  if (values.HEADERS_TIMEOUT_SECONDS > values.REQUEST_TIMEOUT_SECONDS) {
    throw new ConfigError('Invalid configuration: HEADERS_TIMEOUT_SECONDS must not be longer than REQUEST_TIMEOUT_SECONDS');
  }
  const trustProxy = parseTrustProxy(values.TRUST_PROXY);
  const dataDir = resolve(cwd, values.DATA_DIR);
  const secretKey = resolveSecretKey(values.SECRET_KEY, values.NODE_ENV === 'production', dataDir);
  // Without it, image URLs would be built from the request's Host header, which any client chooses.
  if (values.NODE_ENV === 'production' && values.PUBLIC_URL === undefined) {
    throw new ConfigError('Invalid configuration: PUBLIC_URL is required when NODE_ENV=production (the public origin of image URLs)');
  }
  return deepFreeze({
    env: values.NODE_ENV,
    host: values.HOST,
    port: values.PORT,
    logLevel: values.LOG_LEVEL,
    dataDir,
    databaseUrl: values.DATABASE_URL,
    redisUrl: values.REDIS_URL,
    redisKeyPrefix: values.REDIS_KEY_PREFIX,
    secretKey,
    publicUrl: values.PUBLIC_URL?.replace(/\/+$/, ''),
    trustProxy,
    http: {
      idleTimeoutMs: values.REQUEST_IDLE_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: values.REQUEST_TIMEOUT_SECONDS * 1000,
      headersTimeoutMs: values.HEADERS_TIMEOUT_SECONDS * 1000,
      maxConnections: values.MAX_CONNECTIONS,
    },
    accessTokenTtlSeconds: values.ACCESS_TOKEN_TTL_SECONDS,
    jwtIssuer: values.JWT_ISSUER,
    jwtAudience: values.JWT_AUDIENCE,
    maxCoverBytes: values.MAX_COVER_BYTES,
    maxCoverPixels: values.MAX_COVER_PIXELS,
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    // One core is left to the event loop, so a login storm cannot slow every other request.
    passwordHashConcurrency: values.PASSWORD_HASH_CONCURRENCY ?? Math.max(1, availableParallelism() - 1),
    metrics: values.METRICS_PORT === undefined ? undefined : { host: values.METRICS_HOST, port: values.METRICS_PORT },
    databaseQueryTimeoutMs: values.DATABASE_QUERY_TIMEOUT_SECONDS * 1000,
    sessions: {
      idleTimeoutMs: values.SESSION_IDLE_TIMEOUT_SECONDS * 1000,
      absoluteLifetimeMs: values.SESSION_LIFETIME_SECONDS * 1000,
      reuseGraceMs: values.REFRESH_REUSE_GRACE_SECONDS * 1000,
    },
    throttle: {
      accountFreeFailures: values.LOGIN_FREE_FAILURES,
      accountBaseDelayMs: 1000,
      accountMaxDelayMs: values.LOGIN_MAX_DELAY_SECONDS * 1000,
      ipFailures: values.LOGIN_IP_FAILURES,
      ipWindowMs: values.LOGIN_IP_WINDOW_SECONDS * 1000,
      accountFailures: values.LOGIN_ACCOUNT_FAILURES_PER_HOUR,
      accountFailuresWindowMs: 3600 * 1000,
      registrations: values.REGISTRATIONS_PER_IP_PER_HOUR,
      registrationWindowMs: 3600 * 1000,
      refreshes: values.REFRESHES_PER_SESSION_PER_MINUTE,
      refreshWindowMs: 60 * 1000,
    },
  });
}
