import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, errorOf, json, newUser, testConfig } from '../helpers/app.js';

/** The client behind the proxy, and the proxy itself (the socket's peer). */
const CLIENT = '203.0.113.7';
const PROXY = '10.0.0.2';

/** The trust setting exactly as TRUST_PROXY=`value` loads it. */
const trusting = (value: string) => ({ trustProxy: testConfig({}, { TRUST_PROXY: value }).trustProxy });

/** What the app takes for the client's IP, read back from the session a login starts. */
async function ipSeenFor(app: FastifyInstance, remoteAddress: string, forwardedFor?: string): Promise<string | null> {
  const user = newUser();
  assert.equal((await app.inject({ method: 'POST', url: '/users/', payload: user })).statusCode, 201);
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  const login = await app.inject({
    method: 'POST',
    url: '/users/login',
    remoteAddress,
    headers,
    payload: { email: user.email, password: user.password },
  });
  assert.equal(login.statusCode, 200, login.body);
  const token = json<{ data: { token: string } }>(login).data.token;
  const sessions = await app.inject({ method: 'GET', url: '/users/sessions', headers: { authorization: `Bearer ${token}` } });
  return json<{ data: { ip: string | null }[] }>(sessions).data[0]?.ip ?? null;
}

test('issue 9: with TRUST_PROXY=true, 120 failed logins from one client with a rotating spoofed leftmost X-Forwarded-For are throttled per IP', async (t) => {
  const { app } = await buildTestApp(t, { config: trusting('true') });
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const spoofed = `198.51.100.${attempt % 250}`;
    const response = await app.inject({
      method: 'POST',
      url: '/users/login',
      remoteAddress: PROXY,
      // What nginx or a load balancer sends: the client's own header, with the address it saw appended.
      headers: { 'x-forwarded-for': `${spoofed}, ${CLIENT}` },
      // A new email each time, so only the per-IP limit (50 failures per 15 minutes) can act.
      payload: { email: `victim.${attempt}@example.com`, password: 'Wr0ng-Password-99' },
    });
    statuses.push(response.statusCode);
    if (response.statusCode === 429) assert.equal(errorOf(response).code, 'TOO_MANY_REQUESTS');
  }
  assert.deepEqual(statuses.slice(0, 50), Array<number>(50).fill(401), 'the first 50 failures are only failures');
  assert.deepEqual(statuses.slice(50), Array<number>(70).fill(429), 'every later one is throttled, whatever it claims to be');
});

test('issue 9: with TRUST_PROXY=true a session and the audit trail record the address the proxy saw, not the client-written one', async (t) => {
  const { app, database } = await buildTestApp(t, { config: trusting('true') });
  assert.equal(await ipSeenFor(app, PROXY, `192.0.2.66, ${CLIENT}`), CLIENT);
  const audited = await database.db.selectFrom('audit_events').select(['type', 'ip']).where('type', '=', 'login_success').execute();
  assert.deepEqual(audited, [{ type: 'login_success', ip: CLIENT }]);
});

test('TRUST_PROXY=2 trusts two hops: the client is the second entry from the right', async (t) => {
  const { app } = await buildTestApp(t, { config: trusting('2') });
  assert.equal(await ipSeenFor(app, PROXY, `192.0.2.66, ${CLIENT}, 10.0.0.9`), CLIENT);
  assert.equal(await ipSeenFor(app, PROXY, CLIENT), CLIENT, 'fewer entries than hops: the leftmost');
});

test('TRUST_PROXY as addresses and CIDRs trusts only those peers, and walks back past each trusted hop', async (t) => {
  const { app } = await buildTestApp(t, { config: trusting('10.0.0.0/8,192.168.1.7') });
  assert.equal(await ipSeenFor(app, '10.1.2.3', `192.0.2.66, ${CLIENT}, 192.168.1.7`), CLIENT);
  assert.equal(await ipSeenFor(app, '198.51.100.9', '192.0.2.66'), '198.51.100.9', 'an untrusted peer is the client itself');
});

test('TRUST_PROXY=false (the default) ignores X-Forwarded-For', async (t) => {
  const { app } = await buildTestApp(t);
  assert.equal(await ipSeenFor(app, CLIENT, '192.0.2.66'), CLIENT);
});
