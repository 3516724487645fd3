import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, testDatabasePair } from '../helpers/app.js';
import {
  GRACE_MS,
  SECOND,
  assertAccepted,
  assertRefreshRefused,
  assertRefused,
  bearer,
  login,
  pairOf,
  refresh,
  refreshed,
  register,
} from '../helpers/identity.js';

test('two instances on one store: a logout through A is refused by B; a user disabled through B is refused by A', async (t) => {
  const [databaseA, databaseB] = await testDatabasePair(t);
  const a = await buildTestApp(t, { database: databaseA });
  const b = await buildTestApp(t, { database: databaseB });

  const account = await register(a.app);
  const session = await login(a.app, account);
  await assertAccepted(b.app, session.token, account.id, 'B accepts a token issued by A');
  await assertAccepted(a.app, session.token, account.id, 'A too');

  const logout = await a.app.inject({ method: 'POST', url: '/users/logout', headers: bearer(session.token) });
  assert.equal(logout.statusCode, 204);
  await assertRefused(b.app, session.token, 'B, on the next request after a logout through A');
  await assertRefreshRefused(b.app, session.refreshToken, 'B, the refresh token');

  const second = await login(a.app, account);
  const third = await login(b.app, account);
  await assertAccepted(a.app, second.token, account.id, 'A before the disable');
  const disable = await b.app.inject({ method: 'DELETE', url: '/users/', headers: bearer(third.token) });
  assert.equal(disable.statusCode, 204);
  await assertRefused(a.app, second.token, 'A, a token of a user disabled through B');
  await assertRefused(a.app, third.token, 'A, the token that disabled the account');
  await assertRefreshRefused(a.app, second.refreshToken, 'A, its refresh token');
});

test('two instances on one store: a refresh token rotated through A and replayed through B after the window ends the session', async (t) => {
  const [databaseA, databaseB] = await testDatabasePair(t);
  const a = await buildTestApp(t, { database: databaseA });
  const b = await buildTestApp(t, { database: databaseB });

  const account = await register(a.app);
  const t0 = await login(a.app, account);
  const t1 = await refreshed(a.app, t0.refreshToken, 'through A');
  const t2 = await refreshed(b.app, t1.refreshToken, 'B continues the chain A started');
  await assertAccepted(a.app, t2.token, account.id, 'A accepts B’s token');

  b.clock.advance(GRACE_MS + SECOND);
  await assertRefreshRefused(b.app, t1.refreshToken, 'B, replay of a token rotated through B');
  await assertRefused(a.app, t2.token, 'A, after a breach detected by B');
  await assertRefreshRefused(a.app, t2.refreshToken, 'A, the newest refresh token');
});

test('two instances on one store: one refresh token exchanged at once through A and B gives only 200s, working pairs and one successor', async (t) => {
  const [databaseA, databaseB] = await testDatabasePair(t);
  const a = await buildTestApp(t, { database: databaseA });
  const b = await buildTestApp(t, { database: databaseB });
  const account = await register(a.app);
  const t0 = await login(a.app, account);

  const responses = await Promise.all(Array.from({ length: 10 }, (_, index) => refresh(index % 2 === 0 ? a.app : b.app, t0.refreshToken)));
  const pairs = responses.map((response, index) => pairOf(response, `parallel ${index} through ${index % 2 === 0 ? 'A' : 'B'}`));
  assert.equal(new Set(pairs.map((pair) => pair.refreshToken)).size, 1, 'one successor, whichever instance answered');
  for (const [index, pair] of pairs.entries())
    await assertAccepted(index % 2 === 0 ? b.app : a.app, pair.token, account.id, `pair ${index} on the other instance`);
});
