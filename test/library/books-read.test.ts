import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, errorOf, json, signUp } from '../helpers/app.js';
import { createBook, type BookData } from '../helpers/books.js';

test('GET /books/:id returns the owner’s book; another user’s, unknown and malformed ids get the same 404', async (t) => {
  const { app } = await buildTestApp(t);
  const owner = await signUp(app);
  const stranger = await signUp(app);
  const book = await createBook(app, owner);

  const own = await app.inject({ method: 'GET', url: `/books/${book._id}`, headers: owner.auth });
  assert.equal(own.statusCode, 200);
  assert.deepEqual(json<{ data: BookData }>(own).data, book);

  const bodies: unknown[] = [];
  for (const [session, id] of [
    [stranger, book._id],
    [owner, '5f1d7f1b2c3a4b5c6d7e8f90'],
    [owner, 'not-an-id'],
    [owner, "1' or '1'='1"],
  ] as const) {
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const response = await app.inject({
        method,
        url: `/books/${encodeURIComponent(id)}`,
        headers: session.auth,
        ...(method === 'PUT' ? { payload: { title: 'Mine now' } } : {}),
      });
      assert.equal(response.statusCode, 404, `${method} ${id}`);
      const { request_id: _ignored, ...rest } = errorOf(response);
      bodies.push(rest);
    }
  }
  assert.ok(bodies.every((body) => JSON.stringify(body) === JSON.stringify(bodies[0])));
  const still = await app.inject({ method: 'GET', url: `/books/${book._id}`, headers: owner.auth });
  assert.equal(json<{ data: BookData }>(still).data.title, book.title);
});

test('GET /books/ lists only the caller’s books, newest first, in keyset pages', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const reader = await signUp(app);
  const other = await signUp(app);
  await createBook(app, other, { title: 'Not yours' });
  const created: BookData[] = [];
  for (let index = 0; index < 5; index += 1) {
    clock.advance(1000);
    created.push(await createBook(app, reader, { title: `Volume ${index}` }));
  }

  const first = await app.inject({ method: 'GET', url: '/books/?limit=2', headers: reader.auth });
  assert.equal(first.statusCode, 200);
  const page1 = json<{ data: BookData[]; next_cursor: string | null }>(first);
  assert.deepEqual(
    page1.data.map((book) => book.title),
    ['Volume 4', 'Volume 3'],
  );
  assert.equal(typeof page1.next_cursor, 'string');

  const seen = [...page1.data];
  let cursor = page1.next_cursor;
  while (cursor) {
    const next = await app.inject({ method: 'GET', url: `/books?limit=2&cursor=${cursor}`, headers: reader.auth });
    const page = json<{ data: BookData[]; next_cursor: string | null }>(next);
    seen.push(...page.data);
    cursor = page.next_cursor;
  }
  assert.deepEqual(
    seen.map((book) => book._id),
    created.map((book) => book._id).reverse(),
  );

  const all = json<{ data: BookData[]; next_cursor: string | null }>(
    await app.inject({ method: 'GET', url: '/books/', headers: reader.auth }),
  );
  assert.equal(all.data.length, 5);
  assert.equal(all.next_cursor, null);
});

test('GET /books/ filters by category and by a case-insensitive title search', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  await createBook(app, session, { title: 'The Raven', category: 'poetry' });
  await createBook(app, session, { title: 'Ravenous 100% Edition', category: 'horror' });
  await createBook(app, session, { title: 'Cosmos', category: 'science' });

  const poetry = json<{ data: BookData[] }>(await app.inject({ method: 'GET', url: '/books/?category=poetry', headers: session.auth }));
  assert.deepEqual(
    poetry.data.map((book) => book.title),
    ['The Raven'],
  );

  const raven = json<{ data: BookData[] }>(await app.inject({ method: 'GET', url: '/books/?q=RAVEN', headers: session.auth }));
  assert.deepEqual(raven.data.map((book) => book.title).sort(), ['Ravenous 100% Edition', 'The Raven']);

  const literal = json<{ data: BookData[] }>(
    await app.inject({ method: 'GET', url: `/books/?q=${encodeURIComponent('100%')}`, headers: session.auth }),
  );
  assert.deepEqual(
    literal.data.map((book) => book.title),
    ['Ravenous 100% Edition'],
  );
  const wildcard = json<{ data: BookData[] }>(await app.inject({ method: 'GET', url: '/books/?q=_', headers: session.auth }));
  assert.deepEqual(wildcard.data, []);

  const picture = await app.inject({ method: 'GET', url: '/books/?category=picture%20book', headers: session.auth });
  assert.equal(picture.statusCode, 200);
});

test('GET /books/ refuses bad query strings with 400', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  for (const query of [
    'limit=0',
    'limit=101',
    'limit=abc',
    'category=cooking',
    'cursor=garbage',
    'cursor=WyJ4IiwieSJd',
    'sort=title',
    'q=',
  ]) {
    const response = await app.inject({ method: 'GET', url: `/books/?${query}`, headers: session.auth });
    assert.equal(response.statusCode, 400, `${query} → ${response.body}`);
    assert.match(errorOf(response).code, /^(VALIDATION_FAILED|INVALID_CURSOR)$/);
  }
});

test('GET /books/categories is public and lists the tutorial’s categories without typos', async (t) => {
  const { app } = await buildTestApp(t);
  const response = await app.inject({ method: 'GET', url: '/books/categories' });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(json<{ data: string[] }>(response).data, [
    'romance',
    'poetry',
    'politics',
    'picture book',
    'science',
    'fantasy',
    'horror',
    'thriller',
  ]);
});

test('every book route needs a valid token', async (t) => {
  const { app } = await buildTestApp(t);
  for (const [method, url] of [
    ['GET', '/books/'],
    ['GET', '/books/x'],
    ['PUT', '/books/x'],
    ['DELETE', '/books/x'],
    ['POST', '/books/'],
  ] as const) {
    const response = await app.inject({ method, url });
    assert.equal(response.statusCode, 401, `${method} ${url}`);
    assert.equal(errorOf(response).code, 'UNAUTHENTICATED');
  }
});

test('title search follows renames and deletions, and treats quotes and operators literally', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const search = async (q: string) =>
    json<{ data: BookData[] }>(
      await app.inject({ method: 'GET', url: `/books/?q=${encodeURIComponent(q)}`, headers: session.auth }),
    ).data.map((book) => book.title);
  const book = await createBook(app, session, { title: 'Moby Dick' });
  await createBook(app, session, { title: 'The "Quoted" AND OR NEAR Book' });

  assert.deepEqual(await search('moby'), ['Moby Dick']);
  await app.inject({ method: 'PUT', url: `/books/${book._id}`, headers: session.auth, payload: { title: 'The Whale' } });
  assert.deepEqual(await search('moby'), []);
  assert.deepEqual(await search('whale'), ['The Whale']);
  assert.deepEqual(await search('"quoted"'), ['The "Quoted" AND OR NEAR Book']);
  assert.deepEqual(await search('and or near'), ['The "Quoted" AND OR NEAR Book']);
  assert.deepEqual(await search('*'), []);
  await app.inject({ method: 'DELETE', url: `/books/${book._id}`, headers: session.auth });
  assert.deepEqual(await search('whale'), []);
});
