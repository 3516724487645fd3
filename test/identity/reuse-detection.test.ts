import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp } from '../helpers/app.js';
import {
  GRACE_MS,
  SECOND,
  assertAccepted,
  assertRefreshRefused,
  assertRefused,
  login,
  pairOf,
  refresh,
  refreshed,
  register,
  sessionRow,
  sidOf,
  type Pair,
} from '../helpers/identity.js';

test('RFC 9700 §4.14.2: a rotated refresh token presented after the grace window is a breach: 401 and the whole session ends', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const account = await register(app);
  const other = await login(app, account); // another session of the same user: not part of the breach
  const first = await login(app, account);
  const second = await refreshed(app, first.refreshToken);
  await assertAccepted(app, second.token, account.id, 'before the reuse');

  clock.advance(GRACE_MS + SECOND);
  await assertRefreshRefused(app, first.refreshToken, 'the spent token, after the grace window');

  await assertRefused(app, second.token, 'the newest access token of the session');
  await assertRefused(app, first.token, 'the first access token of the session');
  await assertRefreshRefused(app, second.refreshToken, 'the newest refresh token of the session');
  const session = await sessionRow(database, first.sessionId);
  assert.equal(session.revoked_at, clock.now().toISOString());
  assert.equal(session.revoked_reason, 'refresh_token_reuse');

  await assertAccepted(app, other.token, account.id, 'another session of the user goes on');
  pairOf(await refresh(app, other.refreshToken), 'the other session refreshes');
});

test('RFC 9700 §4.14.2: an older ancestor (T0 after T0→T1→T2) is a breach even with no time passing', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const t0 = await login(app, account);
  const t1 = await refreshed(app, t0.refreshToken, 'T0→T1');
  const t2 = await refreshed(app, t1.refreshToken, 'T1→T2');

  await assertRefreshRefused(app, t0.refreshToken, 'T0 again, inside the grace window');
  await assertRefused(app, t2.token, 'newest access token');
  await assertRefreshRefused(app, t2.refreshToken, 'newest refresh token');
  await assertRefreshRefused(app, t1.refreshToken, 'T1');
  assert.equal((await sessionRow(database, t0.sessionId)).revoked_reason, 'refresh_token_reuse');
});

test('inside the grace window a reuse of the immediate parent gets a fresh access token and the same successor, in the same session; every pair works', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const account = await register(app);
  const t0 = await login(app, account);
  const t1 = await refreshed(app, t0.refreshToken, 'T0→T1');

  clock.advance(GRACE_MS / 2);
  const t1b = await refreshed(app, t0.refreshToken, 'T0 again within the window');
  assert.equal(t1b.refreshToken, t1.refreshToken, 'the successor the first exchange stored');
  assert.notEqual(t1b.token, t1.token, 'a fresh access token');
  assert.equal(sidOf(t1b.token), t0.sessionId, 'same session');
  await assertAccepted(app, t1.token, account.id, 'the first child’s access token');
  await assertAccepted(app, t1b.token, account.id, 'the second child’s access token');

  // Just inside the window edge, the parent may be presented once more.
  clock.advance(GRACE_MS / 2);
  const t1c = await refreshed(app, t0.refreshToken, 'T0 at the window edge');
  assert.equal(t1c.refreshToken, t1.refreshToken);

  const children = [t1, t1b, t1c];
  const grandchildren: Pair[] = [];
  for (const [index, child] of children.entries()) grandchildren.push(await refreshed(app, child.refreshToken, `child ${index} rotates`));
  for (const [index, pair] of [...children, ...grandchildren].entries()) await assertAccepted(app, pair.token, account.id, `pair ${index}`);
  assert.equal((await sessionRow(database, t0.sessionId)).revoked_at, null, 'no breach');
});
