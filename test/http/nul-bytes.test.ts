import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, errorOf, multipart, signUp, withAuth, type Response } from '../helpers/app.js';
import { createBook } from '../helpers/books.js';
import { jpeg } from '../helpers/image-fixtures.js';

const NUL = '\u0000';

/** 400 VALIDATION_FAILED whose details name `field`, never a 500 from the database. */
function assertRefused(response: Response, field: string, label: string): void {
  assert.equal(response.statusCode, 400, `${label}: ${response.statusCode} ${response.body}`);
  const error = errorOf(response);
  assert.equal(error.code, 'VALIDATION_FAILED', label);
  assert.deepEqual(error.details, [{ field, message: 'must not contain a NUL character' }], label);
}

test('issue 9: a NUL in a query parameter or a path parameter is a 400 naming it, on every route', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const book = await createBook(app, session);
  const get = (url: string) => app.inject({ method: 'GET', url, headers: session.auth });

  assertRefused(await get('/books/?q=%00'), 'q', 'title search');
  assertRefused(await get(`/books/?q=ab%00cd&category=science`), 'q', 'title search with a NUL inside');
  assertRefused(await get('/books/?cursor=%00'), 'cursor', 'cursor');
  const forged = Buffer.from(JSON.stringify(['2030-01-01T00:00:00.000Z', `x${NUL}y`])).toString('base64url');
  const forgedCursor = await get(`/books/?cursor=${forged}`);
  assert.equal(forgedCursor.statusCode, 400, `a cursor that decodes to a NUL: ${forgedCursor.body}`);
  assert.equal(errorOf(forgedCursor).code, 'INVALID_CURSOR');
  assertRefused(await get('/books/%00'), 'id', 'book id');
  assertRefused(await get(`/books/${book._id}%00`), 'id', 'a real book id with a NUL after it');
  assertRefused(await app.inject({ method: 'DELETE', url: '/books/%00', headers: session.auth }), 'id', 'deleting by a NUL id');
  assertRefused(await app.inject({ method: 'DELETE', url: '/users/sessions/%00', headers: session.auth }), 'id', 'session id');
  assertRefused(
    await app.inject({ method: 'GET', url: '/static/books/%00.webp' }),
    'file',
    'cover file name, a route with no params schema',
  );
  assertRefused(await get('/users/activity?limit=10&extra=%00'), 'extra', 'a query parameter no schema knows');
});

test('issue 9: a NUL in any string of a JSON body is a 400 naming the field', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const book = await createBook(app, session);
  const send = (method: 'POST' | 'PUT', url: string, payload: object, auth = true) =>
    app.inject({ method, url, payload, ...(auth ? { headers: session.auth } : {}) });

  assertRefused(
    await send('POST', '/users/', { name: `Ada${NUL}Lovelace`, email: 'nul@example.com', password: 'Tr1cky-Lantern-42' }, false),
    'name',
    'register name',
  );
  assertRefused(
    await send('POST', '/users/login', { email: `ada${NUL}@example.com`, password: 'Tr1cky-Lantern-42' }, false),
    'email',
    'login email',
  );
  assertRefused(await send('POST', '/users/token/refresh', { refresh_token: `abc${NUL}` }, false), 'refresh_token', 'refresh token');
  assertRefused(await send('PUT', '/users/', { name: `Ada${NUL}` }), 'name', 'profile name');
  assertRefused(await send('PUT', `/books/${book._id}`, { title: `T${NUL}` }), 'title', 'book title');
  assertRefused(await send('PUT', `/books/${book._id}`, { description: `D${NUL}` }), 'description', 'book description');
  const both = await send('PUT', `/books/${book._id}`, { title: `T${NUL}`, description: `D${NUL}` });
  assert.deepEqual(
    errorOf(both).details?.map((issue) => issue.field),
    ['title', 'description'],
    'every field is named, in order',
  );

  const unchanged = await app.inject({ method: 'GET', url: `/books/${book._id}`, headers: session.auth });
  assert.equal(unchanged.json<{ data: { title: string } }>().data.title, book.title);
});

test('issue 9: a NUL in a multipart text field (title, description) is a 400 naming it, and no book is stored', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const cover = { filename: 'cover.jpg', contentType: 'image/jpeg', content: await jpeg() };
  for (const field of ['title', 'description']) {
    const form = { title: 'A title', category: 'science', description: 'A description', [field]: `bad${NUL}value`, cover_image: cover };
    assertRefused(await app.inject({ method: 'POST', url: '/books/', ...withAuth(session, multipart(form)) }), field, `create, ${field}`);
  }
  const book = await createBook(app, session);
  const update = await app.inject({ method: 'PUT', url: `/books/${book._id}`, ...withAuth(session, multipart({ title: `x${NUL}` })) });
  assertRefused(update, 'title', 'multipart update');
  const rows = await database.db.selectFrom('books').select('title').execute();
  assert.deepEqual(
    rows.map((row) => row.title),
    [book.title],
  );
});
