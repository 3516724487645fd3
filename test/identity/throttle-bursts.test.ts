import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { PasswordHasher } from '../../src/lib/passwords.js';
import { buildTestApp, newUser, testConfig, testPasswords } from '../helpers/app.js';
import { WRONG_PASSWORD as WRONG } from '../helpers/identity.js';
import { sharedThrottleOptions } from '../helpers/redis.js';

const FREE_FAILURES = testConfig().throttle.accountFreeFailures;

/** The test hasher, counting how many password checks really ran. */
function countingPasswords(): PasswordHasher & { readonly verified: number } {
  let verified = 0;
  return {
    hash: (password) => testPasswords.hash(password),
    verify: (hash, password) => {
      verified += 1;
      return testPasswords.verify(hash, password);
    },
    get verified() {
      return verified;
    },
  };
}

type StoreOptions = (t: TestContext) => ReturnType<typeof sharedThrottleOptions> | Record<string, never>;
const stores: [string, StoreOptions][] = [
  ['in process', () => ({})],
  ['Redis', sharedThrottleOptions],
];

for (const [store, storeOptions] of stores) {
  const build = async (t: TestContext, config: Partial<ReturnType<typeof testConfig>> = {}) => {
    const options = storeOptions(t);
    const passwords = countingPasswords();
    const built = await buildTestApp(t, {
      config: { ...('config' in options ? options.config : {}), ...config },
      deps: { ...('deps' in options ? options.deps : {}), passwords },
    });
    if ('verify' in options) t.after(options.verify);
    const body = newUser();
    assert.equal((await built.app.inject({ method: 'POST', url: '/users/', payload: body })).statusCode, 201);
    const attempt = (password: string, ip = '203.0.113.7') =>
      built.app.inject({ method: 'POST', url: '/users/login', remoteAddress: ip, payload: { email: body.email, password } });
    return { ...built, passwords, account: body, attempt };
  };

  test(`ASVS 6.3.1: of 250 parallel guesses on one account from one client, only the free failures reach the password check; the rest get 429 [${store}]`, async (t) => {
    const { passwords, account, attempt } = await build(t);
    const before = passwords.verified;
    const guesses = Array.from({ length: 250 }, (_, index) => attempt(index === 249 ? account.password : WRONG));
    const responses = await Promise.all(guesses);
    const statuses = responses.map((response) => response.statusCode);
    assert.equal(passwords.verified - before, FREE_FAILURES, 'password checks run');
    assert.equal(statuses.filter((status) => status === 401).length + statuses.filter((status) => status === 200).length, FREE_FAILURES);
    assert.equal(statuses.filter((status) => status === 429).length, 250 - FREE_FAILURES);
    for (const response of responses.filter((reply) => reply.statusCode === 429)) assert.ok(Number(response.headers['retry-after']) >= 1);
  });

  test(`ASVS 6.3.1: one client’s failures never lock the owner out from another client [${store}]`, async (t) => {
    const { account, attempt } = await build(t);
    for (let index = 0; index < 16; index += 1) await attempt(WRONG, '203.0.113.7');
    assert.equal((await attempt(account.password, '203.0.113.7')).statusCode, 429, 'the guessing client waits');
    assert.equal((await attempt(account.password, '198.51.100.9')).statusCode, 200, 'the owner, elsewhere, logs in');
  });

  test(`ASVS 6.3.1: failures on one account from many clients hit the account’s ceiling, which holds for every client until its window ends [${store}]`, async (t) => {
    const { account, attempt, clock } = await build(t, { throttle: { ...testConfig().throttle, accountFailures: 10 } });
    for (let index = 0; index < 10; index += 1)
      assert.equal((await attempt(WRONG, `192.0.2.${index + 1}`)).statusCode, 401, `client ${index}`);
    const refused = await attempt(account.password, '198.51.100.9');
    assert.equal(refused.statusCode, 429, 'the ceiling holds even for a new client with the right password');
    assert.ok(Number(refused.headers['retry-after']) > 1, 'until the window ends');
    clock.advance(3600 * 1000);
    assert.equal((await attempt(account.password, '198.51.100.9')).statusCode, 200, 'after the window');
  });
}
