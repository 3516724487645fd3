import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, errorOf, signUp } from '../helpers/app.js';
import { createBook, type BookData } from '../helpers/books.js';

// On PostgreSQL the per-request session check and GET /books/:id are coalesced into one query per
// event-loop turn: these pin that every request in such a batch still gets exactly its own answer.

test('parallel GET /users/ for many sessions, some logged out just before, each get their own user or 401', async (t) => {
  const { app } = await buildTestApp(t);
  const sessions = await Promise.all(Array.from({ length: 6 }, () => signUp(app)));
  const loggedOut = sessions.filter((_, index) => index % 3 === 0);
  for (const session of loggedOut) {
    assert.equal((await app.inject({ method: 'POST', url: '/users/logout', headers: session.auth })).statusCode, 204);
  }

  const requests = sessions.flatMap((session) => Array.from({ length: 5 }, () => session));
  const responses = await Promise.all(requests.map((session) => app.inject({ method: 'GET', url: '/users/', headers: session.auth })));
  for (const [index, response] of responses.entries()) {
    const session = requests[index]!;
    if (loggedOut.includes(session)) {
      assert.equal(response.statusCode, 401, `request ${index}: a logged-out session`);
      assert.equal(errorOf(response).code, 'UNAUTHENTICATED');
    } else {
      assert.equal(response.statusCode, 200, `request ${index}: ${response.body}`);
      assert.equal(response.json<{ data: { _id: string } }>().data._id, session.user._id);
    }
  }
});

test('parallel GET /books/:id mixing owners, strangers and unknown ids: each gets its own book or the same 404', async (t) => {
  const { app } = await buildTestApp(t);
  const [ada, bob] = await Promise.all([signUp(app), signUp(app)]);
  const adas: BookData[] = [await createBook(app, ada), await createBook(app, ada)];
  const bobs: BookData[] = [await createBook(app, bob)];

  const cases = [
    ...adas.map((book) => ({ session: ada, id: book._id, expected: book })),
    ...bobs.map((book) => ({ session: bob, id: book._id, expected: book })),
    ...adas.map((book) => ({ session: bob, id: book._id, expected: undefined })),
    { session: ada, id: bobs[0]!._id, expected: undefined },
    { session: ada, id: '00000000-0000-4000-8000-000000000000', expected: undefined },
    { session: bob, id: 'not-a-uuid', expected: undefined },
  ];
  const repeated = [...cases, ...cases, ...cases];
  const responses = await Promise.all(
    repeated.map(({ session, id }) => app.inject({ method: 'GET', url: `/books/${id}`, headers: session.auth })),
  );
  for (const [index, response] of responses.entries()) {
    const { expected } = repeated[index]!;
    if (expected) {
      assert.equal(response.statusCode, 200, `case ${index}: ${response.body}`);
      assert.deepEqual(response.json<{ data: BookData }>().data, expected);
    } else {
      assert.equal(response.statusCode, 404, `case ${index}: ${response.body}`);
      assert.equal(errorOf(response).code, 'BOOK_NOT_FOUND');
    }
  }
});
