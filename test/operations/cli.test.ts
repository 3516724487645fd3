import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { runCli } from '../../src/cli.js';
import type { CliIo } from '../../src/cli/commands.js';
import { loadConfig } from '../../src/config.js';
import { TEST_SECRET, testDatabase } from '../helpers/app.js';
import { bearer, kidOf, login } from '../helpers/identity.js';
import { tempDir } from '../helpers/temp-dir.js';

const PASSWORD = 'Tr1cky-Lantern-42';

/** A data directory of its own, the environment that points at it, and captured output. */
async function cliWorld(t: TestContext) {
  const dataDir = tempDir(t, 'bindery-cli-');
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, SECRET_KEY: TEST_SECRET };
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    // A schema of its own, reached through the connection string as an operator would.
    const database = await testDatabase(t);
    const schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db)).rows[0]?.schema ?? '';
    env.DATABASE_URL = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }
  const output = { out: [] as string[], err: [] as string[] };
  const io: CliIo = {
    out: (line) => output.out.push(line),
    err: (line) => output.err.push(line),
    readSecret: () => Promise.resolve(PASSWORD),
    env,
  };
  const run = (...argv: string[]) => runCli(argv, io);
  const app = async () => {
    const instance = await buildApp({ ...loadConfig(env, dataDir), secretKey: TEST_SECRET }, { logger: false });
    t.after(() => instance.close());
    return instance;
  };
  return { run, output, app, env };
}

function uniqueEmail(): string {
  return `cli.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}@example.com`;
}

test('bindery --help lists every command; no command or an unknown one exits 2', async (t) => {
  const { run, output } = await cliWorld(t);
  assert.equal(await run('--help'), 0);
  for (const name of ['serve', 'migrate', 'user:create', 'user:disable', 'user:enable', 'keys:rotate', 'sessions:revoke']) {
    assert.match(output.out.join('\n'), new RegExp(`\\b${name}\\b`));
  }
  assert.equal(await run(), 2);
  assert.equal(await run('frobnicate'), 2);
  assert.match(output.err.join('\n'), /Unknown command: frobnicate/);
});

test('every command has --help', async (t) => {
  const { run, output } = await cliWorld(t);
  for (const name of ['serve', 'migrate', 'user:create', 'user:disable', 'user:enable', 'keys:rotate', 'sessions:revoke']) {
    output.out.length = 0;
    assert.equal(await run(name, '--help'), 0, name);
    assert.match(output.out.join('\n'), /Usage: .*bindery /, name);
  }
});

test('migrate applies the migrations and exits 0', async (t) => {
  const { run, output } = await cliWorld(t);
  const code = await run('migrate');
  assert.equal(code, 0);
  assert.deepEqual(output.out, ['migrations applied']);
});

test('user:create makes an account that can log in; bad input exits 2 or 1 with a clear line', async (t) => {
  const { run, output, app } = await cliWorld(t);
  const email = uniqueEmail();
  assert.equal(await run('user:create', '--email', email, '--name', 'Ada Lovelace'), 0);
  assert.match(output.out.join('\n'), new RegExp(`created ${email.replace(/\./g, '\\.')}`));

  const server = await app();
  await login(server, { email, password: PASSWORD });

  assert.equal(await run('user:create', '--name', 'Ada Lovelace'), 2);
  assert.match(output.err.join('\n'), /--email is required/);
  assert.equal(await run('user:create', '--email', email, '--name', 'Ada Lovelace', '--bogus', 'x'), 2);
  assert.equal(await run('user:create', '--email', email, '--name', 'Ada Lovelace'), 1);
  assert.match(output.err.at(-1) ?? '', /user:create failed: An account with this email already exists/);
  assert.equal(await run('user:create', '--email', uniqueEmail(), '--name', 'Mononym'), 1);
  assert.match(output.err.at(-1) ?? '', /name must have 2 to 30 words/);
});

test('user:create applies exactly the API’s rules: an address that POST /users/ refuses is refused', async (t) => {
  const { run, output, app } = await cliWorld(t);
  assert.equal(await run('user:create', '--email', 'not an email <script>', '--name', 'Ada Lovelace'), 1);
  assert.match(output.err.at(-1) ?? '', /user:create failed: The request is not valid: email must match format "email"/);
  const server = await app();
  const viaApi = await server.inject({
    method: 'POST',
    url: '/users/',
    payload: { email: 'not an email <script>', name: 'Ada Lovelace', password: PASSWORD },
  });
  assert.equal(viaApi.statusCode, 400, 'the API refuses it too');
});

