import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { test } from 'node:test';
import { buildTestApp, signUp } from '../helpers/app.js';
import { bearer } from '../helpers/identity.js';

test('ASVS 16.2.5: after a full flow (register, login, refresh, reads, refusals) trace-level logs hold no SECRET_KEY, password, token, cookie or Authorization value', async (t) => {
  const lines: string[] = [];
  const stream = {
    write(line: string) {
      lines.push(line);
    },
  };
  const secretKey = `log-probe-${randomBytes(24).toString('base64url')}-SECRET`;
  // The production logger settings (redaction included), at trace level, into this buffer.
  const { app } = await buildTestApp(t, { config: { secretKey, logLevel: 'trace' }, deps: { logger: stream as unknown as Writable } });

  const session = await signUp(app);
  const me = await app.inject({ method: 'GET', url: '/users/', headers: session.auth });
  assert.equal(me.statusCode, 200);
  // Every token a login hands out (access, and refresh where there is one) must stay out of the logs.
  const login = await app.inject({
    method: 'POST',
    url: '/users/login',
    payload: { email: session.user.email, password: session.password },
  });
  assert.equal(login.statusCode, 200);
  const issuedTokens = Object.entries(login.json<{ data: Record<string, unknown> }>().data).filter(
    (entry): entry is [string, string] => /token/i.test(entry[0]) && entry[0] !== 'token_type' && typeof entry[1] === 'string',
  );
  assert.ok(issuedTokens.length >= 1);

  const wrongPassword = 'Wr0ng-Passw0rd-For-Logs!';
  const failed = await app.inject({ method: 'POST', url: '/users/login', payload: { email: session.user.email, password: wrongPassword } });
  assert.equal(failed.statusCode, 401);
  const weakPassword = 'weak-pw-in-logs';
  const invalid = await app.inject({
    method: 'POST',
    url: '/users/',
    payload: { name: 'Ada Lovelace', email: 'logs@example.com', password: weakPassword },
  });
  assert.equal(invalid.statusCode, 400);
  const forged = `forged.${randomBytes(24).toString('base64url')}.token`;
  const refused = await app.inject({ method: 'GET', url: '/users/', headers: bearer(forged) });
  assert.equal(refused.statusCode, 401);
  const refreshToken = issuedTokens.find(([name]) => name === 'refresh_token')?.[1];
  assert.ok(refreshToken, 'login hands out a refresh token');
  const refreshed = await app.inject({ method: 'POST', url: '/users/token/refresh', payload: { refresh_token: refreshToken } });
  assert.equal(refreshed.statusCode, 200);
  for (const [name, value] of Object.entries(refreshed.json<{ data: Record<string, unknown> }>().data)) {
    if (/token/i.test(name) && name !== 'token_type' && typeof value === 'string') issuedTokens.push([`refreshed ${name}`, value]);
  }
  const cookie = `sid=${randomBytes(18).toString('base64url')}`;
  const withCookie = await app.inject({ method: 'GET', url: '/users/', headers: { ...session.auth, cookie } });
  assert.equal(withCookie.statusCode, 200);
  const basic = Buffer.from(`${session.user.email}:${session.password}`).toString('base64');
  const basicRefused = await app.inject({ method: 'GET', url: '/users/', headers: { authorization: `Basic ${basic}` } });
  assert.equal(basicRefused.statusCode, 401);
  await app.close();

  const text = lines.join('');
  assert.match(text, /incoming request/, 'the capture works: request logs are there');
  assert.match(text, /request completed/);
  const [, , signature] = session.token.split('.');
  const needles: [string, string][] = [
    ['SECRET_KEY', secretKey],
    ['password', session.password],
    ['wrong password', wrongPassword],
    ['rejected weak password', weakPassword],
    ['access token', session.token],
    ['access token signature', signature ?? session.token],
    ['Authorization header value', session.auth.authorization],
    ['forged bearer value', forged],
    ['Basic credentials', basic],
    ['cookie value', cookie],
    ['private key PEM', 'PRIVATE KEY'],
    ['password hash', '$argon2'],
  ];
  for (const [name, value] of issuedTokens) needles.push([`login ${name}`, value]);
  for (const [label, needle] of needles) assert.ok(!text.includes(needle), `the logs contain the ${label}`);
  assert.doesNotMatch(text, /Bearer |Basic /, 'no Authorization value of any scheme');
});
