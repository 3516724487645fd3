import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, json, signUp } from '../helpers/app.js';
import { assertAccepted, assertRefused } from '../helpers/identity.js';

test('GET /users/ returns the caller; PUT /users/ renames with 200', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);

  const me = await app.inject({ method: 'GET', url: '/users/', headers: session.auth });
  assert.equal(me.statusCode, 200);
  assert.equal(json<{ data: { _id: string } }>(me).data._id, session.user._id);

  const renamed = await app.inject({ method: 'PUT', url: '/users/', headers: session.auth, payload: { name: 'Grace Brewster Hopper' } });
  assert.equal(renamed.statusCode, 200);
  assert.equal(json<{ data: { name: string } }>(renamed).data.name, 'Grace Brewster Hopper');
  const row = await database.db.selectFrom('users').select('name').where('id', '=', session.user._id).executeTakeFirstOrThrow();
  assert.equal(row.name, 'Grace Brewster Hopper');
  // Pins a stale principal cache: the next request with the same token must see the new name.
  const after = await app.inject({ method: 'GET', url: '/users/', headers: session.auth });
  assert.equal(json<{ data: { name: string } }>(after).data.name, 'Grace Brewster Hopper');
});

test('PUT /users/ refuses a bad name, an empty body and any other field, changing nothing', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  for (const payload of [{ name: 'Mononym' }, {}, { name: 'Grace Hopper', email: 'x@example.com' }, { active: false }]) {
    const response = await app.inject({ method: 'PUT', url: '/users/', headers: session.auth, payload });
    assert.equal(response.statusCode, 400, JSON.stringify(payload));
  }
  const row = await database.db.selectFrom('users').selectAll().where('id', '=', session.user._id).executeTakeFirstOrThrow();
  assert.equal(row.name, 'Ada Lovelace');
  assert.equal(row.email, session.user.email);
  assert.equal(row.disabled_at, null);
});

test('the token of a disabled user (DELETE /users/) gets 401 at once, even when it was used just before', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const other = await signUp(app);
  await assertAccepted(app, session.auth, session.user._id, 'before disabling');
  const disabled = await app.inject({ method: 'DELETE', url: '/users/', headers: session.auth });
  assert.equal(disabled.statusCode, 204);
  assert.equal(disabled.body, '');
  await assertRefused(app, session.auth, 'disabled user');
  await assertRefused(app, { authorization: `bearer ${session.token}` }, 'disabled user, lower-case scheme');
  const again = await app.inject({ method: 'DELETE', url: '/users/', headers: session.auth });
  assert.equal(again.statusCode, 401);
  const row = await database.db.selectFrom('users').select('disabled_at').where('id', '=', session.user._id).executeTakeFirstOrThrow();
  assert.notEqual(row.disabled_at, null);
  await assertAccepted(app, other.auth, other.user._id, 'another user is unaffected');
});
