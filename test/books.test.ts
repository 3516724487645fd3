import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, errorOf, json, multipart, signUp, withAuth } from './helpers/app.js';
import { createBook, pathOf, postBook, type BookData } from './helpers/books.js';
import { jpeg } from './helpers/image-fixtures.js';

async function countRows(database: Awaited<ReturnType<typeof buildTestApp>>['database'], table: 'books' | 'cover_images') {
  const row = await database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

test('POST /books/ creates a book with its cover in one go (the tutorial could never create one)', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const response = await postBook(app, session, { title: 'Dune', category: 'fantasy', description: 'Spice' });

  assert.equal(response.statusCode, 201, response.body);
  const book = json<{ data: BookData }>(response).data;
  assert.deepEqual(Object.keys(book).sort(), ['_id', 'category', 'created_at', 'description', 'image_url', 'images', 'title', 'updated_at', 'user_id']);
  assert.equal(book.title, 'Dune');
  assert.equal(book.category, 'fantasy');
  assert.equal(book.description, 'Spice');
  assert.equal(book.user_id, session.user._id);
  assert.equal(book.image_url, book.images.thumbnail);
  assert.match(book.image_url, /^http:\/\/localhost(:\d+)?\/static\/books\/[\w-]+-thumbnail\.\w+$/);
  assert.notEqual(book.images.display, book.images.thumbnail);

  const row = await database.db.selectFrom('books').selectAll().where('id', '=', book._id).executeTakeFirstOrThrow();
  assert.equal(row.user_id, session.user._id);
  const covers = await database.db.selectFrom('cover_images').select(['rendition', 'book_id']).where('book_id', '=', book._id).execute();
  assert.deepEqual(covers.map((cover) => cover.rendition).sort(), ['display', 'thumbnail']);
});

test('POST /books/ uses PUBLIC_URL for image URLs when it is set', async (t) => {
  const { app } = await buildTestApp(t, { config: { publicUrl: 'https://books.example.org' } });
  const book = await createBook(app, await signUp(app));
  assert.ok(book.image_url.startsWith('https://books.example.org/static/books/'));
});

test('POST /books/ refuses bad fields with 400 and stores nothing', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const cases: [Record<string, string>, string][] = [
    [{ title: '' }, 'title'],
    [{ title: 'x'.repeat(201) }, 'title'],
    [{ category: 'peotry' }, 'category'],
    [{ description: 'd'.repeat(5001) }, 'description'],
    [{ user_id: 'someone-else' }, 'user_id'],
    [{ image_url: 'http://evil.example/x.jpg' }, 'image_url'],
    [{ _id: 'chosen' }, '_id'],
  ];
  for (const [fields, field] of cases) {
    const response = await postBook(app, session, fields);
    assert.equal(response.statusCode, 400, `${JSON.stringify(fields)} → ${response.body}`);
    const error = errorOf(response);
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.ok(error.details?.some((detail) => detail.field === field), JSON.stringify(error.details));
  }
  assert.equal(await countRows(database, 'books'), 0);
  assert.equal(await countRows(database, 'cover_images'), 0);
});

test('POST /books/ without a cover, with an empty one, or with the cover as text gets 400', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const noCover = await app.inject({ method: 'POST', url: '/books/', ...withAuth(session, multipart({ title: 'T', category: 'poetry' })) });
  assert.equal(noCover.statusCode, 400);
  assert.equal(errorOf(noCover).code, 'COVER_REQUIRED');

  const empty = await postBook(app, session, { cover_image: { content: Buffer.alloc(0) } });
  assert.equal(errorOf(empty).code, 'COVER_REQUIRED');

  const asText = await postBook(app, session, { cover_image: 'not a file' });
  assert.equal(asText.statusCode, 400);

  const otherFile = await postBook(app, session, { extra: { content: await jpeg() } });
  assert.equal(otherFile.statusCode, 400);
  assert.equal(await countRows(database, 'books'), 0);
});

test('POST /books/ needs multipart: JSON gets 415', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const response = await app.inject({ method: 'POST', url: '/books/', headers: session.auth, payload: { title: 'T', category: 'poetry' } });
  assert.equal(response.statusCode, 415);
  assert.equal(errorOf(response).code, 'UNSUPPORTED_MEDIA_TYPE');
});

test('POST /books/ without a token gets 401 before the upload is read', async (t) => {
  const { app, database } = await buildTestApp(t);
  const response = await app.inject({ method: 'POST', url: '/books/', ...multipart({ title: 'T', category: 'poetry', cover_image: { content: await jpeg() } }) });
  assert.equal(response.statusCode, 401);
  assert.equal(await countRows(database, 'books'), 0);
});

