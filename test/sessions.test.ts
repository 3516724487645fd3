import assert from 'node:assert/strict';
import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SignJWT, createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { Database } from '../src/db/database.js';
import type { Clock } from '../src/lib/clock.js';
import { createSecretBox } from '../src/lib/secret-box.js';
import { createKeyring } from '../src/modules/identity/keyring.js';
import { createSigningKeysRepository } from '../src/modules/identity/signing-keys-repository.js';
import {
  TEST_SECRET,
  buildTestApp,
  errorOf,
  fakeClock,
  json,
  newUser,
  testDatabase,
  testDatabasePair,
  type Response,
} from './helpers/app.js';

type Json = Record<string, unknown>;

const SECOND = 1000;
const DAY = 24 * 3600 * SECOND;
const GRACE_MS = 10 * SECOND;
const ACCESS_TTL_MS = 900 * SECOND;

interface Account {
  id: string;
  email: string;
  password: string;
}

interface Pair {
  token: string;
  refreshToken: string;
}

interface Login extends Pair {
  userId: string;
  sessionId: string;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function decodePart(token: string, index: 0 | 1): Json {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString()) as Json;
}
const headerOf = (token: string) => decodePart(token, 0);
const claimsOf = (token: string) => decodePart(token, 1);
const sidOf = (token: string) => claimsOf(token).sid as string;
const kidOf = (token: string) => headerOf(token).kid as string;

async function register(app: FastifyInstance, overrides: Json = {}): Promise<Account> {
  const body = newUser(overrides);
  const response = await app.inject({ method: 'POST', url: '/users/', payload: body });
  assert.equal(response.statusCode, 201, `register: ${response.body}`);
  return { id: json<{ data: { _id: string } }>(response).data._id, email: body.email, password: body.password };
}

async function login(app: FastifyInstance, account: Pick<Account, 'email' | 'password'>, headers: Record<string, string> = {}): Promise<Login> {
  const response = await app.inject({ method: 'POST', url: '/users/login', headers, payload: { email: account.email, password: account.password } });
  assert.equal(response.statusCode, 200, `login: ${response.body}`);
  const data = json<{ data: { _id: string; token: string; refresh_token: string } }>(response).data;
  return { userId: data._id, token: data.token, refreshToken: data.refresh_token, sessionId: sidOf(data.token) };
}

function refresh(app: FastifyInstance, refreshToken: string, headers: Record<string, string> = {}): Promise<Response> {
  return app.inject({ method: 'POST', url: '/users/token/refresh', headers, payload: { refresh_token: refreshToken } });
}

/** The pair a 200 refresh handed out, after checking the envelope. */
function pairOf(response: Response, label = 'refresh'): Pair {
  assert.equal(response.statusCode, 200, `${label}: got ${response.statusCode} ${response.body}`);
  const body = json<{ message: string; data: Json }>(response);
  assert.equal(typeof body.message, 'string', label);
  assert.deepEqual(Object.keys(body.data).sort(), ['expires_in', 'refresh_token', 'token', 'token_type'], label);
  assert.equal(body.data.token_type, 'Bearer', label);
  assert.equal(body.data.expires_in, 900, label);
  assert.equal(typeof body.data.token, 'string', label);
  assert.equal(typeof body.data.refresh_token, 'string', label);
  return { token: body.data.token as string, refreshToken: body.data.refresh_token as string };
}

async function refreshed(app: FastifyInstance, refreshToken: string, label = 'refresh'): Promise<Pair> {
  return pairOf(await refresh(app, refreshToken), label);
}

async function assertWorks(app: FastifyInstance, token: string, userId: string, label: string): Promise<void> {
  const response = await app.inject({ method: 'GET', url: '/users/', headers: bearer(token) });
  assert.equal(response.statusCode, 200, `${label}: got ${response.statusCode} ${response.body}`);
  assert.equal(json<{ data: { _id: string } }>(response).data._id, userId, label);
}

async function assertRefused(app: FastifyInstance, token: string, label: string): Promise<void> {
  const response = await app.inject({ method: 'GET', url: '/users/', headers: bearer(token) });
  assert.equal(response.statusCode, 401, `${label}: got ${response.statusCode} ${response.body}`);
  const error = errorOf(response);
  assert.equal(error.code, 'UNAUTHENTICATED', label);
  assert.equal(error.data, null, label);
  assert.equal(error.request_id, response.headers['x-request-id'], label);
}

async function assertRefreshRefused(app: FastifyInstance, refreshToken: string, label: string): Promise<void> {
  const response = await refresh(app, refreshToken);
  assert.equal(response.statusCode, 401, `${label}: got ${response.statusCode} ${response.body}`);
  const error = errorOf(response);
  assert.deepEqual(Object.keys(error).sort(), ['code', 'data', 'error', 'message', 'request_id'], label);
  assert.equal(error.code, 'INVALID_REFRESH_TOKEN', label);
  assert.equal(error.error, 'Unauthorized', label);
  assert.equal(error.data, null, label);
}

