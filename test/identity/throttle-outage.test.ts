import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { runCli } from '../../src/cli.js';
import { loadConfig } from '../../src/config.js';
import { buildTestApp, newUser, testConfig, TEST_SECRET } from '../helpers/app.js';
import { SECOND } from '../helpers/identity.js';
import { logLines, redisKeyPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { runServer, tempDataDir } from '../helpers/server-process.js';
import { tcpProxy } from '../helpers/tcp-proxy.js';

const OUTAGE_WARNING = /Redis unavailable: rate limits are counted per instance/;

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('REDIS_URL must be redis:// or rediss://, and the error names the variable without its value', () => {
  const load = (REDIS_URL: string) => () => loadConfig({ SECRET_KEY: TEST_SECRET, REDIS_URL }, '/nonexistent');
  assert.throws(
    load('http://user:hunter2-secret@127.0.0.1:6379'),
    (error: Error) => /REDIS_URL/.test(error.message) && !error.message.includes('hunter2'),
  );
  assert.equal(load('rediss://cache.example.org:6380').call(null).redisUrl, 'rediss://cache.example.org:6380');
  assert.equal(loadConfig({ SECRET_KEY: TEST_SECRET }, '/nonexistent').redisKeyPrefix, 'bindery:');
});

test('start-up with an unreachable Redis stops with one line naming REDIS_URL (and never its password)', { timeout: 60_000 }, async (t) => {
  const port = await closedPort();
  const { code, stderr } = await runServer(t, { REDIS_URL: `redis://:hunter2-secret@127.0.0.1:${port}`, DATA_DIR: tempDataDir(t) }).exited;
  assert.equal(code, 1);
  assert.match(stderr, /^Bindery failed to start: cannot reach Redis \(.*\); check REDIS_URL$/m);
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.ok(!stderr.includes('hunter2'), stderr);
});

test('admin commands never use Redis: with REDIS_URL unreachable they still work', async (t) => {
  const out: string[] = [];
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: tempDataDir(t),
    SECRET_KEY: TEST_SECRET,
    REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
  };
  const io = {
    out: (line: string) => out.push(line),
    err: (line: string) => out.push(line),
    readSecret: () => Promise.resolve('Tr1cky-Lantern-42'),
    env,
  };
  assert.equal(await runCli(['user:create', '--email', newUser().email, '--name', 'Ada Lovelace'], io), 0, out.join('\n'));
});

test(
  'a stalled, then dead, Redis neither hangs nor fails requests: limits fall back to each instance, and are shared again once it is back',
  { timeout: 60_000 },
  async (t) => {
    const proxy = await tcpProxy(t, { host: new URL(TEST_REDIS_URL).hostname, port: Number(new URL(TEST_REDIS_URL).port || 6379) });
    const { prefix } = redisKeyPrefix(t);
    const throttle = { ...testConfig().throttle, registrations: 3 };
    const log = logLines();
    const { app: a, clock } = await buildTestApp(t, {
      config: { redisUrl: `redis://127.0.0.1:${proxy.port}`, redisKeyPrefix: prefix, logLevel: 'info', throttle },
      deps: { logger: log.stream },
    });
    const { app: b } = await buildTestApp(t, { config: { redisUrl: TEST_REDIS_URL, redisKeyPrefix: prefix, throttle } });
    const registerOn = async (app: typeof a, ip: string) =>
      (await app.inject({ method: 'POST', url: '/users/', remoteAddress: ip, payload: newUser() })).statusCode;
    const warnings = () => log.lines.filter((line) => OUTAGE_WARNING.test(line)).length;
    const attacker = '203.0.113.7';

    assert.equal(await registerOn(a, attacker), 201, '1st registration, through the proxy');
    assert.equal(await registerOn(b, attacker), 201, '2nd, on the other instance');
    assert.equal(warnings(), 0);

    proxy.hang();
    assert.equal(await registerOn(a, attacker), 201, 'Redis stalled: answered after the command timeout, counted in process (1)');
    assert.equal(warnings(), 1, 'the outage is logged');

    await proxy.cut();
    clock.advance(6 * SECOND);
    assert.equal(await registerOn(a, attacker), 201, 'Redis gone: counted in process (2)');
    assert.equal(warnings(), 1, 'a second failure within the minute is not logged again');
    clock.advance(60 * SECOND);
    assert.equal(await registerOn(a, attacker), 201, 'counted in process (3)');
    assert.equal(warnings(), 2, 'the outage is logged again a minute later');
    const refused = await a.inject({ method: 'POST', url: '/users/', remoteAddress: attacker, payload: newUser() });
    assert.equal(refused.statusCode, 429, 'the in-process limit still holds');
    assert.ok(Number(refused.headers['retry-after']) >= 1);

    const user = newUser();
    assert.equal((await a.inject({ method: 'POST', url: '/users/', remoteAddress: '198.51.100.1', payload: user })).statusCode, 201);
    const login = await a.inject({ method: 'POST', url: '/users/login', payload: { email: user.email, password: user.password } });
    assert.equal(login.statusCode, 200, 'logins work during the outage');

    assert.equal(await registerOn(b, attacker), 201, 'the other instance still shares its count in Redis (3)');
    assert.equal(await registerOn(b, attacker), 429, 'and refuses the 4th');

    await proxy.restore();
    await log.waitFor(/Redis connected again/);
    clock.advance(6 * SECOND);
    const neighbour = '198.51.100.9';
    assert.equal(await registerOn(a, neighbour), 201, 'Redis back: counted there again');
    assert.equal(log.lines.filter((line) => /Redis answers again/.test(line)).length, 1, 'the recovery is logged');
    assert.equal(await registerOn(b, neighbour), 201);
    assert.equal(await registerOn(b, neighbour), 201);
    assert.equal(await registerOn(b, neighbour), 429, 'the registration on the recovered instance counted for the other');
  },
);
