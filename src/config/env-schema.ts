import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { ConfigError } from './config-error.js';

/** Every environment variable Bindery reads, with its rule and default. */
export const EnvSchema = Type.Object({
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
  // true, false, a hop count or a list of addresses and CIDRs: read by config/trust-proxy.ts.
  TRUST_PROXY: Type.String({ default: 'false' }),
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
  // A request that sends nothing for this long while its headers or body are awaited is closed.
  REQUEST_IDLE_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  // The whole request (headers and body) must arrive within this: long enough for a 10 MiB cover on a slow link.
  REQUEST_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 300 }),
  HEADERS_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 600, default: 30 }),
  MAX_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1024 }),
  MAX_COVER_BYTES: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024 }),
  MAX_COVER_PIXELS: Type.Integer({ minimum: 1, default: 40_000_000 }),
  // Unset: no metrics at all. They are never served on the public port, so they cannot be public by accident.
  METRICS_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  METRICS_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
});
export type Env = Static<typeof EnvSchema>;

/** Reads `.env` (if present) under the real environment, which always wins. */
export function readEnvironment(cwd: string, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const file = resolve(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...env };
}

/**
 * The variables Bindery knows, typed and defaulted, each checked against its own rule; rules across
 * variables are the caller's. `given` lists those actually set: empty strings count as unset.
 */
export function parseEnvironment(raw: Record<string, string | undefined>): { values: Env; given: ReadonlySet<string> } {
  const known = Object.fromEntries(
    Object.keys(EnvSchema.properties)
      .filter((key) => raw[key] !== undefined && raw[key] !== '')
      .map((key) => [key, raw[key]]),
  );
  // Read before Value.Default, which fills defaults into `known` itself.
  const given = new Set(Object.keys(known));
  // Convert would quietly truncate 80.5 to 80 and read 0x1F90 as 8080: integers must be written as integers.
  const notIntegers = Object.entries(known).filter(
    ([key, value]) => (EnvSchema.properties[key as keyof Env] as { type?: unknown }).type === 'integer' && !/^-?\d+$/.test(String(value)),
  );
  if (notIntegers.length > 0) {
    throw new ConfigError(`Invalid configuration: ${notIntegers.map(([key]) => `${key} must be an integer`).join('; ')}`);
  }
  const parsed: unknown = Value.Default(EnvSchema, Value.Convert(EnvSchema, known));
  if (!Value.Check(EnvSchema, parsed)) {
    const problems = [...Value.Errors(EnvSchema, parsed)].map(
      // Never echo the value: it may be a secret.
      (error) => `${error.instancePath.slice(1) || 'environment'} ${error.message}`,
    );
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return { values: parsed, given };
}