async function sessionRow(database: Database, id: string) {
  return database.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

interface ListedSession {
  _id: string;
  created_at: string;
  last_used_at: string;
  ip: string | null;
  user_agent: string | null;
  current: boolean;
}

async function listSessions(app: FastifyInstance, token: string): Promise<ListedSession[]> {
  const response = await app.inject({ method: 'GET', url: '/users/sessions', headers: bearer(token) });
  assert.equal(response.statusCode, 200, response.body);
  return json<{ data: ListedSession[] }>(response).data;
}

// ---------------------------------------------------------------------------------------------
// Login and rotation
// ---------------------------------------------------------------------------------------------

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

test('RFC 6749 §6: POST /users/token/refresh returns a new pair in the same session, and the new access token works', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const account = await register(app);
  const first = await login(app, account);

  clock.advance(60 * SECOND);
  const response = await refresh(app, first.refreshToken);
  const second = pairOf(response);
  assert.equal(json<{ message: string }>(response).message, 'Successfully refreshed tokens');
  assert.notEqual(second.refreshToken, first.refreshToken);
  assert.notEqual(second.token, first.token);
  assert.doesNotMatch(second.refreshToken, /\./);
  assert.equal(sidOf(second.token), first.sessionId, 'same session');
  assert.notEqual(claimsOf(second.token).jti, claimsOf(first.token).jti, 'a fresh jti');
  await assertWorks(app, second.token, account.id, 'the new access token');

  const session = await sessionRow(database, first.sessionId);
  assert.equal(session.last_used_at, clock.now().toISOString(), 'a refresh moves last_used_at');

  // And the new refresh token can itself be exchanged.
  const third = await refreshed(app, second.refreshToken, 'second rotation');
  await assertWorks(app, third.token, account.id, 'third access token');
});

test('refresh tokens are stored only as SHA-256 hashes: no table holds a plaintext refresh token', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const first = await login(app, account);
  const second = await refreshed(app, first.refreshToken);
  const third = await refreshed(app, second.refreshToken);
  const plaintexts = [first.refreshToken, second.refreshToken, third.refreshToken];

  const rows = await database.db.selectFrom('refresh_tokens').selectAll().execute();
  assert.equal(rows.length, 3);
  const hashes = new Set(rows.map((row) => row.token_hash));
  for (const token of plaintexts) {
    assert.ok(hashes.has(createHash('sha256').update(token).digest('base64url')), 'its hash is stored');
    assert.ok(!hashes.has(token), 'the token itself is not');
  }
  const everything = JSON.stringify({
    refresh_tokens: rows,
    sessions: await database.db.selectFrom('sessions').selectAll().execute(),
    audit_events: await database.db.selectFrom('audit_events').selectAll().execute(),
    users: await database.db.selectFrom('users').selectAll().execute(),
  });
  for (const token of plaintexts) assert.ok(!everything.includes(token), 'no plaintext refresh token anywhere');
});

test('RFC 9700 §4.14.2: a rotated refresh token presented after the grace window is a breach: 401 and the whole session ends', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const account = await register(app);
  const other = await login(app, account); // another session of the same user: not part of the breach
  const first = await login(app, account);
  const second = await refreshed(app, first.refreshToken);
  await assertWorks(app, second.token, account.id, 'before the reuse');

  clock.advance(GRACE_MS + SECOND);
  await assertRefreshRefused(app, first.refreshToken, 'the spent token, after the grace window');

  await assertRefused(app, second.token, 'the newest access token of the session');
  await assertRefused(app, first.token, 'the first access token of the session');
  await assertRefreshRefused(app, second.refreshToken, 'the newest refresh token of the session');
  const session = await sessionRow(database, first.sessionId);
  assert.equal(session.revoked_at, clock.now().toISOString());
  assert.equal(session.revoked_reason, 'refresh_token_reuse');

  await assertWorks(app, other.token, account.id, 'another session of the user goes on');
  pairOf(await refresh(app, other.refreshToken), 'the other session refreshes');
});

test('RFC 9700 §4.14.2: an older ancestor (T0 after T0→T1→T2) is a breach even with no time passing', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const t0 = await login(app, account);
  const t1 = await refreshed(app, t0.refreshToken, 'T0→T1');
  const t2 = await refreshed(app, t1.refreshToken, 'T1→T2');

  await assertRefreshRefused(app, t0.refreshToken, 'T0 again, inside the grace window');
  await assertRefused(app, t2.token, 'newest access token');
  await assertRefreshRefused(app, t2.refreshToken, 'newest refresh token');
  await assertRefreshRefused(app, t1.refreshToken, 'T1');
  assert.equal((await sessionRow(database, t0.sessionId)).revoked_reason, 'refresh_token_reuse');
});

