import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { assertConfigError, STRONG_SECRET } from '../helpers/config.js';
import { tempDir } from '../helpers/temp-dir.js';

test('loadConfig: the HTTP limits default to a 30 s idle timeout, a 5 minute request, 30 s for headers and 1024 connections', (t) => {
  const config = loadConfig({}, tempDir(t));
  assert.deepEqual(config.http, { idleTimeoutMs: 30_000, requestTimeoutMs: 300_000, headersTimeoutMs: 30_000, maxConnections: 1024 });
  const set = loadConfig(
    { REQUEST_IDLE_TIMEOUT_SECONDS: '5', REQUEST_TIMEOUT_SECONDS: '60', HEADERS_TIMEOUT_SECONDS: '10', MAX_CONNECTIONS: '50' },
    tempDir(t),
  );
  assert.deepEqual(set.http, { idleTimeoutMs: 5000, requestTimeoutMs: 60_000, headersTimeoutMs: 10_000, maxConnections: 50 });
});

test('loadConfig: a bad HTTP limit throws naming the variable; headers may not outlast the request', (t) => {
  const cwd = tempDir(t);
  for (const name of ['REQUEST_IDLE_TIMEOUT_SECONDS', 'REQUEST_TIMEOUT_SECONDS', 'HEADERS_TIMEOUT_SECONDS', 'MAX_CONNECTIONS']) {
    assertConfigError(() => loadConfig({ [name]: '0' }, cwd), name);
    assertConfigError(() => loadConfig({ [name]: 'soon' }, cwd), name);
  }
  assertConfigError(() => loadConfig({ REQUEST_TIMEOUT_SECONDS: '20', HEADERS_TIMEOUT_SECONDS: '30' }, cwd), 'HEADERS_TIMEOUT_SECONDS');
});

test('loadConfig: TRUST_PROXY is false, true (one hop), a hop count, or a list of addresses and CIDRs', (t) => {
  const cwd = tempDir(t);
  const read = (value: string) => loadConfig({ TRUST_PROXY: value }, cwd).trustProxy;
  assert.equal(read('false'), false);
  assert.equal(read('0'), false);
  assert.equal(read('true'), 1);
  assert.equal(read('TRUE'), 1);
  assert.equal(read('2'), 2);
  assert.deepEqual(read('10.0.0.0/8, 192.168.1.7'), ['10.0.0.0/8', '192.168.1.7']);
  assert.deepEqual(read('loopback,fd00::/8,::1'), ['loopback', 'fd00::/8', '::1']);
});

test('loadConfig: a TRUST_PROXY that is no hop count, address or CIDR throws a message naming TRUST_PROXY and what it takes', (t) => {
  const cwd = tempDir(t);
  for (const value of ['yes', '10.0.0.0/33', '10.0.0.0/8,', 'proxy.internal', '192.168.1.7/8/1', '::1/129', '1.5', '101', '-1']) {
    assertConfigError(() => loadConfig({ TRUST_PROXY: value }, cwd), 'TRUST_PROXY');
  }
  assertConfigError(() => loadConfig({ TRUST_PROXY: '10.0.0.1,nginx' }, cwd), 'entry 2');
});

test('loadConfig: NODE_ENV=production requires PUBLIC_URL, so image URLs never come from the Host header', (t) => {
  const cwd = tempDir(t);
  assertConfigError(() => loadConfig({ NODE_ENV: 'production', SECRET_KEY: STRONG_SECRET }, cwd), 'PUBLIC_URL');
  const config = loadConfig({ NODE_ENV: 'production', SECRET_KEY: STRONG_SECRET, PUBLIC_URL: 'https://books.example.com/' }, cwd);
  assert.equal(config.publicUrl, 'https://books.example.com');
  assert.equal(loadConfig({ NODE_ENV: 'development' }, cwd).publicUrl, undefined, 'outside production the request origin is used');
});
