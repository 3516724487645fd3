import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, errorOf, json, multipart, signUp, withAuth } from '../helpers/app.js';
import { createBook, postBook, type BookData } from '../helpers/books.js';
import { countRows } from '../helpers/database.js';
import { jpeg } from '../helpers/image-fixtures.js';

test('POST /books/ creates a book with its cover in one go (the tutorial could never create one)', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const response = await postBook(app, session, { title: 'Dune', category: 'fantasy', description: 'Spice' });

  assert.equal(response.statusCode, 201, response.body);
  const book = json<{ data: BookData }>(response).data;
  assert.deepEqual(Object.keys(book).sort(), [
    '_id',
    'category',
    'created_at',
    'description',
    'image_url',
    'images',
    'title',
    'updated_at',
    'user_id',
  ]);
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
    assert.ok(
      error.details?.some((detail) => detail.field === field),
      JSON.stringify(error.details),
    );
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
  const response = await app.inject({
    method: 'POST',
    url: '/books/',
    ...multipart({ title: 'T', category: 'poetry', cover_image: { content: await jpeg() } }),
  });
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
