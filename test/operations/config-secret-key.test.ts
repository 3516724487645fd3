import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, isStrongSecret, loadConfig } from '../../src/config.js';
import { assertConfigError, STRONG_SECRET } from '../helpers/config.js';
import { tempDir } from '../helpers/temp-dir.js';

// Outside production, loadConfig itself provides the secret when SECRET_KEY is not given.

test('loadConfig: with no secret, generates one into DATA_DIR/secret-key (0600) and returns the same one next time', (t) => {
  const cwd = tempDir(t);
  const file = join(cwd, 'data', 'secret-key');
  assert.equal(existsSync(file), false);

  const first = loadConfig({ DATA_DIR: 'data', PORT: '4000' }, cwd);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(cwd, 'data')).mode & 0o077, 0, 'the data directory is not open to group or others');
  assert.equal(first.secretKey, readFileSync(file, 'utf8').trim());
  assert.ok(isStrongSecret(first.secretKey), 'the generated secret passes the strength rule');
  assert.ok(first.secretKey.length >= 32);
  assert.equal(first.port, 4000, 'the rest of the config is read as usual');

  const second = loadConfig({ DATA_DIR: 'data' }, cwd);
  assert.equal(second.secretKey, first.secretKey);
  assert.equal(statSync(file).mode & 0o777, 0o600);

  const elsewhere = loadConfig({ DATA_DIR: 'other' }, cwd);
  assert.notEqual(elsewhere.secretKey, first.secretKey, 'each data directory gets its own random secret');
});

test('loadConfig: an invalid configuration writes no secret-key file', (t) => {
  const cwd = tempDir(t);
  assertConfigError(() => loadConfig({ DATA_DIR: 'data', PORT: 'abc' }, cwd), 'PORT');
  assertConfigError(() => loadConfig({ DATA_DIR: 'data', METRICS_HOST: '0.0.0.0' }, cwd), 'METRICS_HOST');
  assertConfigError(() => loadConfig({ DATA_DIR: 'data', NODE_ENV: 'production' }, cwd), 'SECRET_KEY');
  assert.equal(existsSync(join(cwd, 'data')), false, 'no data directory was created');
});

test('loadConfig: an existing secret-key file with loose permissions is tightened to 0600 and reused', (t) => {
  const cwd = tempDir(t);
  mkdirSync(join(cwd, 'data'));
  const file = join(cwd, 'data', 'secret-key');
  writeFileSync(file, `${STRONG_SECRET}\n`);
  chmodSync(file, 0o644);
  const config = loadConfig({}, cwd);
  assert.equal(config.secretKey, STRONG_SECRET);
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('loadConfig: with a secret given, it is used and nothing is written', (t) => {
  const cwd = tempDir(t);
  const config = loadConfig({ SECRET_KEY: STRONG_SECRET, DATA_DIR: 'data' }, cwd);
  assert.equal(config.secretKey, STRONG_SECRET);
  assert.equal(existsSync(join(cwd, 'data')), false, 'no data directory was created');
});

test('loadConfig: an empty or weak secret-key file is refused, not silently used as the key', (t) => {
  // An empty file (say, a write cut short by a full disk) would otherwise seal the signing keys under HKDF(""),
  // bypassing the strength rule loadConfig applies to SECRET_KEY.
  for (const content of ['', '\n', 'short', 'a'.repeat(64)]) {
    const cwd = tempDir(t);
    mkdirSync(join(cwd, 'data'));
    writeFileSync(join(cwd, 'data', 'secret-key'), content, { mode: 0o600 });
    assert.throws(
      () => loadConfig({}, cwd),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, `a ConfigError for ${JSON.stringify(content)}, got ${String(error)}`);
        assert.match(error.message, /secret-key/);
        if (content.trim() !== '') assert.ok(!error.message.includes(content.trim()), 'the message must not contain the file content');
        return true;
      },
      `secret-key file ${JSON.stringify(content.slice(0, 10))}`,
    );
  }
});
