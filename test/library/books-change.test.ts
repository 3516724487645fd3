import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, json, multipart, signUp, withAuth } from '../helpers/app.js';
import { createBook, getImage, type BookData } from '../helpers/books.js';
import { countRows } from '../helpers/database.js';
import { jpeg } from '../helpers/image-fixtures.js';

test('PUT /books/:id changes fields by JSON, with 200, and keeps the others', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const session = await signUp(app);
  const book = await createBook(app, session, { title: 'Draft', category: 'romance', description: 'first' });
  clock.advance(5000);

  const response = await app.inject({
    method: 'PUT',
    url: `/books/${book._id}`,
    headers: session.auth,
    payload: { title: 'Final', category: 'thriller' },
  });
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
  const image = await getImage(app, book.image_url);
  assert.equal(image.statusCode, 404);
  const again = await app.inject({ method: 'GET', url: `/books/${book._id}`, headers: session.auth });
  assert.equal(again.statusCode, 404);
});