test('a duplicate title for one user, in any case, gets 409; another user may reuse it', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  await createBook(app, session, { title: 'The Hobbit' });
  const again = await postBook(app, session, { title: 'THE HOBBIT' });
  assert.equal(again.statusCode, 409);
  assert.equal(errorOf(again).code, 'TITLE_TAKEN');
  const other = await postBook(app, await signUp(app), { title: 'The Hobbit' });
  assert.equal(other.statusCode, 201);
});

test('the same title created 10 times in parallel by one user gives exactly one 201', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const responses = await Promise.all(Array.from({ length: 10 }, () => postBook(app, session, { title: 'Race Condition' })));
  const statuses = responses.map((response) => response.statusCode).sort();
  assert.deepEqual(statuses, [201, ...Array.from({ length: 9 }, () => 409)]);
  assert.equal(await countRows(database, 'books'), 1);
  assert.equal(await countRows(database, 'cover_images'), 2);
});

test('GET /books/:id returns the owner’s book; another user’s, unknown and malformed ids get the same 404', async (t) => {
  const { app } = await buildTestApp(t);
  const owner = await signUp(app);
  const stranger = await signUp(app);
  const book = await createBook(app, owner);

  const own = await app.inject({ method: 'GET', url: `/books/${book._id}`, headers: owner.auth });
  assert.equal(own.statusCode, 200);
  assert.deepEqual(json<{ data: BookData }>(own).data, book);

  const bodies: unknown[] = [];
  for (const [session, id] of [[stranger, book._id], [owner, '5f1d7f1b2c3a4b5c6d7e8f90'], [owner, 'not-an-id'], [owner, "1' or '1'='1"]] as const) {
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const response = await app.inject({ method, url: `/books/${encodeURIComponent(id)}`, headers: session.auth, ...(method === 'PUT' ? { payload: { title: 'Mine now' } } : {}) });
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
  assert.deepEqual(page1.data.map((book) => book.title), ['Volume 4', 'Volume 3']);
  assert.equal(typeof page1.next_cursor, 'string');

  const seen = [...page1.data];
  let cursor = page1.next_cursor;
  while (cursor) {
    const next = await app.inject({ method: 'GET', url: `/books?limit=2&cursor=${cursor}`, headers: reader.auth });
    const page = json<{ data: BookData[]; next_cursor: string | null }>(next);
    seen.push(...page.data);
    cursor = page.next_cursor;
  }
  assert.deepEqual(seen.map((book) => book._id), created.map((book) => book._id).reverse());

  const all = json<{ data: BookData[]; next_cursor: string | null }>(await app.inject({ method: 'GET', url: '/books/', headers: reader.auth }));
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
  assert.deepEqual(poetry.data.map((book) => book.title), ['The Raven']);

  const raven = json<{ data: BookData[] }>(await app.inject({ method: 'GET', url: '/books/?q=RAVEN', headers: session.auth }));
  assert.deepEqual(raven.data.map((book) => book.title).sort(), ['Ravenous 100% Edition', 'The Raven']);

  const literal = json<{ data: BookData[] }>(await app.inject({ method: 'GET', url: `/books/?q=${encodeURIComponent('100%')}`, headers: session.auth }));
  assert.deepEqual(literal.data.map((book) => book.title), ['Ravenous 100% Edition']);
  const wildcard = json<{ data: BookData[] }>(await app.inject({ method: 'GET', url: '/books/?q=_', headers: session.auth }));
  assert.deepEqual(wildcard.data, []);

  const picture = await app.inject({ method: 'GET', url: '/books/?category=picture%20book', headers: session.auth });
  assert.equal(picture.statusCode, 200);
});

test('GET /books/ refuses bad query strings with 400', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  for (const query of ['limit=0', 'limit=101', 'limit=abc', 'category=cooking', 'cursor=garbage', 'cursor=WyJ4IiwieSJd', 'sort=title', 'q=']) {
    const response = await app.inject({ method: 'GET', url: `/books/?${query}`, headers: session.auth });
    assert.equal(response.statusCode, 400, `${query} → ${response.body}`);
    assert.match(errorOf(response).code, /^(VALIDATION_FAILED|INVALID_CURSOR)$/);
  }
});

test('GET /books/categories is public and lists the tutorial’s categories without typos', async (t) => {
  const { app } = await buildTestApp(t);
  const response = await app.inject({ method: 'GET', url: '/books/categories' });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(json<{ data: string[] }>(response).data, ['romance', 'poetry', 'politics', 'picture book', 'science', 'fantasy', 'horror', 'thriller']);
});

