import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { buildTestApp, json } from '../helpers/app.js';
import {
  SECOND,
  assertAccepted,
  assertRefreshRefused,
  assertRefused,
  claimsOf,
  login,
  pairOf,
  refresh,
  refreshed,
  register,
  sessionRow,
  sidOf,
} from '../helpers/identity.js';

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
  await assertAccepted(app, second.token, account.id, 'the new access token');

  const session = await sessionRow(database, first.sessionId);
  assert.equal(session.last_used_at, clock.now().toISOString(), 'a refresh moves last_used_at');

  // And the new refresh token can itself be exchanged.
  const third = await refreshed(app, second.refreshToken, 'second rotation');
  await assertAccepted(app, third.token, account.id, 'third access token');
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

test('ten refreshes with one token at the same moment: all 200, never a 500, and working pairs that share one successor', async (t) => {
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
  assert.equal(new Set(pairs.map((pair) => pair.refreshToken)).size, 1, 'one successor: the session keeps a single live refresh token');
  for (const [index, pair] of pairs.entries()) {
    assert.equal(sidOf(pair.token), t0.sessionId);
    await assertAccepted(app, pair.token, account.id, `pair ${index}`);
  }
  for (const [index, pair] of pairs.entries())
    await assertAccepted(app, (await refreshed(app, pair.refreshToken, `rotate ${index}`)).token, account.id, `rotated ${index}`);
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
  await assertAccepted(app, session.token, account.id, 'the access token');
  pairOf(await refresh(app, session.refreshToken), 'the refresh token');
});
