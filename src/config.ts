import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import type { SessionSettings, ThrottleSettings } from './modules/identity/index.js';

const EnvSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
  }),
  HOST: Type.String({ minLength: 1, default: 'localhost' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  LOG_LEVEL: Type.Unsafe<string>({ type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' }),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  REDIS_KEY_PREFIX: Type.String({ minLength: 1, maxLength: 100, default: 'bindery:' }),
  SECRET_KEY: Type.Optional(Type.String()),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  TRUST_PROXY: Type.Boolean({ default: false }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 86_400, default: 900 }),
  JWT_ISSUER: Type.String({ minLength: 1, default: 'bindery' }),
  JWT_AUDIENCE: Type.String({ minLength: 1, default: 'bindery' }),
  SESSION_IDLE_TIMEOUT_SECONDS: Type.Integer({ minimum: 60, default: 7 * 24 * 3600 }),
  SESSION_LIFETIME_SECONDS: Type.Integer({ minimum: 60, default: 30 * 24 * 3600 }),
  REFRESH_REUSE_GRACE_SECONDS: Type.Integer({ minimum: 0, maximum: 300, default: 10 }),
  LOGIN_FREE_FAILURES: Type.Integer({ minimum: 1, default: 5 }),
  LOGIN_MAX_DELAY_SECONDS: Type.Integer({ minimum: 1, default: 900 }),
  LOGIN_IP_FAILURES: Type.Integer({ minimum: 1, default: 50 }),
  LOGIN_IP_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 900 }),
  LOGIN_ACCOUNT_FAILURES_PER_HOUR: Type.Integer({ minimum: 1, default: 100 }),
  REGISTRATIONS_PER_IP_PER_HOUR: Type.Integer({ minimum: 1, default: 50 }),
  REFRESHES_PER_SESSION_PER_MINUTE: Type.Integer({ minimum: 1, default: 60 }),
  PASSWORD_HASH_CONCURRENCY: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  SHUTDOWN_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 600, default: 10 }),
  DATABASE_QUERY_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 600, default: 10 }),
  MAX_COVER_BYTES: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024 }),
  MAX_COVER_PIXELS: Type.Integer({ minimum: 1, default: 40_000_000 }),
  // Unset: no metrics at all. They are never served on the public port, so they cannot be public by accident.
  METRICS_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  METRICS_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
});
type Env = Static<typeof EnvSchema>;

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
  /** Undefined only outside production; server start then provides a generated one. */
  readonly secretKey: string | undefined;
  readonly publicUrl: string | undefined;
  readonly trustProxy: boolean;
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
  readonly sessions: SessionSettings;
  readonly throttle: ThrottleSettings;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const MIN_SECRET_LENGTH = 32;

/** A secret is strong when it is long and not a repeated or trivially patterned string. */
export function isStrongSecret(secret: string): boolean {
  return secret.length >= MIN_SECRET_LENGTH && new Set(secret).size >= 10 && !/^(.+?)\1+$/s.test(secret);
}

/** Reads `.env` (if present) under the real environment, which always wins. */
function readEnvironment(cwd: string, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const file = resolve(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...env };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const raw = readEnvironment(cwd, env);
  const known = Object.fromEntries(
    Object.keys(EnvSchema.properties)
      .filter((key) => raw[key] !== undefined && raw[key] !== '')
      .map((key) => [key, raw[key]]),
  );
  // Convert would quietly truncate 80.5 to 80 and read 0x1F90 as 8080: integers must be written as integers.
  const notIntegers = Object.entries(known).filter(
    ([key, value]) => (EnvSchema.properties[key as keyof Env] as { type?: unknown }).type === 'integer' && !/^-?\d+$/.test(String(value)),
  );
  if (notIntegers.length > 0) {
    throw new ConfigError(`Invalid configuration: ${notIntegers.map(([key]) => `${key} must be an integer`).join('; ')}`);
  }
  // Read before Value.Default, which fills defaults into `known` itself.
  const metricsHostGiven = known.METRICS_HOST !== undefined;
  const parsed: unknown = Value.Default(EnvSchema, Value.Convert(EnvSchema, known));
  if (!Value.Check(EnvSchema, parsed)) {
    const problems = [...Value.Errors(EnvSchema, parsed)].map(
      // Never echo the value: it may be a secret.
      (error) => `${error.instancePath.slice(1) || 'environment'} ${error.message}`,
    );
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const values = parsed;
  if (values.SECRET_KEY !== undefined && !isStrongSecret(values.SECRET_KEY)) {
    throw new ConfigError(
      `Invalid configuration: SECRET_KEY must be at least ${MIN_SECRET_LENGTH} characters of varied content`,
    );
  }
  // An access token must not outlive the idle timeout of the session it belongs to.
  if (values.ACCESS_TOKEN_TTL_SECONDS >= values.SESSION_IDLE_TIMEOUT_SECONDS) {
    throw new ConfigError('Invalid configuration: ACCESS_TOKEN_TTL_SECONDS must be shorter than SESSION_IDLE_TIMEOUT_SECONDS');
  }
  // METRICS_HOST alone is a half-done setup: without a port, metrics would silently stay off.
  if (metricsHostGiven && values.METRICS_PORT === undefined) {
    throw new ConfigError('Invalid configuration: METRICS_HOST is set but METRICS_PORT is not');
  }
  if (values.METRICS_PORT !== undefined && values.METRICS_PORT !== 0 && values.METRICS_PORT === values.PORT) {
    throw new ConfigError('Invalid configuration: METRICS_PORT must differ from PORT');
  }
  if (values.NODE_ENV === 'production' && values.SECRET_KEY === undefined) {
    throw new ConfigError('Invalid configuration: SECRET_KEY is required when NODE_ENV=production');
  }
  return Object.freeze({
    env: values.NODE_ENV,
    host: values.HOST,
    port: values.PORT,
    logLevel: values.LOG_LEVEL,
    dataDir: resolve(cwd, values.DATA_DIR),
    databaseUrl: values.DATABASE_URL,
    redisUrl: values.REDIS_URL,
    redisKeyPrefix: values.REDIS_KEY_PREFIX,
    secretKey: values.SECRET_KEY,
    publicUrl: values.PUBLIC_URL?.replace(/\/+$/, ''),
    trustProxy: values.TRUST_PROXY,
    accessTokenTtlSeconds: values.ACCESS_TOKEN_TTL_SECONDS,
    jwtIssuer: values.JWT_ISSUER,
    jwtAudience: values.JWT_AUDIENCE,
    maxCoverBytes: values.MAX_COVER_BYTES,
    maxCoverPixels: values.MAX_COVER_PIXELS,
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    // One core is left to the event loop, so a login storm cannot slow every other request.
    passwordHashConcurrency: values.PASSWORD_HASH_CONCURRENCY ?? Math.max(1, availableParallelism() - 1),
    metrics: values.METRICS_PORT === undefined ? undefined : Object.freeze({ host: values.METRICS_HOST, port: values.METRICS_PORT }),
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
