import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, errorOf, json, newUser } from '../helpers/app.js';
import { countRows } from '../helpers/database.js';

test('POST /users/ creates an account: 201, the envelope, and a row without the plain password', async (t) => {
  const { app, database } = await buildTestApp(t);
  const body = newUser({ name: '  Ada   Lovelace ', email: 'Ada.Lovelace@Example.COM' });
  const response = await app.inject({ method: 'POST', url: '/users', payload: body });

  assert.equal(response.statusCode, 201);
  const payload = json<{ message: string; data: Record<string, unknown>; error?: string }>(response);
  assert.equal(typeof payload.message, 'string');
  assert.equal(payload.error, undefined);
  assert.deepEqual(Object.keys(payload.data).sort(), ['_id', 'active', 'created_at', 'email', 'name']);
  assert.equal(payload.data.name, 'Ada Lovelace');
  assert.equal(payload.data.email, 'ada.lovelace@example.com');
  assert.equal(payload.data.active, true);
  assert.doesNotMatch(response.body, /password|argon2/i);

  const row = await database.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', payload.data._id as string)
    .executeTakeFirstOrThrow();
  assert.equal(row.email, 'ada.lovelace@example.com');
  assert.match(row.password_hash, /^\$argon2id\$/);
  assert.notEqual(row.password_hash, body.password);
});

test('POST /users/ refuses invalid names, emails and passwords with field details (tutorial validation, fixed)', async (t) => {
  const { app, database } = await buildTestApp(t);
  const cases: [Record<string, unknown>, string][] = [
    [{ name: 'Ada' }, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'Ada 1234' }, 'name'],
    [{ name: Array.from({ length: 31 }, () => 'Ab').join(' ') }, 'name'],
    [{ name: `${'A'.repeat(60)} ${'B'.repeat(60)}` }, 'name'],
    [{ email: 'not-an-email' }, 'email'],
    [{ password: 'Sh0rt!' }, 'password'],
    [{ password: 'alllowercase1!' }, 'password'],
    [{ password: 'ALLUPPERCASE1!' }, 'password'],
    [{ password: 'NoDigitsHere!' }, 'password'],
    [{ password: 'NoSpecials123' }, 'password'],
    [{ password: `Aa1!${'x'.repeat(125)}` }, 'password'],
    [{ password: 'Password1!' }, 'password'],
    [{ password: 'P@ssw0rd1' }, 'password'],
  ];
  for (const [override, field] of cases) {
    const response = await app.inject({ method: 'POST', url: '/users/', payload: newUser(override) });
    assert.equal(response.statusCode, 400, `${JSON.stringify(override)} → ${response.body}`);
    const error = errorOf(response);
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.equal(error.error, 'Bad Request');
    assert.equal(error.data, null);
    assert.ok(
      error.details?.some((detail) => detail.field === field),
      `${field} in ${JSON.stringify(error.details)}`,
    );
  }
  assert.equal(await countRows(database, 'users'), 0);
});

test('POST /users/ accepts the longest allowed password and a 30-word name', async (t) => {
  const { app } = await buildTestApp(t);
  const longest = await app.inject({ method: 'POST', url: '/users/', payload: newUser({ password: `Aa1!${'Zq7-'.repeat(31)}` }) });
  assert.equal(longest.statusCode, 201, longest.body);
  const words = await app.inject({
    method: 'POST',
    url: '/users/',
    payload: newUser({ name: Array.from({ length: 30 }, () => 'Ab').join(' ') }),
  });
  assert.equal(words.statusCode, 201, words.body);
});

test('POST /users/ refuses unknown and server-owned fields', async (t) => {
  const { app } = await buildTestApp(t);
  for (const extra of [{ _id: 'x' }, { active: false }, { role: 'admin' }, { created_at: '2020-01-01' }]) {
    const response = await app.inject({ method: 'POST', url: '/users/', payload: newUser(extra) });
    assert.equal(response.statusCode, 400, JSON.stringify(extra));
    const error = errorOf(response);
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.deepEqual(
      error.details?.map((detail) => detail.field),
      Object.keys(extra),
    );
  }
});

test('POST /users/ with an email taken in any case gets 409', async (t) => {
  const { app } = await buildTestApp(t);
  const first = newUser({ email: 'grace@example.com' });
  assert.equal((await app.inject({ method: 'POST', url: '/users/', payload: first })).statusCode, 201);
  const again = await app.inject({ method: 'POST', url: '/users/', payload: newUser({ email: 'GRACE@Example.com' }) });
  assert.equal(again.statusCode, 409);
  assert.equal(errorOf(again).code, 'EMAIL_TAKEN');
  assert.equal(errorOf(again).error, 'Conflict');
});

test('the same email registered 20 times in parallel gives exactly one 201 and 409 for the rest', async (t) => {
  const { app, database } = await buildTestApp(t);
  const body = newUser({ email: 'race@example.com' });
  const responses = await Promise.all(Array.from({ length: 20 }, () => app.inject({ method: 'POST', url: '/users/', payload: body })));
  const statuses = responses.map((response) => response.statusCode).sort();
  assert.deepEqual(statuses, [201, ...Array.from({ length: 19 }, () => 409)]);
  const rows = await database.db.selectFrom('users').select('id').where('email', '=', 'race@example.com').execute();
  assert.equal(rows.length, 1);
});

test('malformed JSON gets 400, a wrong content type 415, an oversized body 413', async (t) => {
  const { app } = await buildTestApp(t);
  const malformed = await app.inject({
    method: 'POST',
    url: '/users/',
    headers: { 'content-type': 'application/json' },
    payload: '{"name": "Ada',
  });
  assert.equal(malformed.statusCode, 400);
  assert.equal(errorOf(malformed).code, 'MALFORMED_JSON');

  const empty = await app.inject({ method: 'POST', url: '/users/', headers: { 'content-type': 'application/json' }, payload: '' });
  assert.equal(empty.statusCode, 400);

  const text = await app.inject({ method: 'POST', url: '/users/', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
  assert.equal(text.statusCode, 415);
  assert.equal(errorOf(text).code, 'UNSUPPORTED_MEDIA_TYPE');

  const huge = await app.inject({ method: 'POST', url: '/users/', payload: newUser({ name: 'A'.repeat(200_000) }) });
  assert.equal(huge.statusCode, 413);
  assert.equal(errorOf(huge).code, 'PAYLOAD_TOO_LARGE');

  const missing = await app.inject({ method: 'POST', url: '/users/' });
  assert.equal(missing.statusCode, 400);
  assert.equal(errorOf(missing).code, 'VALIDATION_FAILED');

  const array = await app.inject({ method: 'POST', url: '/users/', payload: [newUser()] });
  assert.equal(array.statusCode, 400);
});