test('inside the grace window a reuse of the immediate parent gets a new pair in the same session; every pair works and rotates', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const account = await register(app);
  const t0 = await login(app, account);
  const t1 = await refreshed(app, t0.refreshToken, 'T0→T1');

  clock.advance(GRACE_MS / 2);
  const t1b = await refreshed(app, t0.refreshToken, 'T0 again within the window');
  assert.notEqual(t1b.refreshToken, t1.refreshToken);
  assert.equal(sidOf(t1b.token), t0.sessionId, 'same session');
  await assertWorks(app, t1.token, account.id, 'the first child’s access token');
  await assertWorks(app, t1b.token, account.id, 'the second child’s access token');

  // Just inside the window edge, the parent may be presented once more.
  clock.advance(GRACE_MS / 2);
  const t1c = await refreshed(app, t0.refreshToken, 'T0 at the window edge');

  const children = [t1, t1b, t1c];
  const grandchildren: Pair[] = [];
  for (const [index, child] of children.entries()) grandchildren.push(await refreshed(app, child.refreshToken, `child ${index} rotates`));
  for (const [index, pair] of [...children, ...grandchildren].entries()) await assertWorks(app, pair.token, account.id, `pair ${index}`);
  assert.equal((await sessionRow(database, t0.sessionId)).revoked_at, null, 'no breach');
});

test('ten refreshes with one token at the same moment: all 200, never a 500, and ten working pairs', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const t0 = await login(app, account);

  const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(app, t0.refreshToken)));
  assert.deepEqual(
    responses.map((response) => response.statusCode),
    Array.from({ length: 10 }, () => 200),
    responses.map((response) => response.body.slice(0, 200)).join('\n'),
  );
  const pairs = responses.map((response, index) => pairOf(response, `parallel ${index}`));
  assert.equal(new Set(pairs.map((pair) => pair.refreshToken)).size, 10, 'ten distinct refresh tokens');
  for (const [index, pair] of pairs.entries()) {
    assert.equal(sidOf(pair.token), t0.sessionId);
    await assertWorks(app, pair.token, account.id, `pair ${index}`);
  }
  for (const [index, pair] of pairs.entries()) await assertWorks(app, (await refreshed(app, pair.refreshToken, `rotate ${index}`)).token, account.id, `rotated ${index}`);
  assert.equal((await sessionRow(database, t0.sessionId)).revoked_at, null);
});

test('RFC 9068 §4 / RFC 6750: an access token is not a refresh token, and a refresh token is not a bearer token', async (t) => {
  const { app } = await buildTestApp(t);
  const account = await register(app);
  const session = await login(app, account);

  await assertRefreshRefused(app, session.token, 'an access token presented as a refresh token');
  await assertRefused(app, session.refreshToken, 'a refresh token presented as a bearer token');
  await assertRefreshRefused(app, randomBytes(32).toString('base64url'), 'a well-formed refresh token nobody issued');

  // Neither mistake harmed the session.
  await assertWorks(app, session.token, account.id, 'the access token');
  pairOf(await refresh(app, session.refreshToken), 'the refresh token');
});

// ---------------------------------------------------------------------------------------------
// Expiry
// ---------------------------------------------------------------------------------------------

test('ASVS 3.3.2: idle timeout: a session unused for 7 days cannot be refreshed', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const account = await register(app);
  const session = await login(app, account);

  clock.advance(7 * DAY - SECOND);
  const pair = await refreshed(app, session.refreshToken, 'a refresh just before the idle timeout');
  await assertWorks(app, pair.token, account.id, 'just before');

  clock.advance(7 * DAY);
  await assertRefreshRefused(app, pair.refreshToken, '7 days after the last refresh');
});

test('ASVS 3.3.2: absolute lifetime: refreshing every 6 days still ends the session at 30 days', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const account = await register(app);
  const session = await login(app, account);

  let pair: Pair = session;
  for (let day = 6; day <= 24; day += 6) {
    clock.advance(6 * DAY);
    pair = await refreshed(app, pair.refreshToken, `day ${day}`);
    await assertWorks(app, pair.token, account.id, `day ${day}`);
  }
  clock.advance(6 * DAY - SECOND);
  pair = await refreshed(app, pair.refreshToken, 'a second before day 30');
  await assertWorks(app, pair.token, account.id, 'a second before day 30');

  clock.advance(SECOND);
  await assertRefreshRefused(app, pair.refreshToken, 'day 30');
  await assertRefused(app, pair.token, 'an access token of the session, though its own exp is later');
});

// ---------------------------------------------------------------------------------------------
// Logout and session management
// ---------------------------------------------------------------------------------------------

