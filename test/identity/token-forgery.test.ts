import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { buildTestApp, signUp } from '../helpers/app.js';
import { assertAccepted, assertRefused, bearer, claimsOf, headerOf, type Json } from '../helpers/identity.js';
import { compact, eddsa, encode, goodClaims, goodHeader, serverKey } from '../helpers/jwt-forgery.js';

test('ASVS 9.1.1: a tampered payload with the original signature gets 401', async (t) => {
  const { app } = await buildTestApp(t);
  const victim = await signUp(app);
  const attacker = await signUp(app);
  const [header, payload, signature] = attacker.token.split('.') as [string, string, string];
  const claims = claimsOf(attacker.token);

  const forgeries: [string, string][] = [
    ['sub of another user', `${header}.${encode({ ...claims, sub: victim.user._id })}.${signature}`],
    ['exp a year later', `${header}.${encode({ ...claims, exp: (claims.exp as number) + 365 * 86_400 })}.${signature}`],
    ['same claims, other JSON spacing (RFC 8725 §2.6)', `${header}.${encode(JSON.stringify(claims, null, 1))}.${signature}`],
    ['header typ changed', `${encode({ ...headerOf(attacker.token), typ: 'JWT' })}.${payload}.${signature}`],
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
  assert.deepEqual(Object.keys(claims).sort(), Object.keys(claimsOf(session.token)).sort());
  assert.equal(claims.sub, session.user._id);
  assert.equal(claims.iss, 'bindery');
  assert.equal(claims.aud, 'bindery');
  const token = compact(goodHeader(key.kid), claims, eddsa(key.privateKey));
  await assertAccepted(app, bearer(token), session.user._id, 'hand-made token');
  assert.deepEqual(headerOf(session.token), goodHeader(key.kid));
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
    await assertRefused(
      app,
      bearer(compact({ alg, typ: 'at+jwt', kid }, claims, () => signature)),
      `alg ${JSON.stringify(alg)}, a real signature`,
    );
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
  for (const [hs, digest] of [
    ['HS256', 'sha256'],
    ['HS384', 'sha384'],
    ['HS512', 'sha512'],
  ] as const) {
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
    for (const header of [
      { alg, typ: 'at+jwt', kid },
      { alg, typ: 'at+jwt' },
      { alg, typ: 'at+jwt', kid: 'attacker' },
    ]) {
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
    randomBytes(12).toString('base64url'),
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
    await assertRefused(
      app,
      bearer(compact(header, goodClaims(session, clock), eddsa(attacker.privateKey))),
      JSON.stringify(header).slice(0, 120),
    );
  }
  // The same through jose's own signer, with the embedded key jose itself would produce.
  const viaJose = await new SignJWT(goodClaims(session, clock))
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid, jwk: joseJwk })
    .sign(attackerJose);
  await assertRefused(app, bearer(viaJose), 'jose-signed, embedded jwk, server kid');
  assert.equal(fetched, 0, 'the attacker URL was never requested');
});
