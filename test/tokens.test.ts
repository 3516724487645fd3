import assert from 'node:assert/strict';
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { Database } from '../src/db/database.js';
import type { Clock } from '../src/lib/clock.js';
import { createSecretBox } from '../src/lib/secret-box.js';
import { TEST_SECRET, buildTestApp, errorOf, json, signUp, testDatabase, type Session } from './helpers/app.js';

type Json = Record<string, unknown>;

const TTL_MS = 15 * 60 * 1000;
const INVALID_TOKEN = 'Bearer realm="bindery", error="invalid_token"';
const NO_CREDENTIALS = 'Bearer realm="bindery"';

/** base64url of a JSON value; a string is taken as raw JSON text, so malformed JSON can be sent too. */
function encode(part: unknown): string {
  return Buffer.from(typeof part === 'string' ? part : JSON.stringify(part)).toString('base64url');
}

/** A compact JWS built by hand, so no library refuses to produce the malformed or hostile token under test. */
function compact(header: unknown, payload: unknown, sign: (input: Buffer) => Buffer | string): string {
  const input = `${encode(header)}.${encode(payload)}`;
  const signature = sign(Buffer.from(input));
  return `${input}.${typeof signature === 'string' ? signature : signature.toString('base64url')}`;
}

/** An EdDSA signer: for Ed25519 and Ed448 keys node:crypto takes no digest. */
function eddsa(privateKey: KeyObject) {
  return (input: Buffer) => cryptoSign(null, input, privateKey);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The server's own signing key, read back from the database and unsealed with the test SECRET_KEY. */
async function serverKey(database: Database) {
  const rows = await database.db.selectFrom('signing_keys').selectAll().execute();
  assert.equal(rows.length, 1, 'one signing key');
  const row = rows[0]!;
  return {
    kid: row.kid,
    publicPem: row.public_key,
    publicKey: createPublicKey(row.public_key),
    privateKey: createPrivateKey(createSecretBox(TEST_SECRET, 'signing-keys').open(row.private_key_encrypted)),
  };
}

function goodHeader(kid: string): Json {
  return { alg: 'EdDSA', typ: 'at+jwt', kid };
}

function payloadOf(token: string): Json {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Json;
}

/**
 * Claims as the server would issue them now for this session: copied from a token it really issued
 * (so a claim it adds later, a session id say, comes along), with a fresh jti, iat and exp.
 */
function goodClaims(session: Session, clock: Clock): Json {
  const issued = payloadOf(session.token);
  const ttl = (issued.exp as number) - (issued.iat as number);
  const now = Math.floor(clock.now().getTime() / 1000);
  return { ...issued, jti: randomBytes(16).toString('base64url'), iat: now, exp: now + ttl };
}

function without(object: Json, key: string): Json {
  return Object.fromEntries(Object.entries(object).filter(([name]) => name !== key));
}

/**
 * GET /users/ with these headers gets 401 in the error envelope with code UNAUTHENTICATED (never 500),
 * and a Bearer challenge: RFC 6750 §3.1 gives `error="invalid_token"` only when a token was presented.
 */
async function assertRefused(
  app: FastifyInstance,
  headers: Record<string, string>,
  label: string,
  challenge: 'invalid_token' | 'no_credentials' | 'any' = 'invalid_token',
  url = '/users/',
): Promise<void> {
  const response = await app.inject({ method: 'GET', url, headers });
  assert.equal(response.statusCode, 401, `${label}: got ${response.statusCode} ${response.body.slice(0, 300)}`);
  const envelope = errorOf(response);
  assert.deepEqual(Object.keys(envelope).sort(), ['code', 'data', 'error', 'message', 'request_id'], label);
  assert.equal(envelope.code, 'UNAUTHENTICATED', label);
  assert.equal(envelope.error, 'Unauthorized', label);
  assert.equal(envelope.data, null, label);
  assert.equal(typeof envelope.message, 'string', label);
  assert.equal(envelope.request_id, response.headers['x-request-id'], label);
  const header = response.headers['www-authenticate'];
  assert.equal(typeof header, 'string', `${label}: WWW-Authenticate`);
  if (challenge === 'invalid_token') assert.equal(header, INVALID_TOKEN, label);
  else if (challenge === 'no_credentials') assert.equal(header, NO_CREDENTIALS, label);
  else assert.match(String(header), /^Bearer realm="bindery"/, label);
}

async function assertAccepted(app: FastifyInstance, headers: Record<string, string>, userId: string, label: string) {
  const response = await app.inject({ method: 'GET', url: '/users/', headers });
  assert.equal(response.statusCode, 200, `${label}: got ${response.statusCode} ${response.body.slice(0, 300)}`);
  assert.equal(json<{ data: { _id: string } }>(response).data._id, userId, label);
}

test('no credentials: no header, another scheme, or an empty Bearer get 401 with a bare challenge (RFC 6750 §3.1)', async (t) => {
  const { app } = await buildTestApp(t);
  await assertRefused(app, {}, 'no Authorization header', 'no_credentials');
  const cases = ['Basic dXNlcjpUcjFja3ktTGFudGVybi00Mg==', 'Bearer', 'Bearer ', 'Bearer    ', 'Token abc', 'Bearerabc', 'Digest username="ada"', ''];
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
  clock.advance(TTL_MS + 1000);
  await assertRefused(app, used.auth, 'expired, seen before (cached)');
  await assertRefused(app, unused.auth, 'expired, never seen');
  await assertRefused(app, { authorization: `bearer ${used.token}` }, 'expired, lower-case scheme');
});

test('RFC 7519 §4.1.4: a token is refused from the second its exp names, not a second later', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const used = await signUp(app);
  const unused = await signUp(app);
  await assertAccepted(app, used.auth, used.user._id, 'used at issue time');
  clock.advance(TTL_MS - 1000);
  await assertAccepted(app, used.auth, used.user._id, 'one second before exp');
  clock.advance(1000);
  await assertRefused(app, used.auth, 'at exp, cached');
  await assertRefused(app, unused.auth, 'at exp, never seen');
});

