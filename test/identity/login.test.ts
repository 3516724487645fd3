import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, errorOf, json, newUser, signUp } from '../helpers/app.js';
import { DAY, claimsOf, headerOf, register, sessionRow, type Json } from '../helpers/identity.js';

test('POST /users/login returns the user with a Bearer token that expires', async (t) => {
  const { app } = await buildTestApp(t);
  const body = newUser();
  await app.inject({ method: 'POST', url: '/users/', payload: body });
  const response = await app.inject({
    method: 'POST',
    url: '/users/login',
    payload: { email: body.email.toUpperCase(), password: body.password },
  });

  assert.equal(response.statusCode, 200);
  const data = json<{ data: Json }>(response).data;
  assert.equal(data.token_type, 'Bearer');
  assert.equal(data.expires_in, 900);
  assert.equal(data.email, body.email);
  assert.equal(typeof data.token, 'string');
  assert.doesNotMatch(response.body, /password|argon2/i);

  const header = headerOf(data.token as string);
  const payload = claimsOf(data.token as string);
  assert.equal(header.alg, 'EdDSA');
  assert.equal(header.typ, 'at+jwt');
  assert.equal(typeof header.kid, 'string');
  assert.equal(payload.sub, data._id);
  assert.equal(payload.iss, 'bindery');
  assert.equal(payload.aud, 'bindery');
  assert.equal((payload.exp as number) - (payload.iat as number), 900);
  assert.equal(typeof payload.jti, 'string');
});

test('login returns an opaque refresh token beside an at+jwt access token carrying sid and jti (RFC 9068 §2.1)', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const account = await register(app);
  const response = await app.inject({
    method: 'POST',
    url: '/users/login',
    headers: { 'user-agent': 'Bindery-Test/1.0' },
    payload: { email: account.email, password: account.password },
  });
  assert.equal(response.statusCode, 200, response.body);
  const data = json<{ data: Json }>(response).data;

  const refreshToken = data.refresh_token as string;
  assert.equal(typeof refreshToken, 'string');
  assert.doesNotMatch(refreshToken, /\./, 'not a JWT: no dots');
  assert.match(refreshToken, /^[A-Za-z0-9_-]{43,}$/, 'at least 256 bits, url-safe');

  const token = data.token as string;
  assert.equal(headerOf(token).typ, 'at+jwt');
  const claims = claimsOf(token);
  assert.equal(claims.sub, account.id);
  assert.equal(typeof claims.sid, 'string');
  assert.equal(typeof claims.jti, 'string');
  assert.ok((claims.jti as string).length >= 16);

  const session = await sessionRow(database, claims.sid as string);
  assert.equal(session.user_id, account.id);
  assert.equal(session.ip, '127.0.0.1');
  assert.equal(session.user_agent, 'Bindery-Test/1.0');
  assert.equal(session.created_at, clock.now().toISOString());
  assert.equal(session.revoked_at, null);
  assert.equal(session.expires_at, new Date(clock.now().getTime() + 30 * DAY).toISOString());
});

test('ASVS V6.3.8: unknown email, wrong password and disabled account get the same 401 body', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const disabled = await signUp(app);
  await app.inject({ method: 'DELETE', url: '/users/', headers: disabled.auth });

  const attempts = [
    { email: 'nobody@example.com', password: 'Tr1cky-Lantern-42' },
    { email: session.user.email, password: 'Wr0ng-Password-99' },
    { email: disabled.user.email, password: disabled.password },
  ];
  const bodies = [];
  for (const attempt of attempts) {
    const response = await app.inject({ method: 'POST', url: '/users/login', payload: attempt });
    assert.equal(response.statusCode, 401);
    const { request_id: _ignored, ...rest } = errorOf(response);
    bodies.push(rest);
  }
  assert.deepEqual(bodies[0], { message: 'Invalid email or password', data: null, error: 'Unauthorized', code: 'INVALID_CREDENTIALS' });
  assert.deepEqual(bodies[1], bodies[0]);
  assert.deepEqual(bodies[2], bodies[0]);
});

test('POST /users/login refuses a malformed body with 400 and unknown fields', async (t) => {
  const { app } = await buildTestApp(t);
  for (const payload of [
    { email: 'a@example.com' },
    { email: 'nope', password: 'x' },
    { email: 'a@example.com', password: 'x', extra: 1 },
  ]) {
    const response = await app.inject({ method: 'POST', url: '/users/login', payload });
    assert.equal(response.statusCode, 400, JSON.stringify(payload));
    assert.equal(errorOf(response).code, 'VALIDATION_FAILED');
  }
});
