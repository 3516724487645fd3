import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { buildTestApp, errorOf, json, newUser, testConfig, type Response } from './app.js';
import { SECOND, WRONG_PASSWORD as WRONG, changePassword, register, type Account, type Json } from './identity.js';

const LOGIN_MAX_DELAY_SECONDS = 15 * 60;

function attempt(app: FastifyInstance, email: string, password: string, ip = '127.0.0.1'): Promise<Response> {
  return app.inject({ method: 'POST', url: '/users/login', remoteAddress: ip, payload: { email, password } });
}

function assertUnauthorized(response: Response, label: string): void {
  assert.equal(response.statusCode, 401, `${label}: got ${response.statusCode} ${response.body}`);
  assert.equal(errorOf(response).code, 'INVALID_CREDENTIALS', label);
  assert.equal(response.headers['retry-after'], undefined, label);
}

/** A 429 in the error envelope with a Retry-After of at least one second; returns that value. */
function assertThrottled(response: Response, label: string, retryAfter?: number): number {
  assert.equal(response.statusCode, 429, `${label}: got ${response.statusCode} ${response.body}`);
  const error = errorOf(response);
  assert.deepEqual(Object.keys(error).sort(), ['code', 'data', 'error', 'message', 'request_id'], label);
  assert.equal(error.code, 'TOO_MANY_REQUESTS', label);
  assert.equal(error.error, 'Too Many Requests', label);
  assert.equal(error.data, null, label);
  const header = Number(response.headers['retry-after']);
  assert.ok(Number.isInteger(header) && header >= 1, `${label}: Retry-After ${String(response.headers['retry-after'])}`);
  if (retryAfter !== undefined) assert.equal(header, retryAfter, `${label}: Retry-After`);
  return header;
}

async function assertLogsIn(app: FastifyInstance, account: Account, label: string, ip?: string): Promise<string> {
  const response = await attempt(app, account.email, account.password, ip);
  assert.equal(response.statusCode, 200, `${label}: got ${response.statusCode} ${response.body}`);
  return json<{ data: { token: string } }>(response).data.token;
}

async function failTimes(app: FastifyInstance, email: string, times: number, label: string): Promise<void> {
  for (let index = 1; index <= times; index += 1) assertUnauthorized(await attempt(app, email, WRONG), `${label}, wrong password ${index}`);
}

interface StoreOptions {
  config?: Partial<Config>;
  deps?: AppDeps;
  /** Checked once the app has closed. */
  verify?: () => void;
}

/**
 * The throttle's rules, through HTTP, with a fake clock. Run once per store (test/throttle*.test.ts),
 * so the Redis store is held to exactly the rules the in-process one keeps.
 */