test('ASVS 9.1.1: a tampered payload with the original signature gets 401', async (t) => {
  const { app } = await buildTestApp(t);
  const victim = await signUp(app);
  const attacker = await signUp(app);
  const [header, payload, signature] = attacker.token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Json;

  const forgeries: [string, string][] = [
    ['sub of another user', `${header}.${encode({ ...claims, sub: victim.user._id })}.${signature}`],
    ['exp a year later', `${header}.${encode({ ...claims, exp: (claims.exp as number) + 365 * 86_400 })}.${signature}`],
    ['same claims, other JSON spacing (RFC 8725 §2.6)', `${header}.${encode(JSON.stringify(claims, null, 1))}.${signature}`],
    ['header typ changed', `${encode({ ...(JSON.parse(Buffer.from(header, 'base64url').toString()) as Json), typ: 'JWT' })}.${payload}.${signature}`],
    ['signature with its first character changed', `${header}.${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`],
    ['signature truncated', `${header}.${payload}.${signature.slice(0, -4)}`],
    ['signature doubled', `${header}.${payload}.${signature}${signature}`],
    ['no signature', `${header}.${payload}.`],
    ['victim signature on attacker payload', `${header}.${payload}.${victim.token.split('.')[2]}`],
  ];
  for (const [label, token] of forgeries) await assertRefused(app, bearer(token), label);
  await assertAccepted(app, attacker.auth, attacker.user._id, 'the untouched token still works');
});

test('ASVS 9.1.1: a token signed by another Ed25519 (or Ed448) key under the server kid gets 401', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const { kid } = await serverKey(database);
  const otherEd25519 = generateKeyPairSync('ed25519').privateKey;
  const ed448 = generateKeyPairSync('ed448').privateKey;
  await assertRefused(app, bearer(compact(goodHeader(kid), goodClaims(session, clock), eddsa(otherEd25519))), 'other Ed25519 key');
  await assertRefused(app, bearer(compact(goodHeader(kid), goodClaims(session, clock), eddsa(ed448))), 'Ed448 key');
});

test('the forger used below is faithful: a token built by hand with the server key and the right claims is accepted', async (t) => {
  // Without this control, the rejections below could come from a broken forger rather than the check under test.
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const key = await serverKey(database);
  const claims = goodClaims(session, clock);
  assert.deepEqual(Object.keys(claims).sort(), Object.keys(payloadOf(session.token)).sort());
  assert.equal(claims.sub, session.user._id);
  assert.equal(claims.iss, 'bindery');
  assert.equal(claims.aud, 'bindery');
  const token = compact(goodHeader(key.kid), claims, eddsa(key.privateKey));
  await assertAccepted(app, bearer(token), session.user._id, 'hand-made token');
  const issuedHeader = JSON.parse(Buffer.from(session.token.split('.')[0]!, 'base64url').toString()) as Json;
  assert.deepEqual(issuedHeader, goodHeader(key.kid));
});

