import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, errorOf, newUser, signUp } from '../helpers/app.js';

const BUILT_ON_CONTEXT = 'must not contain your name, your e-mail address or the name of this service';

test('ASVS 6.2.11: a password built on the account’s name, e-mail or the service’s name is refused at registration, with the reason in details', async (t) => {
  const { app } = await buildTestApp(t);
  const cases = [
    { label: 'the name', overrides: { name: 'Ada Lovelace', password: 'Ada-Lovelace-1815!' } },
    { label: 'the name in look-alikes', overrides: { name: 'Ada Lovelace', password: 'L0v3l4c3-Rules-9!' } },
    { label: 'the e-mail’s local part', overrides: { email: 'countess.byron@example.com', password: 'Countess-Quill-22!' } },
    { label: 'the service’s name', overrides: { password: 'Bindery-Books-1!' } },
  ];
  for (const { label, overrides } of cases) {
    const response = await app.inject({ method: 'POST', url: '/users/', payload: newUser(overrides) });
    assert.equal(response.statusCode, 400, `${label}: ${response.body}`);
    assert.equal(errorOf(response).code, 'VALIDATION_FAILED', label);
    assert.deepEqual(errorOf(response).details, [{ field: 'password', message: BUILT_ON_CONTEXT }], label);
  }
  const accepted = await app.inject({
    method: 'POST',
    url: '/users/',
    payload: newUser({ name: 'Ada Lovelace', password: 'Tr1cky-Lantern-42' }),
  });
  assert.equal(accepted.statusCode, 201, 'a password with nothing of the account in it');
});

test('ASVS 6.2.11: a new password built on the account’s own name is refused at a password change', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app, { name: 'Grace Hopper' });
  const response = await app.inject({
    method: 'PUT',
    url: '/users/password',
    headers: session.auth,
    payload: { current_password: session.password, new_password: 'Hopper-Compiler-1952!' },
  });
  assert.equal(response.statusCode, 400, response.body);
  assert.deepEqual(errorOf(response).details, [{ field: 'new_password', message: BUILT_ON_CONTEXT }]);
});
