import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { Database } from '../../src/db/database.js';
import type { Clock } from '../../src/lib/clock.js';
import { createSecretBox } from '../../src/lib/secret-box.js';
import { createKeyring } from '../../src/modules/identity/keyring.js';
import { createSigningKeysRepository } from '../../src/modules/identity/signing-keys-repository.js';
import { TEST_SECRET, buildTestApp, fakeClock, signUp, testDatabase, type Response } from '../helpers/app.js';
import { ACCESS_TTL_MS, SECOND, assertAccepted, assertRefused, kidOf, login, register } from '../helpers/identity.js';
import { forge, privateKeyOf } from '../helpers/jwt-forgery.js';

async function jwksOf(app: FastifyInstance): Promise<{ response: Response; jwks: JSONWebKeySet }> {
  const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  assert.equal(response.statusCode, 200, response.body);
  return { response, jwks: response.json<JSONWebKeySet>() };
}

/** What `bindery keys:rotate` does, on the app's own store. */
async function rotateKeys(database: Database, clock: Clock, retireAfterMs: number): Promise<string> {
  const keyring = createKeyring({
    repository: createSigningKeysRepository(database.db),
    secretBox: createSecretBox(TEST_SECRET, 'signing-keys'),
    clock,
  });
  return keyring.rotate(retireAfterMs);
}

test('RFC 7517: GET /.well-known/jwks.json publishes the public key only, and jose verifies a real access token with it', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const account = await register(app);
  const session = await login(app, account);

  const { response, jwks } = await jwksOf(app);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  assert.equal(jwks.keys.length, 1);
  const key = jwks.keys[0]!;
  assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
  assert.equal(key.kty, 'OKP');
  assert.equal(key.crv, 'Ed25519');
  assert.equal(key.alg, 'EdDSA');
  assert.equal(key.use, 'sig');
  assert.equal(Buffer.from(key.x!, 'base64url').length, 32);
  assert.doesNotMatch(response.body, /"d"\s*:/, 'no private part anywhere');
  assert.equal(kidOf(session.token), key.kid, 'the access token’s kid is published');

  const { payload, protectedHeader } = await jwtVerify(session.token, createLocalJWKSet(jwks), {
    algorithms: ['EdDSA'],
    issuer: 'bindery',
    audience: 'bindery',
    typ: 'at+jwt',
    currentDate: clock.now(),
  });
  assert.equal(protectedHeader.typ, 'at+jwt');
  assert.equal(payload.sub, account.id);
  assert.equal(payload.sid, session.sessionId);
  assert.equal(typeof payload.jti, 'string');
});

test('key rotation: old tokens stay valid, new ones get the new kid, JWKS lists both until the old key retires, then refuses it', async (t) => {
  const database = await testDatabase(t);
  const clock = fakeClock();
  const before = await buildTestApp(t, { database, deps: { clock } });
  const account = await register(before.app);
  const old = await login(before.app, account);
  const oldKid = kidOf(old.token);
  await before.app.close();

  clock.advance(60 * SECOND);
  const retireAfterMs = ACCESS_TTL_MS;
  const newKid = await rotateKeys(database, clock, retireAfterMs);
  assert.notEqual(newKid, oldKid);

  const { app } = await buildTestApp(t, { database, deps: { clock } });
  await assertAccepted(app, old.token, account.id, 'a token signed with the previous key');
  const fresh = await login(app, account);
  assert.equal(kidOf(fresh.token), newKid, 'a new login is signed with the new key');
  await assertAccepted(app, fresh.token, account.id, 'the new token');
  const both = (await jwksOf(app)).jwks;
  assert.deepEqual(both.keys.map((key) => key.kid).sort(), [oldKid, newKid].sort(), 'JWKS lists both');
  const verified = await jwtVerify(fresh.token, createLocalJWKSet(both), { algorithms: ['EdDSA'], currentDate: clock.now() });
  assert.equal(verified.payload.sub, account.id);

  // Tokens made with the old key that outlive its retirement (as a stolen key would allow).
  const oldKey = await privateKeyOf(database, oldKid);
  const forgeOld = () => forge({ kid: oldKid, key: oldKey, userId: account.id, sessionId: fresh.sessionId, clock, ttlSeconds: 86_400 });
  const usedBefore = await forgeOld();
  const unseen = await forgeOld();
  await assertAccepted(app, usedBefore, account.id, 'the old key verifies until it retires');

  clock.advance(retireAfterMs + SECOND);
  const after = (await jwksOf(app)).jwks;
  assert.deepEqual(
    after.keys.map((key) => key.kid),
    [newKid],
    'the retired kid leaves JWKS',
  );
  const relogin = await login(app, account);
  assert.equal(kidOf(relogin.token), newKid);
  await assertAccepted(app, relogin.token, account.id, 'tokens from the current key');
  await assertRefused(app, unseen, 'a token signed with the retired key, first presented after the retirement');
  await assertRefused(app, usedBefore, 'a token signed with the retired key that was also presented before the retirement');
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

  const relogin = (await login(second.app, { email: session.user.email, password: session.password })).token;
  assert.equal(kidOf(relogin), kidOf(session.token), 'the second app signs with the same key');
  assert.equal(kidOf(relogin), row.kid);
});

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

test('a key rotated elsewhere (bindery keys:rotate, another instance) is in the running server’s JWKS at once', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const kids = async () => (await jwksOf(app)).jwks.keys.map((key) => key.kid);
  const [before] = await kids();
  assert.ok(before);
  const rotated = await rotateKeys(database, clock, ACCESS_TTL_MS);
  assert.deepEqual((await kids()).sort(), [before, rotated].sort(), 'the new key is published with the old one');
});
