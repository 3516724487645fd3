import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, json } from '../helpers/app.js';
import { GRACE_MS, SECOND, activity, bearer, changePassword, login, pairOf, refreshed, register, sidOf } from '../helpers/identity.js';

test('ASVS 7.2.1: every security event is recorded with time, user, IP and session; GET /users/activity shows the caller’s own, newest first', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const account = await register(app);
  const strangerAccount = await register(app);
  const expected: { type: string; at: string; ip: string; sessionId: string | null }[] = [];
  const step = () => {
    clock.advance(SECOND);
    return clock.now().toISOString();
  };
  const from = (ip: string) => ({ remoteAddress: ip });

  let at = step();
  const failed = await app.inject({
    method: 'POST',
    url: '/users/login',
    ...from('10.0.0.1'),
    payload: { email: account.email, password: 'Wr0ng-Password-99' },
  });
  assert.equal(failed.statusCode, 401);
  expected.push({ type: 'login_failure', at, ip: '10.0.0.1', sessionId: null });

  at = step();
  const loginResponse = await app.inject({
    method: 'POST',
    url: '/users/login',
    ...from('10.0.0.2'),
    payload: { email: account.email, password: account.password },
  });
  const laptop = json<{ data: { token: string; refresh_token: string } }>(loginResponse).data;
  const laptopSid = sidOf(laptop.token);
  expected.push({ type: 'login_success', at, ip: '10.0.0.2', sessionId: laptopSid });

  at = step();
  const laptopPair = pairOf(
    await app.inject({
      method: 'POST',
      url: '/users/token/refresh',
      ...from('10.0.0.3'),
      payload: { refresh_token: laptop.refresh_token },
    }),
  );
  expected.push({ type: 'refresh', at, ip: '10.0.0.3', sessionId: laptopSid });

  at = step();
  const phone = await login(app, account);
  expected.push({ type: 'login_success', at, ip: '127.0.0.1', sessionId: phone.sessionId });
  at = step();
  await refreshed(app, phone.refreshToken);
  expected.push({ type: 'refresh', at, ip: '127.0.0.1', sessionId: phone.sessionId });
  clock.advance(GRACE_MS);
  at = step();
  const replay = await app.inject({
    method: 'POST',
    url: '/users/token/refresh',
    ...from('10.6.6.6'),
    payload: { refresh_token: phone.refreshToken },
  });
  assert.equal(replay.statusCode, 401);
  expected.push({ type: 'refresh_reuse_detected', at, ip: '10.6.6.6', sessionId: phone.sessionId });

  at = step();
  const newPassword = 'Brand-New-Lantern-77';
  const changed = await changePassword(app, laptopPair.token, account.password, newPassword);
  assert.equal(changed.statusCode, 200, changed.body);
  expected.push({ type: 'password_changed', at, ip: '127.0.0.1', sessionId: laptopSid });

  at = step();
  assert.equal((await app.inject({ method: 'POST', url: '/users/logout', headers: bearer(laptopPair.token) })).statusCode, 204);
  expected.push({ type: 'logout', at, ip: '127.0.0.1', sessionId: laptopSid });

  at = step();
  const tablet = await login(app, { email: account.email, password: newPassword });
  expected.push({ type: 'login_success', at, ip: '127.0.0.1', sessionId: tablet.sessionId });

  // The stranger's own events happen in between and must never show up.
  step();
  await login(app, strangerAccount);
  await app.inject({ method: 'POST', url: '/users/login', payload: { email: strangerAccount.email, password: 'Wr0ng-Password-99' } });

  const events = await activity(app, tablet.token);
  assert.deepEqual(
    events.map((event) => ({ type: event.type, at: event.created_at, ip: event.ip, sessionId: event.session_id })),
    [...expected].reverse(),
    'the caller’s events, newest first',
  );
  for (const event of events) assert.deepEqual(Object.keys(event).sort(), ['_id', 'created_at', 'ip', 'session_id', 'type']);
  const mineIds = new Set(events.map((event) => event._id));
  const strangerRows = await database.db.selectFrom('audit_events').selectAll().where('user_id', '=', strangerAccount.id).execute();
  assert.ok(strangerRows.length >= 2, 'the stranger has events of his own');
  for (const row of strangerRows) assert.ok(!mineIds.has(row.id), 'never another user’s event');
  const limited = await activity(app, tablet.token, '?limit=2');
  assert.deepEqual(
    limited.map((event) => event._id),
    events.slice(0, 2).map((event) => event._id),
  );

  // Disabling the account is recorded too (the caller can no longer read it through the API).
  at = step();
  assert.equal((await app.inject({ method: 'DELETE', url: '/users/', headers: bearer(tablet.token) })).statusCode, 204);
  const rows = await database.db
    .selectFrom('audit_events')
    .selectAll()
    .where('user_id', '=', account.id)
    .orderBy('created_at', 'desc')
    .execute();
  const disabled = rows[0];
  assert.equal(disabled?.type, 'account_disabled');
  assert.equal(disabled.created_at, at);
  assert.equal(disabled.ip, '127.0.0.1');
  assert.equal(disabled.session_id, tablet.sessionId);
  assert.equal(disabled.user_id, account.id);

  // An unknown email's failure is recorded without a user.
  await app.inject({ method: 'POST', url: '/users/login', payload: { email: 'nobody@example.com', password: 'Wr0ng-Password-99' } });
  const anonymous = await database.db.selectFrom('audit_events').selectAll().where('user_id', 'is', null).execute();
  assert.equal(anonymous.length, 1);
  assert.equal(anonymous[0]?.type, 'login_failure');
});

test('GET /users/activity is newest first even for events in the same millisecond (insertion order breaks ties)', async (t) => {
  const { app } = await buildTestApp(t);
  const account = await register(app);
  // The clock never moves here: every event shares one timestamp, as events of one busy millisecond would.
  const types: string[] = [];
  for (let round = 0; round < 3; round += 1) {
    const failed = await app.inject({
      method: 'POST',
      url: '/users/login',
      payload: { email: account.email, password: 'Wr0ng-Password-99' },
    });
    assert.equal(failed.statusCode, 401);
    types.push('login_failure');
    const session = await login(app, account);
    types.push('login_success');
    await refreshed(app, session.refreshToken);
    types.push('refresh');
  }
  const current = await login(app, account);
  types.push('login_success');
  assert.equal((await app.inject({ method: 'DELETE', url: '/users/sessions', headers: bearer(current.token) })).statusCode, 204);
  types.push('session_revoked', 'session_revoked', 'session_revoked');

  const events = await activity(app, current.token);
  assert.deepEqual(
    events.map((event) => event.type),
    [...types].reverse(),
  );
});
