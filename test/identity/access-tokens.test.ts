import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { buildTestApp, signUp } from '../helpers/app.js';
import { ACCESS_TTL_MS, assertAccepted, assertRefused, bearer } from '../helpers/identity.js';
import { encode } from '../helpers/jwt-forgery.js';

test('no credentials: no header, another scheme, or an empty Bearer get 401 with a bare challenge (RFC 6750 §3.1)', async (t) => {
  const { app } = await buildTestApp(t);
  await assertRefused(app, {}, 'no Authorization header', 'no_credentials');
  const cases = [
    'Basic dXNlcjpUcjFja3ktTGFudGVybi00Mg==',
    'Bearer',
    'Bearer ',
    'Bearer    ',
    'Token abc',
    'Bearerabc',
    'Digest username="ada"',
    '',
  ];
  for (const authorization of cases) {
    await assertRefused(app, { authorization }, JSON.stringify(authorization), 'no_credentials');
  }
});

test('garbage bearer values get 401, never 500 (RFC 8725 §3.4: validate cryptographic inputs)', async (t) => {
  const { app } = await buildTestApp(t);
  const sig = randomBytes(64).toString('base64url');
  const notB64Token = ['%%%', 'a b c', '<script>', 'a.b.c!', '"quoted"', 'abc,def', '\\x00'];
  for (const value of notB64Token) await assertRefused(app, bearer(value), value, 'any');

  const b64Token = [
    'abc',
    'a.b.c',
    'a.b',
    'a.b.c.d',
    'a.b.c.d.e',
    '.',
    '..',
    '...',
    'a==',
    'x'.repeat(10 * 1024),
    `${'a'.repeat(4000)}.${'b'.repeat(4000)}.${'c'.repeat(2240)}`,
    '~~~.+++.///',
    'e+J.e/J.s~g',
    'Zm9v.YmFy.YmF6',
    `${encode('null')}.${encode({})}.${sig}`,
    `${encode('[]')}.${encode({})}.${sig}`,
    `${encode('"EdDSA"')}.${encode({})}.${sig}`,
    `${encode('42')}.${encode({})}.${sig}`,
    `${encode('{"alg":')}.${encode({})}.${sig}`,
    `${encode({ alg: 'EdDSA', typ: 'at+jwt' })}.~~~.${sig}`,
    `${encode({ alg: 'EdDSA', typ: 'at+jwt' })}.${encode({ sub: 'x' })}.`,
    `${encode({ alg: 'EdDSA', typ: 'at+jwt' })}.${encode({ sub: 'x' })}.AAAA`,
    `${encode({ alg: 'EdDSA', typ: 'at+jwt', kid: 123 })}.${encode({ sub: 'x' })}.${sig}`,
    `${encode({ alg: 'EdDSA', typ: 'at+jwt', kid: { $ne: null } })}.${encode({ sub: 'x' })}.${sig}`,
    `${encode({ alg: 'EdDSA', typ: 'at+jwt', kid: ['a', 'b'] })}.${encode({ sub: 'x' })}.${sig}`,
    `${encode({ alg: ['EdDSA'], typ: 'at+jwt' })}.${encode({ sub: 'x' })}.${sig}`,
    `${encode({ alg: null })}.${encode({ sub: 'x' })}.${sig}`,
    `${encode('{"alg":"none","alg":"EdDSA","typ":"at+jwt"}')}.${encode({ sub: 'x' })}.${sig}`,
    `${encode({ alg: 'EdDSA', typ: 'at+jwt', __proto__: { kid: 'x' } })}.${encode({ sub: 'x' })}.${sig}`,
  ];
  for (const value of b64Token) await assertRefused(app, bearer(value), value.length > 80 ? `${value.slice(0, 80)}…` : value);
});

test('a valid token keeps working until just before expiry; the scheme is case-insensitive (RFC 6750 §2.1)', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const session = await signUp(app);
  await assertAccepted(app, session.auth, session.user._id, 'fresh');
  await assertAccepted(app, { authorization: `bearer ${session.token}` }, session.user._id, 'lower-case scheme');
  await assertAccepted(app, { authorization: `BEARER ${session.token}` }, session.user._id, 'upper-case scheme');
  await assertAccepted(app, { authorization: `BeArEr ${session.token}` }, session.user._id, 'mixed-case scheme');
  clock.advance(14 * 60 * 1000);
  await assertAccepted(app, session.auth, session.user._id, 'after 14 minutes');
});

test('ASVS 9.2.1: an expired token gets 401 with error="invalid_token", whether or not it was used before', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const used = await signUp(app);
  const unused = await signUp(app);
  await assertAccepted(app, used.auth, used.user._id, 'used at issue time');
  clock.advance(ACCESS_TTL_MS + 1000);
  await assertRefused(app, used.auth, 'expired, seen before (cached)');
  await assertRefused(app, unused.auth, 'expired, never seen');
  await assertRefused(app, { authorization: `bearer ${used.token}` }, 'expired, lower-case scheme');
});

test('RFC 7519 §4.1.4: a token is refused from the second its exp names, not a second later', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const used = await signUp(app);
  const unused = await signUp(app);
  await assertAccepted(app, used.auth, used.user._id, 'used at issue time');
  clock.advance(ACCESS_TTL_MS - 1000);
  await assertAccepted(app, used.auth, used.user._id, 'one second before exp');
  clock.advance(1000);
  await assertRefused(app, used.auth, 'at exp, cached');
  await assertRefused(app, unused.auth, 'at exp, never seen');
});

test('ASVS 14.2.1: a token is only taken from the Authorization header, never from the URL or a cookie', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const token = encodeURIComponent(session.token);
  await assertRefused(app, {}, 'access_token in the query', 'no_credentials', `/users/?access_token=${token}`);
  await assertRefused(app, {}, 'token in the query', 'no_credentials', `/users/?token=${token}`);
  await assertRefused(app, { cookie: `token=${session.token}; access_token=${session.token}` }, 'token in a cookie', 'no_credentials');
  await assertRefused(app, { 'x-access-token': session.token }, 'token in X-Access-Token', 'no_credentials');
});

test('the token of a user whose row was deleted gets 401', async (t) => {
  const { app, database } = await buildTestApp(t);
  const gone = await signUp(app);
  const other = await signUp(app);
  await assertAccepted(app, gone.auth, gone.user._id, 'before the delete');
  await database.db.deleteFrom('users').where('id', '=', gone.user._id).execute();
  await assertRefused(app, gone.auth, 'deleted row');
  await assertAccepted(app, other.auth, other.user._id, 'another user is unaffected');
});