test('ASVS 3.3.1: POST /users/logout answers 204; its access token is refused on the very next request, and its refresh token too', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const other = await login(app, account);
  const session = await login(app, account);
  await assertWorks(app, session.token, account.id, 'before logout'); // warm any verification cache

  const response = await app.inject({ method: 'POST', url: '/users/logout', headers: bearer(session.token) });
  assert.equal(response.statusCode, 204);
  assert.equal(response.body, '');

  await assertRefused(app, session.token, 'the logged-out access token');
  await assertRefreshRefused(app, session.refreshToken, 'the logged-out refresh token');
  const again = await app.inject({ method: 'POST', url: '/users/logout', headers: bearer(session.token) });
  assert.equal(again.statusCode, 401, 'a second logout with the dead token');
  const row = await sessionRow(database, session.sessionId);
  assert.notEqual(row.revoked_at, null);
  assert.equal(row.revoked_reason, 'logout');

  await assertWorks(app, other.token, account.id, 'another session of the user');
});

test('GET /users/sessions lists the live sessions with exactly one current, and not another user’s', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const account = await register(app);
  const stranger = await login(app, await register(app));
  const phone = await login(app, account, { 'user-agent': 'Phone/1.0' });
  clock.advance(SECOND);
  const laptop = await login(app, account, { 'user-agent': 'Laptop/2.0' });

  const sessions = await listSessions(app, laptop.token);
  assert.equal(sessions.length, 2, JSON.stringify(sessions));
  for (const session of sessions) {
    assert.deepEqual(Object.keys(session).sort(), ['_id', 'created_at', 'current', 'ip', 'last_used_at', 'user_agent']);
    assert.equal(session.ip, '127.0.0.1');
  }
  assert.equal(sessions.filter((session) => session.current).length, 1, 'exactly one current');
  const byId = new Map(sessions.map((session) => [session._id, session]));
  assert.equal(byId.get(laptop.sessionId)?.current, true);
  assert.equal(byId.get(laptop.sessionId)?.user_agent, 'Laptop/2.0');
  assert.equal(byId.get(phone.sessionId)?.current, false);
  assert.equal(byId.get(phone.sessionId)?.user_agent, 'Phone/1.0');
  assert.equal(byId.get(phone.sessionId)?.created_at, new Date(clock.now().getTime() - SECOND).toISOString());
  assert.ok(!byId.has(stranger.sessionId), 'not another user’s session');

  // From the other device, the other one is current.
  const fromPhone = await listSessions(app, phone.token);
  assert.deepEqual(fromPhone.filter((session) => session.current).map((session) => session._id), [phone.sessionId]);

  // A logged-out session is no longer listed.
  await app.inject({ method: 'POST', url: '/users/logout', headers: bearer(phone.token) });
  assert.deepEqual((await listSessions(app, laptop.token)).map((session) => session._id), [laptop.sessionId]);
});

test('GET /users/sessions leaves out a session ended by the idle timeout (it cannot be refreshed or revoked any more)', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const account = await register(app);
  const stale = await login(app, account);
  clock.advance(6 * DAY);
  const fresh = await login(app, account);
  clock.advance(2 * DAY); // stale: 8 days idle; fresh: 2 days
  const current = await refreshed(app, fresh.refreshToken, 'the fresh session refreshes');
  await assertRefreshRefused(app, stale.refreshToken, 'the idle session is over');

  const revoke = await app.inject({ method: 'DELETE', url: `/users/sessions/${stale.sessionId}`, headers: bearer(current.token) });
  assert.equal(revoke.statusCode, 404, 'the server itself treats the idle session as gone');
  const listed = await listSessions(app, current.token);
  assert.deepEqual(
    listed.map((session) => session._id),
    [fresh.sessionId],
    'an idle-expired session is not a live session and must not be listed',
  );
});

test('DELETE /users/sessions/:id ends one session (204): its token gets 401 and the caller’s goes on', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const caller = await login(app, account);
  const target = await login(app, account);
  const strangerAccount = await register(app);
  const stranger = await login(app, strangerAccount);

  const response = await app.inject({ method: 'DELETE', url: `/users/sessions/${target.sessionId}`, headers: bearer(caller.token) });
  assert.equal(response.statusCode, 204);
  assert.equal(response.body, '');
  await assertRefused(app, target.token, 'the ended session’s access token');
  await assertRefreshRefused(app, target.refreshToken, 'the ended session’s refresh token');
  await assertWorks(app, caller.token, account.id, 'the caller');
  assert.equal((await sessionRow(database, target.sessionId)).revoked_reason, 'revoked_by_user');

  // Ending it again, another user's session, or one that never existed: the same 404.
  const bodies: Json[] = [];
  for (const [label, id] of [
    ['already ended', target.sessionId],
    ['another user’s session', stranger.sessionId],
    ['unknown id', '00000000-0000-4000-8000-000000000000'],
    ['not a uuid', 'nope'],
  ] as const) {
    const missing = await app.inject({ method: 'DELETE', url: `/users/sessions/${id}`, headers: bearer(caller.token) });
    assert.equal(missing.statusCode, 404, `${label}: ${missing.body}`);
    const { request_id: _ignored, ...rest } = errorOf(missing);
    assert.equal(rest.code, 'SESSION_NOT_FOUND', label);
    bodies.push(rest);
  }
  for (const body of bodies) assert.deepEqual(body, bodies[0], 'one answer, so a 404 tells nothing about other users');
  await assertWorks(app, stranger.token, strangerAccount.id, 'the other user’s session is untouched');
  assert.equal((await sessionRow(database, stranger.sessionId)).revoked_at, null);
});

