import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isStrongSecret, loadConfig } from '../../src/config.js';
import { STRONG_SECRET, assertConfigError } from '../helpers/config.js';
import { tempDir } from '../helpers/temp-dir.js';

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
  assert.equal(
    loadConfig({ NODE_ENV: 'production', SECRET_KEY: STRONG_SECRET, PUBLIC_URL: 'https://books.example.com' }, cwd).secretKey,
    STRONG_SECRET,
  );
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
  for (const url of [
    'mysql://root:hunter2-Secret@db/bindery',
    'sqlite:///var/data.db',
    'http://db:5432/x',
    'postgres:/db',
    ' postgres://db/x',
  ]) {
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
