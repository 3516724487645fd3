import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, errorOf } from '../helpers/app.js';
import {
  assertAccepted,
  assertRefreshRefused,
  assertRefused,
  bearer,
  listSessions,
  login,
  pairOf,
  refresh,
  register,
  sessionRow,
  type Json,
} from '../helpers/identity.js';

test('ASVS 3.3.1: POST /users/logout answers 204; its access token is refused on the very next request, and its refresh token too', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const other = await login(app, account);
  const session = await login(app, account);
  await assertAccepted(app, session.token, account.id, 'before logout'); // warm any verification cache

  const response = await app.inject({ method: 'POST', url: '/users/logout', headers: bearer(session.token) });
  assert.equal(response.statusCode, 204);
  assert.equal(response.body, '');

  await assertRefused(app, session.token, 'the logged-out access token');
  await assertRefreshRefused(app, session.refreshToken, 'the logged-out refresh token');
  const again = await app.inject({ method: 'POST', url: '/users/logout', headers: bearer(session.token) });
  assert.equal(again.statusCode, 401, 'a second logout with the dead token');
  const row = await sessionRow(database, session.sessionId);
  assert.notEqual(row.revoked_at, null);
  assert.equal(row.revoked_reason, 'logout');

  await assertAccepted(app, other.token, account.id, 'another session of the user');
});

test('DELETE /users/sessions/:id ends one session (204): its token gets 401 and the caller’s goes on', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const caller = await login(app, account);
  const target = await login(app, account);
  const strangerAccount = await register(app);
  const stranger = await login(app, strangerAccount);

  const response = await app.inject({ method: 'DELETE', url: `/users/sessions/${target.sessionId}`, headers: bearer(caller.token) });
  assert.equal(response.statusCode, 204);
  assert.equal(response.body, '');
  await assertRefused(app, target.token, 'the ended session’s access token');
  await assertRefreshRefused(app, target.refreshToken, 'the ended session’s refresh token');
  await assertAccepted(app, caller.token, account.id, 'the caller');
  assert.equal((await sessionRow(database, target.sessionId)).revoked_reason, 'revoked_by_user');

  // Ending it again, another user's session, or one that never existed: the same 404.
  const bodies: Json[] = [];
  for (const [label, id] of [
    ['already ended', target.sessionId],
    ['another user’s session', stranger.sessionId],
    ['unknown id', '00000000-0000-4000-8000-000000000000'],
    ['not a uuid', 'nope'],
  ] as const) {
    const missing = await app.inject({ method: 'DELETE', url: `/users/sessions/${id}`, headers: bearer(caller.token) });
    assert.equal(missing.statusCode, 404, `${label}: ${missing.body}`);
    const { request_id: _ignored, ...rest } = errorOf(missing);
    assert.equal(rest.code, 'SESSION_NOT_FOUND', label);
    bodies.push(rest);
  }
  for (const body of bodies) assert.deepEqual(body, bodies[0], 'one answer, so a 404 tells nothing about other users');
  await assertAccepted(app, stranger.token, strangerAccount.id, 'the other user’s session is untouched');
  assert.equal((await sessionRow(database, stranger.sessionId)).revoked_at, null);
});

test('ASVS 3.3.4: DELETE /users/sessions ends every session but the current one (204)', async (t) => {
  const { app } = await buildTestApp(t);
  const account = await register(app);
  const others = [await login(app, account), await login(app, account)];
  const current = await login(app, account);
  const strangerAccount = await register(app);
  const stranger = await login(app, strangerAccount);

  const response = await app.inject({ method: 'DELETE', url: '/users/sessions', headers: bearer(current.token) });
  assert.equal(response.statusCode, 204);
  assert.equal(response.body, '');
  for (const [index, other] of others.entries()) {
    await assertRefused(app, other.token, `other session ${index}`);
    await assertRefreshRefused(app, other.refreshToken, `other session ${index} refresh`);
  }
  await assertAccepted(app, current.token, account.id, 'the current session');
  pairOf(await refresh(app, current.refreshToken), 'the current session refreshes');
  assert.deepEqual(
    (await listSessions(app, current.token)).map((session) => session._id),
    [current.sessionId],
  );
  await assertAccepted(app, stranger.token, strangerAccount.id, 'another user is untouched');
});

test('DELETE /users/ ends every session of the account at once', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const first = await login(app, account);
  const second = await login(app, account);

  const response = await app.inject({ method: 'DELETE', url: '/users/', headers: bearer(first.token) });
  assert.equal(response.statusCode, 204);
  for (const [label, session] of [
    ['the caller', first],
    ['the other session', second],
  ] as const) {
    await assertRefused(app, session.token, label);
    await assertRefreshRefused(app, session.refreshToken, label);
    assert.equal((await sessionRow(database, session.sessionId)).revoked_reason, 'account_disabled', label);
  }
});
