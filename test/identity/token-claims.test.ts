import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { buildTestApp, signUp } from '../helpers/app.js';
import { assertRefused, bearer, type Json } from '../helpers/identity.js';
import { compact, eddsa, goodClaims, goodHeader, serverKey, without } from '../helpers/jwt-forgery.js';

test('RFC 8725 §3.8/§3.9/§3.11, ASVS 9.2.2/9.2.3: wrong iss, aud or typ on a correctly signed token get 401', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const key = await serverKey(database);
  const sign = (header: Json, claims: Json) => compact(header, claims, eddsa(key.privateKey));
  const claims = () => goodClaims(session, clock);

  const cases: [string, Json, Json][] = [
    ['iss of another issuer', goodHeader(key.kid), { ...claims(), iss: 'https://evil.example' }],
    ['iss differing in case', goodHeader(key.kid), { ...claims(), iss: 'Bindery' }],
    ['iss as an array', goodHeader(key.kid), { ...claims(), iss: ['bindery'] }],
    ['no iss', goodHeader(key.kid), without(claims(), 'iss')],
    ['aud of another service', goodHeader(key.kid), { ...claims(), aud: 'other-api' }],
    ['aud array without us', goodHeader(key.kid), { ...claims(), aud: ['other-api', 'billing'] }],
    ['empty aud array', goodHeader(key.kid), { ...claims(), aud: [] }],
    ['no aud', goodHeader(key.kid), without(claims(), 'aud')],
    ['typ JWT', { ...goodHeader(key.kid), typ: 'JWT' }, claims()],
    ['typ id_token+jwt', { ...goodHeader(key.kid), typ: 'id_token+jwt' }, claims()],
    ['typ refresh+jwt', { ...goodHeader(key.kid), typ: 'refresh+jwt' }, claims()],
    ['no typ', without(goodHeader(key.kid), 'typ'), claims()],
  ];
  for (const [label, header, body] of cases) await assertRefused(app, bearer(sign(header, body)), label);
});

test('ASVS 9.2.1: a correctly signed token without exp, or with a bad exp/nbf or a missing required claim, gets 401', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const key = await serverKey(database);
  const now = Math.floor(clock.now().getTime() / 1000);
  const claims = () => goodClaims(session, clock);
  const cases: [string, unknown][] = [
    ['no exp', without(claims(), 'exp')],
    ['exp null', { ...claims(), exp: null }],
    ['exp as a string', { ...claims(), exp: String(now + 900) }],
    ['exp one second ago', { ...claims(), exp: now - 1 }],
    ['exp now', { ...claims(), exp: now }],
    ['nbf in the future', { ...claims(), nbf: now + 60 }],
    ['no sub', without(claims(), 'sub')],
    ['sub a number', { ...claims(), sub: 42 }],
    ['sub an object', { ...claims(), sub: { $ne: null } }],
    ['no jti', without(claims(), 'jti')],
    ['no iat', without(claims(), 'iat')],
    ['payload null', 'null'],
    ['payload an array', '[]'],
    ['payload a string', '"sub"'],
    ['payload not JSON', '{"sub":'],
  ];
  for (const [label, payload] of cases) {
    await assertRefused(app, bearer(compact(goodHeader(key.kid), payload, eddsa(key.privateKey))), label);
  }
});

test('a correctly signed token whose sub names no user gets 401 on every dialect, SQL-looking or not', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const key = await serverKey(database);
  for (const sub of ['00000000-0000-4000-8000-000000000000', "x' OR '1'='1", '', ' ', 'a'.repeat(5000), '\u00e9\u{1F4DA}']) {
    const token = compact(goodHeader(key.kid), { ...goodClaims(session, clock), sub }, eddsa(key.privateKey));
    await assertRefused(app, bearer(token), `sub ${JSON.stringify(sub).slice(0, 40)}`);
  }
});

test('a correctly signed token whose sub holds a NUL byte gets 401, not 500, on PostgreSQL too', async (t) => {
  // Only a holder of the signing key can mint this, so it is defence in depth: a claim that cannot be a user id
  // should be refused before it reaches the database, where PostgreSQL rejects NUL in text with an error.
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const key = await serverKey(database);
  for (const sub of ['\u0000', `${randomBytes(4).toString('hex')}\u0000`]) {
    const token = compact(goodHeader(key.kid), { ...goodClaims(session, clock), sub }, eddsa(key.privateKey));
    await assertRefused(app, bearer(token), `sub ${JSON.stringify(sub)}`);
  }
});

test('RFC 8725 §3.10: an unknown crit extension or b64:false on a correctly signed token gets 401', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const key = await serverKey(database);
  const headers: Json[] = [
    { ...goodHeader(key.kid), crit: ['x-bindery-admin'], 'x-bindery-admin': true },
    { ...goodHeader(key.kid), crit: ['exp'] },
    { ...goodHeader(key.kid), crit: [] },
    { ...goodHeader(key.kid), crit: 'b64' },
    { ...goodHeader(key.kid), b64: false, crit: ['b64'] },
  ];
  for (const header of headers) {
    await assertRefused(app, bearer(compact(header, goodClaims(session, clock), eddsa(key.privateKey))), JSON.stringify(header));
  }
});
