import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { PasswordHasher } from '../../src/lib/passwords.js';
import { buildTestApp, json, testPasswords, type Response } from '../helpers/app.js';
import { GRACE_MS, SECOND, bearer, pairOf, refresh, register, type Pair } from '../helpers/identity.js';

/** A login whose answer the test judges itself (the shared `login` helper requires a 200). */
const login = (app: FastifyInstance, email: string, password: string, ip = '127.0.0.1') =>
  app.inject({ method: 'POST', url: '/users/login', remoteAddress: ip, payload: { email, password } });
const profile = (app: FastifyInstance, token: string) => app.inject({ method: 'GET', url: '/users/', headers: bearer(token) });

/** The token pair of a 200 login. */
function loginPair(response: Response, label: string): Pair {
  assert.equal(response.statusCode, 200, `${label}: ${response.body}`);
  const data = json<{ data: { token: string; refresh_token: string } }>(response).data;
  return { token: data.token, refreshToken: data.refresh_token };
}

test('RFC 9700 §4.14.2: ten refreshes of one token at once all get the same successor, so the session keeps one live refresh token', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const account = await register(app);
  const root = loginPair(await login(app, account.email, account.password), 'login');

  const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(app, root.refreshToken)));
  const pairs = responses.map((response, index) => pairOf(response, `parallel refresh ${index}`));
  assert.equal(new Set(pairs.map((pair) => pair.refreshToken)).size, 1, 'one successor for every racer');
  for (const [index, pair] of pairs.entries()) assert.equal((await profile(app, pair.token)).statusCode, 200, `access token ${index}`);

  const [successor] = pairs;
  const next = pairOf(await refresh(app, successor?.refreshToken ?? ''), 'the successor rotates');
  clock.advance(GRACE_MS + SECOND);
  assert.equal((await refresh(app, root.refreshToken)).statusCode, 401, 'the root, replayed after the window');
  assert.equal((await profile(app, next.token)).statusCode, 401, 'the breach ended the session');
  assert.equal((await refresh(app, next.refreshToken)).statusCode, 401, 'and its newest refresh token');
});

test('RFC 9700 §4.14.2: a thief replaying a token inside the grace window gets the owner’s successor, and is caught when the chain moves on', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const account = await register(app);
  const stolen = loginPair(await login(app, account.email, account.password), 'login');

  const owner = pairOf(await refresh(app, stolen.refreshToken), 'the owner refreshes');
  clock.advance(GRACE_MS / 2);
  const thief = pairOf(await refresh(app, stolen.refreshToken), 'the thief replays inside the window');
  assert.equal(thief.refreshToken, owner.refreshToken, 'no chain of its own');

  const ownerNext = pairOf(await refresh(app, owner.refreshToken), 'the owner moves on');
  clock.advance(GRACE_MS + SECOND);
  assert.equal((await refresh(app, thief.refreshToken)).statusCode, 401, 'the thief’s copy is spent');
  assert.equal((await profile(app, ownerNext.token)).statusCode, 401, 'and the session has ended for both');
});

/**
 * The test hasher, with a latch: the first `count` password checks finish only once the test
 * releases them, so a change can be made between a login's password check and its session.
 */
function latchedPasswords(count: number) {
  let held = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let reached!: () => void;
  const allHeld = new Promise<void>((resolve) => (reached = resolve));
  const passwords: PasswordHasher = {
    hash: (password) => testPasswords.hash(password),
    async verify(hash, password) {
      const valid = await testPasswords.verify(hash, password);
      if (held < count) {
        held += 1;
        if (held === count) reached();
        await released;
      }
      return valid;
    },
  };
  return { passwords, allHeld, release };
}

const RACERS = 8;

test('a login whose password check passed before a password change gets no session that outlives the change', async (t) => {
  const latch = latchedPasswords(RACERS);
  const { app } = await buildTestApp(t, { deps: { passwords: latch.passwords } });
  const account = await register(app);
  // Each from a client of its own, so the login throttle lets every one through to its password check.
  const logins = Array.from({ length: RACERS }, (_, index) => login(app, account.email, account.password, `192.0.2.${index + 1}`));
  await latch.allHeld;

  // Every login has checked the old password; none has its session yet. The change commits now.
  const changer = loginPair(await login(app, account.email, account.password), 'the session that changes the password');
  const changed = await app.inject({
    method: 'PUT',
    url: '/users/password',
    headers: { authorization: `Bearer ${changer.token}` },
    payload: { current_password: account.password, new_password: 'Brand-New-Lantern-77' },
  });
  assert.equal(changed.statusCode, 200, changed.body);
  latch.release();
  for (const [index, response] of (await Promise.all(logins)).entries()) {
    assert.equal(response.statusCode, 401, `login ${index} with the old password: ${response.body}`);
  }
  assert.equal((await profile(app, changer.token)).statusCode, 200, 'the changer’s own session goes on');
});

test('a login whose password check passed before DELETE /users/ gets no session, even once the account is enabled again', async (t) => {
  const latch = latchedPasswords(RACERS);
  const { app, database } = await buildTestApp(t, { deps: { passwords: latch.passwords } });
  const account = await register(app);
  // Each from a client of its own, so the login throttle lets every one through to its password check.
  const logins = Array.from({ length: RACERS }, (_, index) => login(app, account.email, account.password, `192.0.2.${index + 1}`));
  await latch.allHeld;

  const owner = loginPair(await login(app, account.email, account.password), 'the session that disables the account');
  assert.equal(
    (await app.inject({ method: 'DELETE', url: '/users/', headers: { authorization: `Bearer ${owner.token}` } })).statusCode,
    204,
  );
  latch.release();
  const raced = await Promise.all(logins);
  // What `bindery user:enable` does: the account works again, its old sessions stay ended.
  await database.db.updateTable('users').set({ disabled_at: null }).where('id', '=', account.id).execute();
  for (const [index, response] of raced.entries()) assert.equal(response.statusCode, 401, `login ${index}: ${response.body}`);
  loginPair(await login(app, account.email, account.password), 'a new login after the enable works');
});

test('a refresh is refused for a disabled account even when its session was not ended', async (t) => {
  const { app, database } = await buildTestApp(t);
  const account = await register(app);
  const pair = loginPair(await login(app, account.email, account.password), 'login');
  // A session that escaped its account's disable (the race above, on an older version): the account is what counts.
  await database.db.updateTable('users').set({ disabled_at: new Date().toISOString() }).where('id', '=', account.id).execute();
  assert.equal((await refresh(app, pair.refreshToken)).statusCode, 401);
});
