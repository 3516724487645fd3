/**
 * Tokens built by hand, for the tests that check what the server refuses: a library would decline to
 * produce most of these malformed or hostile tokens, so the compact JWS is assembled here.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Database } from '../../src/db/database.js';
import type { Clock } from '../../src/lib/clock.js';
import { createSecretBox } from '../../src/lib/secret-box.js';
import { TEST_SECRET, type Session } from './app.js';
import { claimsOf, type Json } from './identity.js';

/** base64url of a JSON value; a string is taken as raw JSON text, so malformed JSON can be sent too. */
export function encode(part: unknown): string {
  return Buffer.from(typeof part === 'string' ? part : JSON.stringify(part)).toString('base64url');
}

/** A compact JWS built by hand, so no library refuses to produce the malformed or hostile token under test. */
export function compact(header: unknown, payload: unknown, sign: (input: Buffer) => Buffer | string): string {
  const input = `${encode(header)}.${encode(payload)}`;
  const signature = sign(Buffer.from(input));
  return `${input}.${typeof signature === 'string' ? signature : signature.toString('base64url')}`;
}

/** An EdDSA signer: for Ed25519 and Ed448 keys node:crypto takes no digest. */
export function eddsa(privateKey: KeyObject) {
  return (input: Buffer) => cryptoSign(null, input, privateKey);
}

function unseal(sealed: string): KeyObject {
  return createPrivateKey(createSecretBox(TEST_SECRET, 'signing-keys').open(sealed));
}

/** The server's only signing key, read back from the database and unsealed with the test SECRET_KEY. */
export async function serverKey(database: Database) {
  const rows = await database.db.selectFrom('signing_keys').selectAll().execute();
  assert.equal(rows.length, 1, 'one signing key');
  const row = rows[0]!;
  return {
    kid: row.kid,
    publicPem: row.public_key,
    publicKey: createPublicKey(row.public_key),
    privateKey: unseal(row.private_key_encrypted),
  };
}

/** The private key of `kid`, read back from the database and unsealed with the test SECRET_KEY. */
export async function privateKeyOf(database: Database, kid: string): Promise<KeyObject> {
  const row = await database.db.selectFrom('signing_keys').selectAll().where('kid', '=', kid).executeTakeFirstOrThrow();
  return unseal(row.private_key_encrypted);
}

export function goodHeader(kid: string): Json {
  return { alg: 'EdDSA', typ: 'at+jwt', kid };
}

/**
 * Claims as the server would issue them now for this session: copied from a token it really issued
 * (so a claim it adds later, a session id say, comes along), with a fresh jti, iat and exp.
 */
export function goodClaims(session: Session, clock: Clock): Json {
  const issued = claimsOf(session.token);
  const ttl = (issued.exp as number) - (issued.iat as number);
  const now = Math.floor(clock.now().getTime() / 1000);
  return { ...issued, jti: randomBytes(16).toString('base64url'), iat: now, exp: now + ttl };
}

export function without(object: Json, key: string): Json {
  return Object.fromEntries(Object.entries(object).filter(([name]) => name !== key));
}

/** A token as the server would sign it (through jose), with a chosen kid, key and lifetime. */
export async function forge(options: { kid: string; key: KeyObject; userId: string; sessionId: string; clock: Clock; ttlSeconds: number }) {
  const now = Math.floor(options.clock.now().getTime() / 1000);
  return new SignJWT({ sid: options.sessionId })
    .setProtectedHeader({ alg: 'EdDSA', kid: options.kid, typ: 'at+jwt' })
    .setIssuer('bindery')
    .setAudience('bindery')
    .setSubject(options.userId)
    .setJti(randomBytes(16).toString('base64url'))
    .setIssuedAt(now)
    .setExpirationTime(now + options.ttlSeconds)
    .sign(options.key);
}