export function throttleScenarios(store: string, storeOptions: (t: TestContext) => StoreOptions): void {
  const build = async (t: TestContext, config: Partial<Config> = {}) => {
    const options = storeOptions(t);
    const built = await buildTestApp(t, { config: { ...options.config, ...config }, ...(options.deps ? { deps: options.deps } : {}) });
    if (options.verify) t.after(options.verify);
    return built;
  };

  test(`ASVS 2.2.1: attempts 1–5 with a wrong password get 401, the 6th gets 429 even with the right password; after the delay it works and the counter resets [${store}]`, async (t) => {
    const { app, clock } = await build(t);
    const account = await register(app);

    await failTimes(app, account.email, 5, 'first round');
    assertThrottled(await attempt(app, account.email, account.password), '6th attempt, right password', 1);
    assertThrottled(await attempt(app, account.email.toUpperCase(), account.password), 'the same account in another case', 1);

    clock.advance(SECOND - 1);
    assertThrottled(await attempt(app, account.email, account.password), 'a millisecond early', 1);
    clock.advance(1);
    await assertLogsIn(app, account, 'once the delay has passed');

    // The success reset the counter: five free failures again, then the first (1 s) delay.
    await failTimes(app, account.email, 5, 'after the reset');
    assertThrottled(await attempt(app, account.email, account.password), '6th attempt after the reset', 1);
  });

  test(`ASVS 2.2.1: delays double from 1 s and cap at 15 minutes; waiting out the longest delay logs in (no permanent lockout) [${store}]`, async (t) => {
    const { app, clock } = await build(t);
    const account = await register(app);
    await failTimes(app, account.email, 5, 'free failures');

    const seen: number[] = [];
    for (let step = 0; step < 13; step += 1) {
      const expected = Math.min(2 ** step, LOGIN_MAX_DELAY_SECONDS);
      const retryAfter = assertThrottled(await attempt(app, account.email, WRONG), `delay ${step}`, expected);
      seen.push(retryAfter);
      // Knocking during the wait neither succeeds nor lengthens it.
      clock.advance(expected * SECOND - 1);
      assertThrottled(await attempt(app, account.email, account.password), `delay ${step}, a millisecond early`, 1);
      clock.advance(1);
      assertUnauthorized(await attempt(app, account.email, WRONG), `delay ${step} served, wrong password again`);
    }
    assert.deepEqual(seen, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);

    assertThrottled(await attempt(app, account.email, account.password), 'at the cap', LOGIN_MAX_DELAY_SECONDS);
    clock.advance(LOGIN_MAX_DELAY_SECONDS * SECOND);
    await assertLogsIn(app, account, 'after the longest delay');
  });

  test(`ASVS 2.2.1 / V6.3.8: an unknown email is throttled exactly like a known one, so a 429 reveals nothing [${store}]`, async (t) => {
    const { app, clock } = await build(t);
    const known = await register(app);
    const unknown = 'nobody.at.all@example.com';

    const snapshot = (response: Response) => {
      const { request_id: _ignored, ...body } = response.json<Json>();
      return { status: response.statusCode, retryAfter: response.headers['retry-after'], body };
    };
    const both = async (label: string) => {
      const fromKnown = snapshot(await attempt(app, known.email, WRONG));
      const fromUnknown = snapshot(await attempt(app, unknown, WRONG));
      assert.deepEqual(fromUnknown, fromKnown, label);
      return fromKnown;
    };

    const statuses: number[] = [];
    for (let index = 1; index <= 7; index += 1) statuses.push((await both(`attempt ${index}`)).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
    for (const wait of [1, 2, 4]) {
      clock.advance(wait * SECOND);
      assert.equal((await both(`after ${wait} s`)).status, 401);
      const throttled = await both(`right after the failure at ${wait} s`);
      assert.equal(throttled.status, 429);
      assert.equal(throttled.retryAfter, String(wait * 2));
    }
  });

  test(`ASVS 2.2.1: failures per IP across different emails get 429 after the limit; another IP is unaffected [${store}]`, async (t) => {
    const { app, clock } = await build(t, { throttle: { ...testConfig().throttle, ipFailures: 3 } });
    const account = await register(app);
    const attacker = '203.0.113.7';
    const neighbour = '198.51.100.9';

    for (let index = 1; index <= 3; index += 1) {
      assertUnauthorized(await attempt(app, `victim.${index}@example.com`, WRONG, attacker), `failure ${index} from one IP`);
    }
    assertThrottled(await attempt(app, `victim.4@example.com`, WRONG, attacker), '4th email from the same IP');
    const retryAfter = assertThrottled(await attempt(app, account.email, account.password, attacker), 'even a right password from that IP');
    assert.ok(retryAfter > 1 && retryAfter <= 15 * 60, `Retry-After ${retryAfter} names the rest of the window`);

    await assertLogsIn(app, account, 'the same account from another IP', neighbour);
    assertUnauthorized(await attempt(app, 'victim.5@example.com', WRONG, neighbour), 'a failure from another IP is only a 401');

    clock.advance(retryAfter * SECOND);
    await assertLogsIn(app, account, 'the first IP once its window has passed', attacker);
  });

  test(`registrations per IP: with a limit of 3 the 4th gets 429; another IP still registers [${store}]`, async (t) => {
    const { app, clock } = await build(t, { throttle: { ...testConfig().throttle, registrations: 3 } });
    const registerFrom = (ip: string) => app.inject({ method: 'POST', url: '/users/', remoteAddress: ip, payload: newUser() });

    for (let index = 1; index <= 3; index += 1) assert.equal((await registerFrom('203.0.113.7')).statusCode, 201, `registration ${index}`);
    const fourth = await registerFrom('203.0.113.7');
    const retryAfter = assertThrottled(fourth, '4th registration from one IP');
    assert.ok(retryAfter <= 3600, `Retry-After ${retryAfter} is within the hour`);
    assert.equal((await registerFrom('198.51.100.9')).statusCode, 201, 'another IP');

    clock.advance(retryAfter * SECOND);
    assert.equal((await registerFrom('203.0.113.7')).statusCode, 201, 'the first IP after its window');
  });

  test(`refreshes per session: with a limit of 3 the 4th gets 429, the refused token is not spent, and other sessions are unaffected [${store}]`, async (t) => {
    const { app, clock } = await build(t, { throttle: { ...testConfig().throttle, refreshes: 3 } });
    const account = await register(app);
    const loginFor = async () => {
      const response = await attempt(app, account.email, account.password);
      assert.equal(response.statusCode, 200, response.body);
      return json<{ data: { refresh_token: string } }>(response).data.refresh_token;
    };
    const refresh = (refreshToken: string) =>
      app.inject({ method: 'POST', url: '/users/token/refresh', payload: { refresh_token: refreshToken } });
    const newRefreshToken = (response: Response) => {
      assert.equal(response.statusCode, 200, response.body);
      return json<{ data: { refresh_token: string } }>(response).data.refresh_token;
    };

    let token = await loginFor();
    const other = await loginFor();
    for (let index = 1; index <= 3; index += 1) token = newRefreshToken(await refresh(token));
    const retryAfter = assertThrottled(await refresh(token), '4th refresh of one session');
    assert.ok(retryAfter <= 60, `Retry-After ${retryAfter} is within the minute`);
    newRefreshToken(await refresh(other));

    clock.advance(retryAfter * SECOND);
    newRefreshToken(await refresh(token)); // still valid: the 429 did not spend it, nor count as a reuse
  });

  test(`ASVS 2.2.1: a wrong current password on PUT /users/password counts as a failed login [${store}]`, async (t) => {
    const { app, clock } = await build(t);
    const account = await register(app);
    const token = await assertLogsIn(app, account, 'login');
    const change = (current: string) => changePassword(app, token, current, 'Brand-New-Lantern-77');

    for (let index = 1; index <= 5; index += 1) {
      const response = await change(WRONG);
      assert.equal(response.statusCode, 400, `wrong current password ${index}: ${response.body}`);
      assert.equal(errorOf(response).code, 'INVALID_CURRENT_PASSWORD');
    }
    assertThrottled(await attempt(app, account.email, account.password), 'a login after five wrong current passwords', 1);
    assertThrottled(await change(account.password), 'a 6th change, with the right current password', 1);

    clock.advance(SECOND);
    await assertLogsIn(app, account, 'after the delay');
  });

  test(`a 429 is not itself counted as a failure: hammering during a delay does not lengthen it [${store}]`, async (t) => {
    const { app, clock } = await build(t);
    const account = await register(app);
    await failTimes(app, account.email, 5, 'free failures');
    for (let index = 0; index < 20; index += 1) assertThrottled(await attempt(app, account.email, WRONG), `hammer ${index}`, 1);
    clock.advance(SECOND);
    await assertLogsIn(app, account, 'right after the first delay, despite the hammering');
  });
}
