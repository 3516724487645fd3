import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { buildApp, type AppDeps } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createDatabase, type Database } from '../../src/db/database.js';
import type { Clock } from '../../src/lib/clock.js';
import { createArgon2Hasher } from '../../src/lib/passwords.js';
import { encodeMultipart, type FilePart } from './multipart.js';

/** Cheap argon2id parameters: the real code path, at test speed. */
export const testPasswords = createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** The config of a test app: loaded like production's (with `env` on top), then `overrides`, frozen again. */
export function testConfig(overrides: Partial<Config> = {}, env: Record<string, string> = {}): Config {
  const base = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SECRET_KEY: TEST_SECRET, ...env }, '/nonexistent');
  return Object.freeze({ ...base, ...overrides });
}

/** A clock that moves only when a test says so. */
export function fakeClock(start = new Date('2030-01-01T00:00:00.000Z')) {
  let now = start.getTime();
  const clock: Clock & { advance(ms: number): void; set(date: Date): void } = {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
    set(date) {
      now = date.getTime();
    },
  };
  return clock;
}

/**
 * A fresh database for one test: SQLite in memory, or, when TEST_DATABASE_URL is set,
 * a schema of its own on that PostgreSQL, dropped afterwards.
 */
export async function testDatabase(t: TestContext): Promise<Database> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const database = createDatabase({ sqliteFile: ':memory:' });
    t.after(() => database.destroy());
    return database;
  }
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = createDatabase({ databaseUrl: url, poolSize: 1 });
  await sql`create schema ${sql.id(schema)}`.execute(admin.db);
  const database = createDatabase({ databaseUrl: url, searchPath: schema, poolSize: 10 });
  t.after(async () => {
    await database.destroy();
    await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db);
    await admin.destroy();
  });
  return database;
}

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  clock: ReturnType<typeof fakeClock>;
}

/** The real app on a fresh database, closed when the test ends. */
export async function buildTestApp(
  t: TestContext,
  options: { config?: Partial<Config>; deps?: AppDeps; database?: Database } = {},
): Promise<TestApp> {
  const database = options.database ?? (await testDatabase(t));
  const clock = fakeClock();
  const app = await buildApp(testConfig(options.config), {
    database,
    clock,
    passwords: testPasswords,
    logger: false,
    ...options.deps,
  });
  t.after(() => app.close());
  return { app, database, clock };
}

export type Response = LightMyRequestResponse;

export function json<T = { message: string; data: unknown; error?: string; code?: string; details?: unknown }>(response: Response): T {
  return response.json<T>();
}

let counter = 0;
/** A valid, unique registration body. */
export function newUser(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    name: 'Ada Lovelace',
    email: `ada.${process.pid}.${counter}.${randomBytes(3).toString('hex')}@example.com`,
    password: 'Tr1cky-Lantern-42',
    ...overrides,
  };
}

export interface Session {
  user: { _id: string; email: string; name: string };
  token: string;
  password: string;
  auth: { authorization: string };
}

/** Registers and logs in a fresh user. */
export async function signUp(app: FastifyInstance, overrides: Record<string, unknown> = {}): Promise<Session> {
  const body = newUser(overrides);
  const created = await app.inject({ method: 'POST', url: '/users/', payload: body });
  if (created.statusCode !== 201) throw new Error(`register failed: ${created.statusCode} ${created.body}`);
  const login = await app.inject({ method: 'POST', url: '/users/login', payload: { email: body.email, password: body.password } });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode} ${login.body}`);
  const data = login.json<{ data: { _id: string; email: string; name: string; token: string } }>().data;
  return { user: data, token: data.token, password: body.password, auth: { authorization: `Bearer ${data.token}` } };
}

export type { FilePart } from './multipart.js';

/** A multipart/form-data request body for app.inject. */
export function multipart(fields: Record<string, string | FilePart>): Pick<InjectOptions, 'payload' | 'headers'> {
  const { body, contentType } = encodeMultipart(fields);
  return { payload: body, headers: { 'content-type': contentType } };
}

/** Merges auth headers into a multipart request. */
export function withAuth(session: Session, body: Pick<InjectOptions, 'payload' | 'headers'>): Pick<InjectOptions, 'payload' | 'headers'> {
  return { payload: body.payload, headers: { ...(body.headers as Record<string, string>), ...session.auth } };
}

/** Asserts the error envelope shape and returns it. */
export function errorOf(response: Response) {
  return response.json<{
    message: string;
    data: null;
    error: string;
    code: string;
    request_id: string;
    details?: { field: string; message: string }[];
  }>();
}

/**
 * Two separate connections to one fresh store, as two instances of the service would have:
 * two handles on a temporary SQLite file, or, when TEST_DATABASE_URL is set, two PostgreSQL
 * pools working in one schema of their own. Everything is closed and removed afterwards.
 */
export async function testDatabasePair(t: TestContext): Promise<[Database, Database]> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const dir = await mkdtemp(join(tmpdir(), 'bindery-pair-'));
    const sqliteFile = join(dir, 'bindery.sqlite');
    const first = createDatabase({ sqliteFile });
    const second = createDatabase({ sqliteFile });
    t.after(async () => {
      await first.destroy();
      await second.destroy();
      await rm(dir, { recursive: true, force: true });
    });
    return [first, second];
  }
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = createDatabase({ databaseUrl: url, poolSize: 1 });
  await sql`create schema ${sql.id(schema)}`.execute(admin.db);
  const first = createDatabase({ databaseUrl: url, searchPath: schema, poolSize: 5 });
  const second = createDatabase({ databaseUrl: url, searchPath: schema, poolSize: 5 });
  t.after(async () => {
    await first.destroy();
    await second.destroy();
    await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db);
    await admin.destroy();
  });
  return [first, second];
}