test('PUT /books/:id changes fields by JSON, with 200, and keeps the others', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const book = await createBook(app, session, { title: 'Draft', category: 'romance', description: 'first' });
  clock.advance(5000);

  const response = await app.inject({ method: 'PUT', url: `/books/${book._id}`, headers: session.auth, payload: { title: 'Final', category: 'thriller' } });
  assert.equal(response.statusCode, 200, response.body);
  const updated = json<{ data: BookData }>(response).data;
  assert.equal(updated.title, 'Final');
  assert.equal(updated.category, 'thriller');
  assert.equal(updated.description, 'first');
  assert.equal(updated.image_url, book.image_url);
  assert.equal(updated.created_at, book.created_at);
  assert.notEqual(updated.updated_at, book.updated_at);
  const row = await database.db.selectFrom('books').selectAll().where('id', '=', book._id).executeTakeFirstOrThrow();
  assert.equal(row.title, 'Final');
});

test('PUT /books/:id by multipart changes fields and may replace the cover', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const book = await createBook(app, session);
  const response = await app.inject({
    method: 'PUT',
    url: `/books/${book._id}/`,
    ...withAuth(session, multipart({ description: 'new words', cover_image: { content: await jpeg({ width: 400, height: 300 }) } })),
  });
  assert.equal(response.statusCode, 200, response.body);
  const updated = json<{ data: BookData }>(response).data;
  assert.equal(updated.description, 'new words');
  assert.notEqual(updated.image_url, book.image_url);
  assert.notEqual(updated.images.display, book.images.display);
});

test('PUT /books/:id refuses an empty change, unknown or owned fields, a bad category, a taken title and text/plain', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  await createBook(app, session, { title: 'Taken' });
  const book = await createBook(app, session, { title: 'Mine' });
  const url = `/books/${book._id}`;

  const cases: [unknown, number][] = [
    [{}, 400],
    [{ user_id: 'x' }, 400],
    [{ image_url: 'http://evil.example/a.png' }, 400],
    [{ category: 'cooking' }, 400],
    [{ title: '' }, 400],
    [{ title: 'TAKEN' }, 409],
  ];
  for (const [payload, status] of cases) {
    const response = await app.inject({ method: 'PUT', url, headers: session.auth, payload: payload as object });
    assert.equal(response.statusCode, status, `${JSON.stringify(payload)} → ${response.body}`);
  }
  const emptyForm = await app.inject({ method: 'PUT', url, ...withAuth(session, multipart({})) });
  assert.equal(emptyForm.statusCode, 400);
  const text = await app.inject({ method: 'PUT', url, headers: { ...session.auth, 'content-type': 'text/plain' }, payload: 'title=x' });
  assert.equal(text.statusCode, 415);

  const row = await database.db.selectFrom('books').selectAll().where('id', '=', book._id).executeTakeFirstOrThrow();
  assert.equal(row.title, 'Mine');
  assert.equal(row.category, 'science');
});

test('DELETE /books/:id answers 204, and the book and its cover images are gone', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const book = await createBook(app, session);
  const response = await app.inject({ method: 'DELETE', url: `/books/${book._id}`, headers: session.auth });
  assert.equal(response.statusCode, 204);
  assert.equal(response.body, '');
  assert.equal(await countRows(database, 'books'), 0);
  assert.equal(await countRows(database, 'cover_images'), 0);
  const image = await app.inject({ method: 'GET', url: pathOf(book.image_url) });
  assert.equal(image.statusCode, 404);
  const again = await app.inject({ method: 'GET', url: `/books/${book._id}`, headers: session.auth });
  assert.equal(again.statusCode, 404);
});

test('every book route needs a valid token', async (t) => {
  const { app } = await buildTestApp(t);
  for (const [method, url] of [['GET', '/books/'], ['GET', '/books/x'], ['PUT', '/books/x'], ['DELETE', '/books/x'], ['POST', '/books/']] as const) {
    const response = await app.inject({ method, url });
    assert.equal(response.statusCode, 401, `${method} ${url}`);
    assert.equal(errorOf(response).code, 'UNAUTHENTICATED');
  }
});

test('title search follows renames and deletions, and treats quotes and operators literally', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const search = async (q: string) =>
    json<{ data: BookData[] }>(await app.inject({ method: 'GET', url: `/books/?q=${encodeURIComponent(q)}`, headers: session.auth })).data.map((book) => book.title);
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
