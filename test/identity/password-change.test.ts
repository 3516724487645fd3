import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, errorOf, json } from '../helpers/app.js';
import {
  assertAccepted,
  assertRefreshRefused,
  assertRefused,
  changePassword,
  login,
  refreshed,
  register,
  sessionRow,
  type Json,
} from '../helpers/identity.js';

test('PUT /users/password: a wrong current password gets 400 INVALID_CURRENT_PASSWORD, a weak new one 400 VALIDATION_FAILED; nothing changes', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const other = await login(app, account);
  const session = await login(app, account);
  const before = await database.db
    .selectFrom('users')
    .select(['password_hash', 'updated_at'])
    .where('id', '=', account.id)
    .executeTakeFirstOrThrow();

  const wrong = await changePassword(app, session.token, 'Wr0ng-Password-99', 'Brand-New-Lantern-77');
  assert.equal(wrong.statusCode, 400, wrong.body);
  assert.equal(errorOf(wrong).code, 'INVALID_CURRENT_PASSWORD');
  assert.equal(errorOf(wrong).error, 'Bad Request');

  for (const weak of ['short1!', 'Password1!', 'alllowercase1!']) {
    const response = await changePassword(app, session.token, account.password, weak);
    assert.equal(response.statusCode, 400, `${weak}: ${response.body}`);
    const error = errorOf(response);
    assert.equal(error.code, 'VALIDATION_FAILED', weak);
    assert.ok(
      error.details?.some((detail) => detail.field === 'new_password'),
      `${weak}: ${JSON.stringify(error.details)}`,
    );
  }

  const after = await database.db
    .selectFrom('users')
    .select(['password_hash', 'updated_at'])
    .where('id', '=', account.id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(after, before, 'the stored password is untouched');
  await assertAccepted(app, other.token, account.id, 'no session ended');
  await login(app, account); // the old password still works
});

test('ASVS 3.3.3: PUT /users/password changes it (200): every other session ends, the current one goes on', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const others = [await login(app, account), await login(app, account)];
  const current = await login(app, account);
  const newPassword = 'Brand-New-Lantern-77';

  const response = await changePassword(app, current.token, account.password, newPassword);
  assert.equal(response.statusCode, 200, response.body);
  const body = json<{ message: string; data: Json }>(response);
  assert.equal(body.data._id, account.id);
  assert.doesNotMatch(response.body, /argon2|password_hash|Brand-New/i);
  const row = await database.db.selectFrom('users').select('password_hash').where('id', '=', account.id).executeTakeFirstOrThrow();
  assert.match(row.password_hash, /^\$argon2id\$/);

  for (const [index, other] of others.entries()) {
    await assertRefused(app, other.token, `other session ${index}`);
    await assertRefreshRefused(app, other.refreshToken, `other session ${index} refresh`);
    assert.equal((await sessionRow(database, other.sessionId)).revoked_reason, 'password_changed');
  }
  await assertAccepted(app, current.token, account.id, 'the current session');
  const next = await refreshed(app, current.refreshToken, 'the current session refreshes');
  await assertAccepted(app, next.token, account.id, 'the current session after a refresh');

  const old = await app.inject({ method: 'POST', url: '/users/login', payload: { email: account.email, password: account.password } });
  assert.equal(old.statusCode, 401);
  assert.equal(errorOf(old).code, 'INVALID_CREDENTIALS');
  const fresh = await login(app, { email: account.email, password: newPassword });
  await assertAccepted(app, fresh.token, account.id, 'a login with the new password');
});
