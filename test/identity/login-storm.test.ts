import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createArgon2Hasher, OWASP_ARGON2 } from '../../src/lib/passwords.js';
import { buildTestApp, errorOf, newUser } from '../helpers/app.js';

test('a login storm past the hashing queue gets 503 SERVER_BUSY with Retry-After at once; the queued logins succeed', async (t) => {
  // Real OWASP cost, one hash at a time, one waiting: the other six find the queue full.
  const passwords = createArgon2Hasher(OWASP_ARGON2, { concurrency: 1, maxWaiting: 1 });
  const { app } = await buildTestApp(t, { deps: { passwords } });
  const account = newUser();
  assert.equal((await app.inject({ method: 'POST', url: '/users/', payload: account })).statusCode, 201);
  const login = (ip = '127.0.0.1') =>
    app.inject({ method: 'POST', url: '/users/login', remoteAddress: ip, payload: { email: account.email, password: account.password } });

  // Each from a client of its own, so the login throttle lets all eight through to the hashing queue.
  const responses = await Promise.all(Array.from({ length: 8 }, (_, index) => login(`192.0.2.${index + 1}`)));
  const statuses = responses.map((response) => response.statusCode).sort();
  assert.deepEqual(statuses, [200, 200, 503, 503, 503, 503, 503, 503]);
  for (const response of responses.filter((each) => each.statusCode === 503)) {
    assert.equal(errorOf(response).code, 'SERVER_BUSY');
    assert.equal(response.headers['retry-after'], '1');
  }
  // A refusal for load is not a failed password: the account is not throttled afterwards.
  assert.equal((await login()).statusCode, 200, 'once the storm has passed');
  assert.equal((await login('192.0.2.8')).statusCode, 200, 'from a client that got 503');
});