test('RFC 8725 §2.1, ASVS 9.1.2: an alg "none" token gets 401 in every spelling', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const { kid } = await serverKey(database);
  const signature = session.token.split('.')[2]!;
  for (const alg of ['none', 'None', 'NONE', 'nOnE', '']) {
    const claims = goodClaims(session, clock);
    await assertRefused(app, bearer(compact({ alg, typ: 'at+jwt', kid }, claims, () => '')), `alg ${JSON.stringify(alg)}, empty signature`);
    await assertRefused(app, bearer(compact({ alg, typ: 'at+jwt' }, claims, () => '')), `alg ${JSON.stringify(alg)}, no kid`);
    await assertRefused(app, bearer(compact({ alg, typ: 'at+jwt', kid }, claims, () => signature)), `alg ${JSON.stringify(alg)}, a real signature`);
  }
  const withoutAlg = compact({ typ: 'at+jwt', kid }, goodClaims(session, clock), () => '');
  await assertRefused(app, bearer(withoutAlg), 'no alg at all');
});

test('RFC 8725 §2.1/§3.1, ASVS 9.1.2: HS256 keyed with the server public key (algorithm confusion) gets 401', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const key = await serverKey(database);
  const der = key.publicKey.export({ type: 'spki', format: 'der' });
  const raw = Buffer.from((key.publicKey.export({ format: 'jwk' }) as { x: string }).x, 'base64url');
  const secrets: [string, Buffer | string][] = [
    ['PEM from signing_keys', key.publicPem],
    ['PEM without trailing newline', key.publicPem.trim()],
    ['SPKI DER', der],
    ['raw 32-byte public key', raw],
  ];
  for (const [hs, digest] of [['HS256', 'sha256'], ['HS384', 'sha384'], ['HS512', 'sha512']] as const) {
    for (const [label, secret] of secrets) {
      const header = { alg: hs, typ: 'at+jwt', kid: key.kid };
      const token = compact(header, goodClaims(session, clock), (input) => createHmac(digest, secret).update(input).digest());
      await assertRefused(app, bearer(token), `${hs} keyed with ${label}`);
    }
  }
});

test('ASVS 9.1.2: RS256, PS256, ES256 and ES384 tokens from fresh keys get 401, with or without the server kid', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const { kid } = await serverKey(database);
  for (const alg of ['RS256', 'PS256', 'ES256', 'ES384'] as const) {
    const { privateKey } = await generateKeyPair(alg);
    for (const header of [{ alg, typ: 'at+jwt', kid }, { alg, typ: 'at+jwt' }, { alg, typ: 'at+jwt', kid: 'attacker' }]) {
      const token = await new SignJWT(goodClaims(session, clock)).setProtectedHeader(header).sign(privateKey);
      await assertRefused(app, bearer(token), JSON.stringify(header));
    }
  }
});

test('ASVS 9.1.2: even the server key is refused under an algorithm name outside the allowlist', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const key = await serverKey(database);
  for (const alg of ['Ed25519', 'eddsa', 'EdDSA ', 'ES256']) {
    const token = compact({ alg, typ: 'at+jwt', kid: key.kid }, goodClaims(session, clock), eddsa(key.privateKey));
    await assertRefused(app, bearer(token), `alg ${JSON.stringify(alg)}`);
  }
});

test('RFC 8725 §3.10: a correctly signed token with an unknown, missing or hostile kid gets 401', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const key = await serverKey(database);
  const kids: unknown[] = [
    'unknown-kid',
    `${key.kid}x`,
    key.kid.toUpperCase() === key.kid ? key.kid.toLowerCase() : key.kid.toUpperCase(),
    ` ${key.kid}`,
    "' OR '1'='1",
    '../../../../etc/passwd',
    'k'.repeat(5000),
    '',
    0,
    123,
    true,
    null,
    [key.kid],
    { kid: key.kid },
  ];
  for (const kid of kids) {
    const token = compact({ alg: 'EdDSA', typ: 'at+jwt', kid }, goodClaims(session, clock), eddsa(key.privateKey));
    await assertRefused(app, bearer(token), `kid ${JSON.stringify(kid).slice(0, 60)}`);
  }
  const noKid = compact({ alg: 'EdDSA', typ: 'at+jwt' }, goodClaims(session, clock), eddsa(key.privateKey));
  await assertRefused(app, bearer(noKid), 'no kid');
});