test('ASVS 3.3.4: DELETE /users/sessions ends every session but the current one (204)', async (t) => {
  const { app } = await buildTestApp(t);
  const account = await register(app);
  const others = [await login(app, account), await login(app, account)];
  const current = await login(app, account);
  const strangerAccount = await register(app);
  const stranger = await login(app, strangerAccount);

  const response = await app.inject({ method: 'DELETE', url: '/users/sessions', headers: bearer(current.token) });
  assert.equal(response.statusCode, 204);
  assert.equal(response.body, '');
  for (const [index, other] of others.entries()) {
    await assertRefused(app, other.token, `other session ${index}`);
    await assertRefreshRefused(app, other.refreshToken, `other session ${index} refresh`);
  }
  await assertWorks(app, current.token, account.id, 'the current session');
  pairOf(await refresh(app, current.refreshToken), 'the current session refreshes');
  assert.deepEqual((await listSessions(app, current.token)).map((session) => session._id), [current.sessionId]);
  await assertWorks(app, stranger.token, strangerAccount.id, 'another user is untouched');
});

// ---------------------------------------------------------------------------------------------
// Password change and account disable
// ---------------------------------------------------------------------------------------------

test('PUT /users/password: a wrong current password gets 400 INVALID_CURRENT_PASSWORD, a weak new one 400 VALIDATION_FAILED; nothing changes', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const other = await login(app, account);
  const session = await login(app, account);
  const before = await database.db.selectFrom('users').select(['password_hash', 'updated_at']).where('id', '=', account.id).executeTakeFirstOrThrow();

  const wrong = await app.inject({
    method: 'PUT',
    url: '/users/password',
    headers: bearer(session.token),
    payload: { current_password: 'Wr0ng-Password-99', new_password: 'Brand-New-Lantern-77' },
  });
  assert.equal(wrong.statusCode, 400, wrong.body);
  assert.equal(errorOf(wrong).code, 'INVALID_CURRENT_PASSWORD');
  assert.equal(errorOf(wrong).error, 'Bad Request');

  for (const weak of ['short1!', 'Password1!', 'alllowercase1!']) {
    const response = await app.inject({
      method: 'PUT',
      url: '/users/password',
      headers: bearer(session.token),
      payload: { current_password: account.password, new_password: weak },
    });
    assert.equal(response.statusCode, 400, `${weak}: ${response.body}`);
    const error = errorOf(response);
    assert.equal(error.code, 'VALIDATION_FAILED', weak);
    assert.ok(error.details?.some((detail) => detail.field === 'new_password'), `${weak}: ${JSON.stringify(error.details)}`);
  }

  const after = await database.db.selectFrom('users').select(['password_hash', 'updated_at']).where('id', '=', account.id).executeTakeFirstOrThrow();
  assert.deepEqual(after, before, 'the stored password is untouched');
  await assertWorks(app, other.token, account.id, 'no session ended');
  await login(app, account); // the old password still works
});

test('ASVS 3.3.3: PUT /users/password changes it (200): every other session ends, the current one goes on', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const others = [await login(app, account), await login(app, account)];
  const current = await login(app, account);
  const newPassword = 'Brand-New-Lantern-77';

  const response = await app.inject({
    method: 'PUT',
    url: '/users/password',
    headers: bearer(current.token),
    payload: { current_password: account.password, new_password: newPassword },
  });
  assert.equal(response.statusCode, 200, response.body);
  const body = json<{ message: string; data: Json }>(response);
  assert.equal(body.data._id, account.id);
  assert.doesNotMatch(response.body, /argon2|password_hash|Brand-New/i);
  const row = await database.db.selectFrom('users').select('password_hash').where('id', '=', account.id).executeTakeFirstOrThrow();
  assert.match(row.password_hash, /^\$argon2id\$/);

  for (const [index, other] of others.entries()) {
    await assertRefused(app, other.token, `other session ${index}`);
    await assertRefreshRefused(app, other.refreshToken, `other session ${index} refresh`);
    assert.equal((await sessionRow(database, other.sessionId)).revoked_reason, 'password_changed');
  }
  await assertWorks(app, current.token, account.id, 'the current session');
  const next = await refreshed(app, current.refreshToken, 'the current session refreshes');
  await assertWorks(app, next.token, account.id, 'the current session after a refresh');

  const old = await app.inject({ method: 'POST', url: '/users/login', payload: { email: account.email, password: account.password } });
  assert.equal(old.statusCode, 401);
  assert.equal(errorOf(old).code, 'INVALID_CREDENTIALS');
  const fresh = await login(app, { email: account.email, password: newPassword });
  await assertWorks(app, fresh.token, account.id, 'a login with the new password');
});