test('sessions:revoke and user:enable are audited like the routes', async (t) => {
  const { run, app } = await cliWorld(t);
  const email = uniqueEmail();
  await run('user:create', '--email', email, '--name', 'Alan Turing');
  const server = await app();
  await login(server, { email, password: PASSWORD });
  assert.equal(await run('sessions:revoke', '--user', email), 0);
  assert.equal(await run('user:disable', '--email', email), 0);
  assert.equal(await run('user:enable', '--email', email), 0);
  const { auth } = await login(server, { email, password: PASSWORD });
  const activity = await server.inject({ method: 'GET', url: '/users/activity', headers: auth });
  const types = activity.json<{ data: { type: string }[] }>().data.map((event) => event.type);
  assert.deepEqual(types.slice(0, 4), ['login_success', 'account_enabled', 'account_disabled', 'session_revoked']);
});

test('user:disable ends the account’s sessions at once; user:enable lets it log in again', async (t) => {
  const { run, app } = await cliWorld(t);
  const email = uniqueEmail();
  await run('user:create', '--email', email, '--name', 'Grace Hopper');
  const server = await app();
  const { auth } = await login(server, { email, password: PASSWORD });

  assert.equal(await run('user:disable', '--email', email), 0);
  assert.equal((await server.inject({ method: 'GET', url: '/users/', headers: auth })).statusCode, 401);
  assert.equal((await server.inject({ method: 'POST', url: '/users/login', payload: { email, password: PASSWORD } })).statusCode, 401);

  assert.equal(await run('user:enable', '--email', email), 0);
  assert.equal((await server.inject({ method: 'POST', url: '/users/login', payload: { email, password: PASSWORD } })).statusCode, 200);
  assert.equal((await server.inject({ method: 'GET', url: '/users/', headers: auth })).statusCode, 401, 'old sessions stay ended');

  assert.equal(await run('user:disable', '--email', 'nobody@example.com'), 1);
});

test('sessions:revoke --user ends every session of that user', async (t) => {
  const { run, output, app } = await cliWorld(t);
  const email = uniqueEmail();
  await run('user:create', '--email', email, '--name', 'Alan Turing');
  const server = await app();
  const tokens = [];
  for (let index = 0; index < 2; index += 1) tokens.push((await login(server, { email, password: PASSWORD })).token);
  assert.equal(await run('sessions:revoke', '--user', email), 0);
  assert.match(output.out.at(-1) ?? '', /ended 2 session\(s\)/);
  for (const token of tokens) {
    assert.equal((await server.inject({ method: 'GET', url: '/users/', headers: bearer(token) })).statusCode, 401);
  }
});

test('keys:rotate adds a signing key; tokens signed with the old key stay valid', async (t) => {
  const { run, output, app } = await cliWorld(t);
  const email = uniqueEmail();
  await run('user:create', '--email', email, '--name', 'Ada Lovelace');
  const before = await app();
  const oldToken = (await login(before, { email, password: PASSWORD })).token;
  await before.close();

  assert.equal(await run('keys:rotate'), 0);
  const newKid = /new signing key (\S+)/.exec(output.out.at(-1) ?? '')?.[1];
  assert.ok(newKid);

  const after = await app();
  const jwks = (await after.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: { kid: string }[] }>();
  assert.equal(jwks.keys.length, 2);
  assert.equal(jwks.keys[0]?.kid, newKid);
  assert.equal((await after.inject({ method: 'GET', url: '/users/', headers: bearer(oldToken) })).statusCode, 200);
  const fresh = await login(after, { email, password: PASSWORD });
  assert.equal(kidOf(fresh.token), newKid);
});

test('a bad configuration exits 1 naming the variable', async (t) => {
  const { run, output, env } = await cliWorld(t);
  env.SECRET_KEY = 'short';
  assert.equal(await run('migrate'), 1);
  assert.match(output.err.join('\n'), /SECRET_KEY/);
  assert.doesNotMatch(output.err.join('\n'), /short/);
});
