import type { Writable } from 'node:stream';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isStrongSecret, loadConfig } from '../src/config.js';
import { buildTestApp, signUp } from './helpers/app.js';
import { assertConfigError, STRONG_SECRET, tempDir } from './helpers/config.js';

test('loadConfig: the defaults', (t) => {
  const cwd = tempDir(t);
  const config = loadConfig({}, cwd);
  assert.equal(config.env, 'development');
  assert.equal(config.host, 'localhost');
  assert.equal(config.port, 3000);
  assert.equal(config.logLevel, 'info');
  assert.equal(config.dataDir, join(cwd, 'data'));
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.secretKey, readFileSync(join(cwd, 'data', 'secret-key'), 'utf8'), 'outside production, a generated secret');
  assert.equal(config.publicUrl, undefined);
  assert.equal(config.trustProxy, false);
  assert.equal(config.accessTokenTtlSeconds, 900);
  assert.equal(config.jwtIssuer, 'bindery');
  assert.equal(config.jwtAudience, 'bindery');
  assert.equal(config.maxCoverBytes, 10 * 1024 * 1024);
  assert.equal(config.maxCoverPixels, 40_000_000);
  assert.equal(config.metrics, undefined);
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.sessions) && Object.isFrozen(config.throttle), 'frozen all the way down');
});

test('loadConfig: environment strings become typed values; empty strings count as unset', (t) => {
  const cwd = tempDir(t);
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      HOST: '0.0.0.0',
      PORT: '8080',
      LOG_LEVEL: 'debug',
      DATA_DIR: 'var/bindery',
      DATABASE_URL: 'postgresql://bindery@db.internal:5432/bindery',
      SECRET_KEY: STRONG_SECRET,
      PUBLIC_URL: 'https://books.example.com//',
      TRUST_PROXY: 'true',
      ACCESS_TOKEN_TTL_SECONDS: '3600',
      JWT_ISSUER: 'https://books.example.com',
      JWT_AUDIENCE: 'bindery-api',
      MAX_COVER_BYTES: '2048',
      MAX_COVER_PIXELS: '1000',
      UNRELATED: 'ignored',
    },
    cwd,
  );
  assert.equal(config.env, 'test');
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.port, 8080);
  assert.equal(config.logLevel, 'debug');
  assert.equal(config.dataDir, join(cwd, 'var', 'bindery'));
  assert.equal(config.databaseUrl, 'postgresql://bindery@db.internal:5432/bindery');
  assert.equal(config.secretKey, STRONG_SECRET);
  assert.equal(config.publicUrl, 'https://books.example.com');
  assert.equal(config.trustProxy, 1, 'true is one trusted proxy hop');
  assert.equal(config.accessTokenTtlSeconds, 3600);
  assert.equal(config.jwtIssuer, 'https://books.example.com');
  assert.equal(config.jwtAudience, 'bindery-api');
  assert.equal(config.maxCoverBytes, 2048);
  assert.equal(config.maxCoverPixels, 1000);

  const blank = loadConfig({ PORT: '', SECRET_KEY: '', DATABASE_URL: '' }, cwd);
  assert.equal(blank.port, 3000);
  assert.equal(blank.secretKey, readFileSync(join(cwd, 'data', 'secret-key'), 'utf8'), 'an empty SECRET_KEY is unset too');
  assert.equal(blank.databaseUrl, undefined);
});

test('loadConfig: NODE_ENV=production without SECRET_KEY throws a ConfigError naming SECRET_KEY', (t) => {
  const cwd = tempDir(t);
  assertConfigError(() => loadConfig({ NODE_ENV: 'production' }, cwd), 'SECRET_KEY');
  assertConfigError(() => loadConfig({ NODE_ENV: 'production', SECRET_KEY: '' }, cwd), 'SECRET_KEY');
  assert.equal(loadConfig({ NODE_ENV: 'production', SECRET_KEY: STRONG_SECRET, PUBLIC_URL: 'https://books.example.com' }, cwd).secretKey, STRONG_SECRET);
});