test('DELETE /users/ ends every session of the account at once', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const first = await login(app, account);
  const second = await login(app, account);

  const response = await app.inject({ method: 'DELETE', url: '/users/', headers: bearer(first.token) });
  assert.equal(response.statusCode, 204);
  for (const [label, session] of [['the caller', first], ['the other session', second]] as const) {
    await assertRefused(app, session.token, label);
    await assertRefreshRefused(app, session.refreshToken, label);
    assert.equal((await sessionRow(database, session.sessionId)).revoked_reason, 'account_disabled', label);
  }
});

// ---------------------------------------------------------------------------------------------
// Two instances over one store
// ---------------------------------------------------------------------------------------------

test('two instances on one store: a logout through A is refused by B; a user disabled through B is refused by A', async (t) => {
  const [databaseA, databaseB] = await testDatabasePair(t);
  const a = await buildTestApp(t, { database: databaseA });
  const b = await buildTestApp(t, { database: databaseB });

  const account = await register(a.app);
  const session = await login(a.app, account);
  await assertWorks(b.app, session.token, account.id, 'B accepts a token issued by A');
  await assertWorks(a.app, session.token, account.id, 'A too');

  const logout = await a.app.inject({ method: 'POST', url: '/users/logout', headers: bearer(session.token) });
  assert.equal(logout.statusCode, 204);
  await assertRefused(b.app, session.token, 'B, on the next request after a logout through A');
  await assertRefreshRefused(b.app, session.refreshToken, 'B, the refresh token');

  const second = await login(a.app, account);
  const third = await login(b.app, account);
  await assertWorks(a.app, second.token, account.id, 'A before the disable');
  const disable = await b.app.inject({ method: 'DELETE', url: '/users/', headers: bearer(third.token) });
  assert.equal(disable.statusCode, 204);
  await assertRefused(a.app, second.token, 'A, a token of a user disabled through B');
  await assertRefused(a.app, third.token, 'A, the token that disabled the account');
  await assertRefreshRefused(a.app, second.refreshToken, 'A, its refresh token');
});

test('two instances on one store: a refresh token rotated through A and replayed through B after the window ends the session', async (t) => {
  const [databaseA, databaseB] = await testDatabasePair(t);
  const a = await buildTestApp(t, { database: databaseA });
  const b = await buildTestApp(t, { database: databaseB });

  const account = await register(a.app);
  const t0 = await login(a.app, account);
  const t1 = await refreshed(a.app, t0.refreshToken, 'through A');
  const t2 = await refreshed(b.app, t1.refreshToken, 'B continues the chain A started');
  await assertWorks(a.app, t2.token, account.id, 'A accepts B’s token');

  b.clock.advance(GRACE_MS + SECOND);
  await assertRefreshRefused(b.app, t1.refreshToken, 'B, replay of a token rotated through B');
  await assertRefused(a.app, t2.token, 'A, after a breach detected by B');
  await assertRefreshRefused(a.app, t2.refreshToken, 'A, the newest refresh token');
});

test('two instances on one store: one refresh token exchanged at once through A and B gives only 200s and working pairs', async (t) => {
  const [databaseA, databaseB] = await testDatabasePair(t);
  const a = await buildTestApp(t, { database: databaseA });
  const b = await buildTestApp(t, { database: databaseB });
  const account = await register(a.app);
  const t0 = await login(a.app, account);

  const responses = await Promise.all(Array.from({ length: 10 }, (_, index) => refresh(index % 2 === 0 ? a.app : b.app, t0.refreshToken)));
  const pairs = responses.map((response, index) => pairOf(response, `parallel ${index} through ${index % 2 === 0 ? 'A' : 'B'}`));
  assert.equal(new Set(pairs.map((pair) => pair.refreshToken)).size, 10);
  for (const [index, pair] of pairs.entries()) await assertWorks(index % 2 === 0 ? b.app : a.app, pair.token, account.id, `pair ${index} on the other instance`);
});

// ---------------------------------------------------------------------------------------------
// Keys: JWKS, rotation, unknown kid
// ---------------------------------------------------------------------------------------------