test('RFC 8725 §3.10, ASVS 9.1.3: jku, x5u, jwk and x5c headers naming an attacker key are refused and never fetched', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const { kid } = await serverKey(database);

  const attacker = generateKeyPairSync('ed25519');
  const attackerJwk = { ...(attacker.publicKey.export({ format: 'jwk' }) as Json), kid: 'attacker', alg: 'EdDSA', use: 'sig' };
  let fetched = 0;
  const server = createServer((_request, response) => {
    fetched += 1;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: [attackerJwk, { ...attackerJwk, kid }] }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey: attackerJose, publicKey: attackerJosePublic } = await generateKeyPair('EdDSA');
  const joseJwk = await exportJWK(attackerJosePublic);
  const headers: Json[] = [
    { jku: `${base}/jwks.json`, kid: 'attacker' },
    { jku: `${base}/jwks.json`, kid },
    { jku: `${base}/jwks.json` },
    { x5u: `${base}/cert.pem`, kid: 'attacker' },
    { x5u: `${base}/cert.pem`, kid },
    { jwk: attackerJwk },
    { jwk: attackerJwk, kid: 'attacker' },
    { jwk: attackerJwk, kid },
    { x5c: [randomBytes(300).toString('base64')], kid },
    { x5c: [randomBytes(300).toString('base64')] },
  ];
  for (const extra of headers) {
    const header = { alg: 'EdDSA', typ: 'at+jwt', ...extra };
    await assertRefused(app, bearer(compact(header, goodClaims(session, clock), eddsa(attacker.privateKey))), JSON.stringify(header).slice(0, 120));
  }
  // The same through jose's own signer, with the embedded key jose itself would produce.
  const viaJose = await new SignJWT(goodClaims(session, clock))
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid, jwk: joseJwk })
    .sign(attackerJose);
  await assertRefused(app, bearer(viaJose), 'jose-signed, embedded jwk, server kid');
  assert.equal(fetched, 0, 'the attacker URL was never requested');
});

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

test('the token of a user whose row was deleted gets 401', async (t) => {
  const { app, database } = await buildTestApp(t);
  const gone = await signUp(app);
  const other = await signUp(app);
  await assertAccepted(app, gone.auth, gone.user._id, 'before the delete');
  await database.db.deleteFrom('users').where('id', '=', gone.user._id).execute();
  await assertRefused(app, gone.auth, 'deleted row');
  await assertAccepted(app, other.auth, other.user._id, 'another user is unaffected');
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

test('keys persist across a restart: a token from the first app works on the second, and no private key is stored in plaintext', async (t) => {
  const database = await testDatabase(t);
  const first = await buildTestApp(t, { database });
  const session = await signUp(first.app);
  await assertAccepted(first.app, session.auth, session.user._id, 'first app');
  const keysBefore = await database.db.selectFrom('signing_keys').selectAll().execute();
  await first.app.close();

  const second = await buildTestApp(t, { database });
  await assertAccepted(second.app, session.auth, session.user._id, 'second app, same database');
  const keysAfter = await database.db.selectFrom('signing_keys').selectAll().execute();
  assert.deepEqual(keysAfter, keysBefore, 'no new key was made at restart');
  assert.equal(keysAfter.length, 1);
  const row = keysAfter[0]!;
  assert.doesNotMatch(row.private_key_encrypted, /PRIVATE KEY/);
  assert.doesNotMatch(row.private_key_encrypted, /^-----/);
  assert.match(row.private_key_encrypted, /^v1\./);
  assert.match(row.public_key, /^-----BEGIN PUBLIC KEY-----/);
  assert.equal(row.algorithm, 'EdDSA');
  assert.equal(row.retired_at, null);

  const relogin = await loginAgain(second.app, session);
  const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Json).kid;
  assert.equal(kidOf(relogin), kidOf(session.token), 'the second app signs with the same key');
  assert.equal(kidOf(relogin), row.kid);
});

async function loginAgain(app: FastifyInstance, session: { user: { email: string }; password: string }): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/users/login', payload: { email: session.user.email, password: session.password } });
  assert.equal(response.statusCode, 200, response.body);
  return json<{ data: { token: string } }>(response).data.token;
}

test('a different SECRET_KEY on the same database makes buildApp reject at start, leaving the stored key alone', async (t) => {
  const database = await testDatabase(t);
  const first = await buildTestApp(t, { database });
  await signUp(first.app);
  await first.app.close();
  const keysBefore = await database.db.selectFrom('signing_keys').selectAll().execute();

  const otherSecret = 'another-secret-9876543210-ZYXWVUTSRQPONMLKJIHGFEDCBA';
  await assert.rejects(buildTestApp(t, { database, config: { secretKey: otherSecret } }), (error: unknown) => {
    assert.ok(error instanceof Error, 'an Error');
    assert.doesNotMatch(error.message, new RegExp(otherSecret));
    assert.doesNotMatch(error.message, new RegExp(TEST_SECRET));
    return true;
  });
  const keysAfter = await database.db.selectFrom('signing_keys').selectAll().execute();
  assert.deepEqual(keysAfter, keysBefore, 'no new key was made and the old one is untouched');

  // The right secret still starts, and the old key still verifies.
  const again = await buildTestApp(t, { database });
  const session = await signUp(again.app);
  await assertAccepted(again.app, session.auth, session.user._id, 'right secret after a failed start');
});