test('loadConfig: a weak SECRET_KEY throws, in any environment, and the message never holds the value', (t) => {
  const cwd = tempDir(t);
  const weak = ['short-secret', 'Tr1cky-Lantern-42', 'a'.repeat(40), 'ab'.repeat(20), 'x'.repeat(31), 'abcdefghi'.repeat(5)];
  for (const secret of weak) {
    assert.equal(isStrongSecret(secret), false, secret);
    for (const NODE_ENV of ['development', 'test', 'production']) {
      assertConfigError(() => loadConfig({ NODE_ENV, SECRET_KEY: secret }, cwd), 'SECRET_KEY', [secret]);
    }
  }
  assert.equal(isStrongSecret(STRONG_SECRET), true);
  // Another field's error must not echo the (valid) secret either.
  assertConfigError(() => loadConfig({ SECRET_KEY: STRONG_SECRET, PORT: 'abc' }, cwd), 'PORT', [STRONG_SECRET]);
});

test('loadConfig: a bad PORT, LOG_LEVEL, NODE_ENV, TTL or TRUST_PROXY throws naming the variable', (t) => {
  const cwd = tempDir(t);
  const cases: [Record<string, string>, string][] = [
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ ACCESS_TOKEN_TTL_SECONDS: '59' }, 'ACCESS_TOKEN_TTL_SECONDS'],
    [{ ACCESS_TOKEN_TTL_SECONDS: '86401' }, 'ACCESS_TOKEN_TTL_SECONDS'],
    [{ TRUST_PROXY: 'yes-please' }, 'TRUST_PROXY'],
    [{ PUBLIC_URL: 'ftp://books.example.com' }, 'PUBLIC_URL'],
    [{ MAX_COVER_BYTES: '10' }, 'MAX_COVER_BYTES'],
  ];
  for (const [env, name] of cases) assertConfigError(() => loadConfig(env, cwd), name);
});

test('loadConfig: a fractional PORT or TTL is refused, not silently truncated to another value', (t) => {
  const cwd = tempDir(t);
  const cases: [Record<string, string>, string][] = [
    [{ PORT: '80.5' }, 'PORT'],
    [{ PORT: '8080.9' }, 'PORT'],
    [{ ACCESS_TOKEN_TTL_SECONDS: '900.5' }, 'ACCESS_TOKEN_TTL_SECONDS'],
  ];
  for (const [env, name] of cases) assertConfigError(() => loadConfig(env, cwd), name);
});

test('loadConfig: DATABASE_URL must be postgres://, and a rejected URL’s password is not echoed', (t) => {
  const cwd = tempDir(t);
  for (const url of ['mysql://root:hunter2-Secret@db/bindery', 'sqlite:///var/data.db', 'http://db:5432/x', 'postgres:/db', ' postgres://db/x']) {
    assertConfigError(() => loadConfig({ DATABASE_URL: url }, cwd), 'DATABASE_URL', [url, 'hunter2-Secret']);
  }
  for (const url of ['postgres://bindery:pw@db:5432/bindery', 'postgresql://db/bindery']) {
    assert.equal(loadConfig({ DATABASE_URL: url }, cwd).databaseUrl, url);
  }
});

test('loadConfig: values from .env in cwd are read, and the real environment wins over them', (t) => {
  const cwd = tempDir(t);
  writeFileSync(
    join(cwd, '.env'),
    [
      '# a comment',
      'PORT=4000',
      'HOST=file-host',
      'JWT_ISSUER="from file"',
      // Quoted: unquoted, parseEnv would cut the value at its '#'.
      `SECRET_KEY="${STRONG_SECRET}"`,
      'DATA_DIR=file-data',
      '',
    ].join('\n'),
  );
  const fromFile = loadConfig({}, cwd);
  assert.equal(fromFile.port, 4000);
  assert.equal(fromFile.host, 'file-host');
  assert.equal(fromFile.jwtIssuer, 'from file');
  assert.equal(fromFile.secretKey, STRONG_SECRET);
  assert.equal(fromFile.dataDir, join(cwd, 'file-data'));

  const realWins = loadConfig({ PORT: '5000', HOST: 'env-host' }, cwd);
  assert.equal(realWins.port, 5000);
  assert.equal(realWins.host, 'env-host');
  assert.equal(realWins.jwtIssuer, 'from file', 'what the environment does not set still comes from .env');

  // .env is read from cwd only: another directory sees the defaults.
  assert.equal(loadConfig({}, tempDir(t)).port, 3000);
});

test('loadConfig: .env values are validated like the environment, without echoing a weak secret', (t) => {
  const cwd = tempDir(t);
  const weak = 'password-password-password-password';
  writeFileSync(join(cwd, '.env'), `SECRET_KEY=${weak}\n`);
  assertConfigError(() => loadConfig({}, cwd), 'SECRET_KEY', [weak]);
  // A strong secret in the environment overrides the weak one in the file.
  assert.equal(loadConfig({ SECRET_KEY: STRONG_SECRET }, cwd).secretKey, STRONG_SECRET);

  writeFileSync(join(cwd, '.env'), 'NODE_ENV=production\nPORT=abc\n');
  assertConfigError(() => loadConfig({ PORT: '8080' }, cwd), 'SECRET_KEY');
});