async function jwksOf(app: FastifyInstance): Promise<{ response: Response; jwks: JSONWebKeySet }> {
  const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  assert.equal(response.statusCode, 200, response.body);
  return { response, jwks: response.json<JSONWebKeySet>() };
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

/** The private key of `kid`, read back from the database and unsealed with the test SECRET_KEY. */
async function privateKeyOf(database: Database, kid: string) {
  const row = await database.db.selectFrom('signing_keys').selectAll().where('kid', '=', kid).executeTakeFirstOrThrow();
  return createPrivateKey(createSecretBox(TEST_SECRET, 'signing-keys').open(row.private_key_encrypted));
}

/** A token as the server would sign it, with a chosen kid, key and lifetime. */
async function forge(options: { kid: string; key: ReturnType<typeof createPrivateKey>; userId: string; sessionId: string; clock: Clock; ttlSeconds: number }) {
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

async function rotateKeys(database: Database, clock: Clock, retireAfterMs: number): Promise<string> {
  const keyring = createKeyring({
    repository: createSigningKeysRepository(database.db),
    secretBox: createSecretBox(TEST_SECRET, 'signing-keys'),
    clock,
  });
  return keyring.rotate(retireAfterMs);
}

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
  await assertWorks(app, old.token, account.id, 'a token signed with the previous key');
  const fresh = await login(app, account);
  assert.equal(kidOf(fresh.token), newKid, 'a new login is signed with the new key');
  await assertWorks(app, fresh.token, account.id, 'the new token');
  const both = (await jwksOf(app)).jwks;
  assert.deepEqual(both.keys.map((key) => key.kid).sort(), [oldKid, newKid].sort(), 'JWKS lists both');
  const verified = await jwtVerify(fresh.token, createLocalJWKSet(both), { algorithms: ['EdDSA'], currentDate: clock.now() });
  assert.equal(verified.payload.sub, account.id);

  // Tokens made with the old key that outlive its retirement (as a stolen key would allow).
  const oldKey = await privateKeyOf(database, oldKid);
  const forgeOld = () => forge({ kid: oldKid, key: oldKey, userId: account.id, sessionId: fresh.sessionId, clock, ttlSeconds: 86_400 });
  const usedBefore = await forgeOld();
  const unseen = await forgeOld();
  await assertWorks(app, usedBefore, account.id, 'the old key verifies until it retires');

  clock.advance(retireAfterMs + SECOND);
  const after = (await jwksOf(app)).jwks;
  assert.deepEqual(after.keys.map((key) => key.kid), [newKid], 'the retired kid leaves JWKS');
  const relogin = await login(app, account);
  assert.equal(kidOf(relogin.token), newKid);
  await assertWorks(app, relogin.token, account.id, 'tokens from the current key');
  await assertRefused(app, unseen, 'a token signed with the retired key, first presented after the retirement');
  await assertRefused(app, usedBefore, 'a token signed with the retired key that was also presented before the retirement');
});

