import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp } from '../helpers/app.js';
import { DAY, SECOND, assertRefreshRefused, bearer, listSessions, login, refreshed, register } from '../helpers/identity.js';

test('GET /users/sessions lists the live sessions with exactly one current, and not another user’s', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const account = await register(app);
  const stranger = await login(app, await register(app));
  const phone = await login(app, account, { 'user-agent': 'Phone/1.0' });
  clock.advance(SECOND);
  const laptop = await login(app, account, { 'user-agent': 'Laptop/2.0' });

  const sessions = await listSessions(app, laptop.token);
  assert.equal(sessions.length, 2, JSON.stringify(sessions));
  for (const session of sessions) {
    assert.deepEqual(Object.keys(session).sort(), ['_id', 'created_at', 'current', 'ip', 'last_used_at', 'user_agent']);
    assert.equal(session.ip, '127.0.0.1');
  }
  assert.equal(sessions.filter((session) => session.current).length, 1, 'exactly one current');
  const byId = new Map(sessions.map((session) => [session._id, session]));
  assert.equal(byId.get(laptop.sessionId)?.current, true);
  assert.equal(byId.get(laptop.sessionId)?.user_agent, 'Laptop/2.0');
  assert.equal(byId.get(phone.sessionId)?.current, false);
  assert.equal(byId.get(phone.sessionId)?.user_agent, 'Phone/1.0');
  assert.equal(byId.get(phone.sessionId)?.created_at, new Date(clock.now().getTime() - SECOND).toISOString());
  assert.ok(!byId.has(stranger.sessionId), 'not another user’s session');

  // From the other device, the other one is current.
  const fromPhone = await listSessions(app, phone.token);
  assert.deepEqual(
    fromPhone.filter((session) => session.current).map((session) => session._id),
    [phone.sessionId],
  );

  // A logged-out session is no longer listed.
  await app.inject({ method: 'POST', url: '/users/logout', headers: bearer(phone.token) });
  assert.deepEqual(
    (await listSessions(app, laptop.token)).map((session) => session._id),
    [laptop.sessionId],
  );
});

test('GET /users/sessions leaves out a session ended by the idle timeout (it cannot be refreshed or revoked any more)', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const account = await register(app);
  const stale = await login(app, account);
  clock.advance(6 * DAY);
  const fresh = await login(app, account);
  clock.advance(2 * DAY); // stale: 8 days idle; fresh: 2 days
  const current = await refreshed(app, fresh.refreshToken, 'the fresh session refreshes');
  await assertRefreshRefused(app, stale.refreshToken, 'the idle session is over');

  const revoke = await app.inject({ method: 'DELETE', url: `/users/sessions/${stale.sessionId}`, headers: bearer(current.token) });
  assert.equal(revoke.statusCode, 404, 'the server itself treats the idle session as gone');
  const listed = await listSessions(app, current.token);
  assert.deepEqual(
    listed.map((session) => session._id),
    [fresh.sessionId],
    'an idle-expired session is not a live session and must not be listed',
  );
});