test('ASVS 16.2.5: after a full flow (register, login, refresh, reads, refusals) trace-level logs hold no SECRET_KEY, password, token, cookie or Authorization value', async (t) => {
  const lines: string[] = [];
  const stream = {
    write(line: string) {
      lines.push(line);
    },
  };
  const secretKey = `log-probe-${randomBytes(24).toString('base64url')}-SECRET`;
  // The production logger settings (redaction included), at trace level, into this buffer.
  const { app } = await buildTestApp(t, { config: { secretKey, logLevel: 'trace' }, deps: { logger: stream as unknown as Writable } });

  const session = await signUp(app);
  const me = await app.inject({ method: 'GET', url: '/users/', headers: session.auth });
  assert.equal(me.statusCode, 200);
  // Every token a login hands out (access, and refresh where there is one) must stay out of the logs.
  const login = await app.inject({ method: 'POST', url: '/users/login', payload: { email: session.user.email, password: session.password } });
  assert.equal(login.statusCode, 200);
  const issuedTokens = Object.entries(login.json<{ data: Record<string, unknown> }>().data).filter(
    (entry): entry is [string, string] => /token/i.test(entry[0]) && entry[0] !== 'token_type' && typeof entry[1] === 'string',
  );
  assert.ok(issuedTokens.length >= 1);

  const wrongPassword = 'Wr0ng-Passw0rd-For-Logs!';
  const failed = await app.inject({ method: 'POST', url: '/users/login', payload: { email: session.user.email, password: wrongPassword } });
  assert.equal(failed.statusCode, 401);
  const weakPassword = 'weak-pw-in-logs';
  const invalid = await app.inject({ method: 'POST', url: '/users/', payload: { name: 'Ada Lovelace', email: 'logs@example.com', password: weakPassword } });
  assert.equal(invalid.statusCode, 400);
  const forged = `forged.${randomBytes(24).toString('base64url')}.token`;
  const refused = await app.inject({ method: 'GET', url: '/users/', headers: { authorization: `Bearer ${forged}` } });
  assert.equal(refused.statusCode, 401);
  const refreshToken = issuedTokens.find(([name]) => name === 'refresh_token')?.[1];
  assert.ok(refreshToken, 'login hands out a refresh token');
  const refreshed = await app.inject({ method: 'POST', url: '/users/token/refresh', payload: { refresh_token: refreshToken } });
  assert.equal(refreshed.statusCode, 200);
  for (const [name, value] of Object.entries(refreshed.json<{ data: Record<string, unknown> }>().data)) {
    if (/token/i.test(name) && name !== 'token_type' && typeof value === 'string') issuedTokens.push([`refreshed ${name}`, value]);
  }
  const cookie = `sid=${randomBytes(18).toString('base64url')}`;
  const withCookie = await app.inject({ method: 'GET', url: '/users/', headers: { ...session.auth, cookie } });
  assert.equal(withCookie.statusCode, 200);
  const basic = Buffer.from(`${session.user.email}:${session.password}`).toString('base64');
  const basicRefused = await app.inject({ method: 'GET', url: '/users/', headers: { authorization: `Basic ${basic}` } });
  assert.equal(basicRefused.statusCode, 401);
  await app.close();

  const text = lines.join('');
  assert.match(text, /incoming request/, 'the capture works: request logs are there');
  assert.match(text, /request completed/);
  const [, , signature] = session.token.split('.');
  const needles: [string, string][] = [
    ['SECRET_KEY', secretKey],
    ['password', session.password],
    ['wrong password', wrongPassword],
    ['rejected weak password', weakPassword],
    ['access token', session.token],
    ['access token signature', signature ?? session.token],
    ['Authorization header value', session.auth.authorization],
    ['forged bearer value', forged],
    ['Basic credentials', basic],
    ['cookie value', cookie],
    ['private key PEM', 'PRIVATE KEY'],
    ['password hash', '$argon2'],
  ];
  for (const [name, value] of issuedTokens) needles.push([`login ${name}`, value]);
  for (const [label, needle] of needles) assert.ok(!text.includes(needle), `the logs contain the ${label}`);
  assert.doesNotMatch(text, /Bearer |Basic /, 'no Authorization value of any scheme');
});