test('RFC 8725 §3.10: a correctly signed token with a kid the server does not know gets 401', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const account = await register(app);
  const session = await login(app, account);
  const key = await privateKeyOf(database, kidOf(session.token));

  const control = await forge({ kid: kidOf(session.token), key, userId: account.id, sessionId: session.sessionId, clock, ttlSeconds: 900 });
  await assertWorks(app, control, account.id, 'the forger is faithful with the right kid');
  for (const kid of ['unknown-kid', `${kidOf(session.token)}x`, randomBytes(12).toString('base64url')]) {
    const token = await forge({ kid, key, userId: account.id, sessionId: session.sessionId, clock, ttlSeconds: 900 });
    await assertRefused(app, token, `kid ${kid}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Audit trail
// ---------------------------------------------------------------------------------------------

interface ActivityEvent {
  _id: string;
  type: string;
  created_at: string;
  ip: string | null;
  session_id: string | null;
}

async function activity(app: FastifyInstance, token: string, query = ''): Promise<ActivityEvent[]> {
  const response = await app.inject({ method: 'GET', url: `/users/activity${query}`, headers: bearer(token) });
  assert.equal(response.statusCode, 200, response.body);
  return json<{ data: ActivityEvent[] }>(response).data;
}

test('ASVS 7.2.1: every security event is recorded with time, user, IP and session; GET /users/activity shows the caller’s own, newest first', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const account = await register(app);
  const strangerAccount = await register(app);
  const expected: { type: string; at: string; ip: string; sessionId: string | null }[] = [];
  const step = () => {
    clock.advance(SECOND);
    return clock.now().toISOString();
  };
  const from = (ip: string) => ({ remoteAddress: ip });

  let at = step();
  const failed = await app.inject({ method: 'POST', url: '/users/login', ...from('10.0.0.1'), payload: { email: account.email, password: 'Wr0ng-Password-99' } });
  assert.equal(failed.statusCode, 401);
  expected.push({ type: 'login_failure', at, ip: '10.0.0.1', sessionId: null });

  at = step();
  const loginResponse = await app.inject({ method: 'POST', url: '/users/login', ...from('10.0.0.2'), payload: { email: account.email, password: account.password } });
  const laptop = json<{ data: { token: string; refresh_token: string } }>(loginResponse).data;
  const laptopSid = sidOf(laptop.token);
  expected.push({ type: 'login_success', at, ip: '10.0.0.2', sessionId: laptopSid });

  at = step();
  const laptopPair = pairOf(await app.inject({ method: 'POST', url: '/users/token/refresh', ...from('10.0.0.3'), payload: { refresh_token: laptop.refresh_token } }));
  expected.push({ type: 'refresh', at, ip: '10.0.0.3', sessionId: laptopSid });

  at = step();
  const phone = await login(app, account);
  expected.push({ type: 'login_success', at, ip: '127.0.0.1', sessionId: phone.sessionId });
  at = step();
  await refreshed(app, phone.refreshToken);
  expected.push({ type: 'refresh', at, ip: '127.0.0.1', sessionId: phone.sessionId });
  clock.advance(GRACE_MS);
  at = step();
  const replay = await app.inject({ method: 'POST', url: '/users/token/refresh', ...from('10.6.6.6'), payload: { refresh_token: phone.refreshToken } });
  assert.equal(replay.statusCode, 401);
  expected.push({ type: 'refresh_reuse_detected', at, ip: '10.6.6.6', sessionId: phone.sessionId });

  at = step();
  const newPassword = 'Brand-New-Lantern-77';
  const changed = await app.inject({
    method: 'PUT',
    url: '/users/password',
    headers: bearer(laptopPair.token),
    payload: { current_password: account.password, new_password: newPassword },
  });
  assert.equal(changed.statusCode, 200, changed.body);
  expected.push({ type: 'password_changed', at, ip: '127.0.0.1', sessionId: laptopSid });

  at = step();
  assert.equal((await app.inject({ method: 'POST', url: '/users/logout', headers: bearer(laptopPair.token) })).statusCode, 204);
  expected.push({ type: 'logout', at, ip: '127.0.0.1', sessionId: laptopSid });

  at = step();
  const tablet = await login(app, { email: account.email, password: newPassword });
  expected.push({ type: 'login_success', at, ip: '127.0.0.1', sessionId: tablet.sessionId });

  // The stranger's own events happen in between and must never show up.
  step();
  await login(app, strangerAccount);
  await app.inject({ method: 'POST', url: '/users/login', payload: { email: strangerAccount.email, password: 'Wr0ng-Password-99' } });

  const events = await activity(app, tablet.token);
  assert.deepEqual(
    events.map((event) => ({ type: event.type, at: event.created_at, ip: event.ip, sessionId: event.session_id })),
    [...expected].reverse(),
    'the caller’s events, newest first',
  );
  for (const event of events) assert.deepEqual(Object.keys(event).sort(), ['_id', 'created_at', 'ip', 'session_id', 'type']);
  const mineIds = new Set(events.map((event) => event._id));
  const strangerRows = await database.db.selectFrom('audit_events').selectAll().where('user_id', '=', strangerAccount.id).execute();
  assert.ok(strangerRows.length >= 2, 'the stranger has events of his own');
  for (const row of strangerRows) assert.ok(!mineIds.has(row.id), 'never another user’s event');
  const limited = await activity(app, tablet.token, '?limit=2');
  assert.deepEqual(limited.map((event) => event._id), events.slice(0, 2).map((event) => event._id));

  // Disabling the account is recorded too (the caller can no longer read it through the API).
  at = step();
  assert.equal((await app.inject({ method: 'DELETE', url: '/users/', headers: bearer(tablet.token) })).statusCode, 204);
  const rows = await database.db.selectFrom('audit_events').selectAll().where('user_id', '=', account.id).orderBy('created_at', 'desc').execute();
  const disabled = rows[0];
  assert.equal(disabled?.type, 'account_disabled');
  assert.equal(disabled.created_at, at);
  assert.equal(disabled.ip, '127.0.0.1');
  assert.equal(disabled.session_id, tablet.sessionId);
  assert.equal(disabled.user_id, account.id);

  // An unknown email's failure is recorded without a user.
  await app.inject({ method: 'POST', url: '/users/login', payload: { email: 'nobody@example.com', password: 'Wr0ng-Password-99' } });
  const anonymous = await database.db.selectFrom('audit_events').selectAll().where('user_id', 'is', null).execute();
  assert.equal(anonymous.length, 1);
  assert.equal(anonymous[0]?.type, 'login_failure');
});

test('GET /users/activity is newest first even for events in the same millisecond (insertion order breaks ties)', async (t) => {
  const { app } = await buildTestApp(t);
  const account = await register(app);
  // The clock never moves here: every event shares one timestamp, as events of one busy millisecond would.
  const types: string[] = [];
  for (let round = 0; round < 3; round += 1) {
    const failed = await app.inject({ method: 'POST', url: '/users/login', payload: { email: account.email, password: 'Wr0ng-Password-99' } });
    assert.equal(failed.statusCode, 401);
    types.push('login_failure');
    const session = await login(app, account);
    types.push('login_success');
    await refreshed(app, session.refreshToken);
    types.push('refresh');
  }
  const current = await login(app, account);
  types.push('login_success');
  assert.equal((await app.inject({ method: 'DELETE', url: '/users/sessions', headers: bearer(current.token) })).statusCode, 204);
  types.push('session_revoked', 'session_revoked', 'session_revoked');

  const events = await activity(app, current.token);
  assert.deepEqual(events.map((event) => event.type), [...types].reverse());
});
