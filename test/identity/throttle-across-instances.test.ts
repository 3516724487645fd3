import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import { createDatabase } from '../../src/db/database.js';
import { newUser } from '../helpers/app.js';
import { call, type Reply } from '../helpers/http-client.js';
import { WRONG_PASSWORD as WRONG } from '../helpers/identity.js';
import { redisKeyPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { startServer, tempDataDir, type ServerProcess } from '../helpers/server-process.js';

/**
 * One database for two server processes: with TEST_DATABASE_URL, a PostgreSQL database of this
 * test's own (dropped afterwards); otherwise one SQLite file in a shared DATA_DIR (WAL allows it).
 */
async function sharedDatabaseEnv(t: TestContext): Promise<Record<string, string>> {
  const url = process.env.TEST_DATABASE_URL;
  const dataDir = tempDataDir(t);
  if (!url) return { DATA_DIR: dataDir };
  const name = `bindery_two_${randomBytes(6).toString('hex')}`;
  const admin = createDatabase({ databaseUrl: url, poolSize: 1 });
  await sql`create database ${sql.id(name)}`.execute(admin.db);
  t.after(async () => {
    // FORCE: the servers' connections may still be open when this runs.
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin.db);
    await admin.destroy();
  });
  const target = new URL(url);
  target.pathname = `/${name}`;
  return { DATA_DIR: dataDir, DATABASE_URL: target.toString() };
}

/** Real argon2 on a shared machine: generous, but still a bound on a hang. */
const ANSWER_WITHIN_MS = 30_000;

function send(server: ServerProcess, method: string, path: string, body?: object): Promise<Reply> {
  return call(server.port, method, path, { ...(body ? { json: body } : {}), timeoutMs: ANSWER_WITHIN_MS });
}

function assertThrottled(reply: Reply, label: string, maxRetryAfter: number): number {
  assert.equal(reply.status, 429, label);
  const header = reply.headers.get('retry-after');
  const retryAfter = header === null ? undefined : Number(header);
  assert.ok(retryAfter !== undefined && retryAfter >= 1 && retryAfter <= maxRetryAfter, `${label}: Retry-After ${retryAfter}`);
  return retryAfter;
}

const refreshTokenOf = (reply: Reply) => reply.json<{ data: { refresh_token: string } }>().data.refresh_token;

const LIMITS = {
  REGISTRATIONS_PER_IP_PER_HOUR: '3',
  LOGIN_FREE_FAILURES: '1',
  LOGIN_IP_FAILURES: '6',
  REFRESHES_PER_SESSION_PER_MINUTE: '3',
};

test(
  'two instances on one database and one Redis share every rate limit: whichever crosses it answers 429',
  { timeout: 120_000 },
  async (t) => {
    const env = { ...(await sharedDatabaseEnv(t)), ...LIMITS, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: redisKeyPrefix(t).prefix };
    const a = await startServer(t, env);
    const b = await startServer(t, env);

    // Registrations per IP (3 an hour), spread over both.
    const users = [newUser(), newUser(), newUser()];
    for (const [index, user] of users.entries()) {
      assert.equal((await send(index % 2 === 0 ? a : b, 'POST', '/users/', user)).status, 201, `registration ${index + 1}`);
    }
    assertThrottled(await send(b, 'POST', '/users/', newUser()), '4th registration, on b', 3600);
    assertThrottled(await send(a, 'POST', '/users/', newUser()), 'and on a', 3600);
    const [first, second] = users as [ReturnType<typeof newUser>, ReturnType<typeof newUser>];

    // Refreshes per session (3 a minute): a session started on a, refreshed on both.
    const login = await send(a, 'POST', '/users/login', { email: second.email, password: second.password });
    assert.equal(login.status, 200);
    let refreshToken = refreshTokenOf(login);
    for (const [index, server] of [b, a, b].entries()) {
      const refreshed = await send(server, 'POST', '/users/token/refresh', { refresh_token: refreshToken });
      assert.equal(refreshed.status, 200, `refresh ${index + 1}`);
      refreshToken = refreshTokenOf(refreshed);
    }
    assertThrottled(await send(a, 'POST', '/users/token/refresh', { refresh_token: refreshToken }), '4th refresh, on a', 60);

    // Account delays (1 free failure): the failure on a delays the next attempt on b by 1 s.
    assert.equal((await send(a, 'POST', '/users/login', { email: first.email, password: WRONG })).status, 401, 'failure 1, on a');
    assertThrottled(
      await send(b, 'POST', '/users/login', { email: first.email, password: first.password }),
      'right password on b, within the delay',
      1,
    );

    // Failures per IP (6 per window): one so far (the 429 counted none); five more from other emails, then either instance refuses.
    for (const [index, server] of [b, a, b, a, b].entries()) {
      const reply = await send(server, 'POST', '/users/login', { email: `nobody.${index}@example.com`, password: WRONG });
      assert.equal(reply.status, 401, `IP failure ${index + 2}`);
    }
    const retryAfter = assertThrottled(
      await send(b, 'POST', '/users/login', { email: 'nobody.x@example.com', password: WRONG }),
      '7th failure from the IP, on b',
      900,
    );
    assert.ok(retryAfter > 1, 'the rest of the IP window, not an account delay');
    assertThrottled(
      await send(a, 'POST', '/users/login', { email: second.email, password: second.password }),
      'even a right password, on a',
      900,
    );

    // Probes are never rate limited.
    for (const server of [a, b]) {
      for (const path of ['/healthz', '/readyz']) assert.equal((await send(server, 'GET', path)).status, 200, `${path} on ${server.port}`);
    }
  },
);

test('without REDIS_URL each instance counts alone', { timeout: 120_000 }, async (t) => {
  const env = { ...(await sharedDatabaseEnv(t)), ...LIMITS, REGISTRATIONS_PER_IP_PER_HOUR: '2' };
  const a = await startServer(t, env);
  const b = await startServer(t, env);
  assert.equal((await send(a, 'POST', '/users/', newUser())).status, 201);
  assert.equal((await send(a, 'POST', '/users/', newUser())).status, 201);
  assertThrottled(await send(a, 'POST', '/users/', newUser()), '3rd registration on a', 3600);
  assert.equal((await send(b, 'POST', '/users/', newUser())).status, 201, 'b has counted none of them');
});
