import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { buildTestApp, errorOf, json, signUp } from '../helpers/app.js';
import { postBook } from '../helpers/books.js';

test('unknown routes get 404 and wrong methods 405 with Allow, both in the envelope', async (t) => {
  const { app } = await buildTestApp(t);
  const missing = await app.inject({ method: 'GET', url: '/nowhere' });
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(
    { ...errorOf(missing), request_id: 'x' },
    {
      message: 'Endpoint not found',
      data: null,
      error: 'Not Found',
      code: 'ROUTE_NOT_FOUND',
      request_id: 'x',
    },
  );

  const wrongMethod = await app.inject({ method: 'PATCH', url: '/books/123' });
  assert.equal(wrongMethod.statusCode, 405);
  assert.equal(errorOf(wrongMethod).code, 'METHOD_NOT_ALLOWED');
  assert.equal(errorOf(wrongMethod).error, 'Method Not Allowed');
  assert.deepEqual(wrongMethod.headers.allow?.toString().split(', ').sort(), ['DELETE', 'GET', 'HEAD', 'PUT']);

  const categories = await app.inject({ method: 'POST', url: '/books/categories' });
  assert.equal(categories.statusCode, 405);
});

test('a trailing slash is optional on every path', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  for (const url of ['/users', '/users/', '/books', '/books/', '/books/categories/']) {
    const response = await app.inject({ method: 'GET', url, headers: session.auth });
    assert.equal(response.statusCode, 200, url);
  }
});

test('every response carries a request id; a sane X-Request-Id is echoed, a hostile one replaced', async (t) => {
  const { app } = await buildTestApp(t);
  const given = await app.inject({ method: 'GET', url: '/users/', headers: { 'x-request-id': 'trace-abc-123' } });
  assert.equal(given.headers['x-request-id'], 'trace-abc-123');
  assert.equal(errorOf(given).request_id, 'trace-abc-123');

  const hostile = await app.inject({ method: 'GET', url: '/users/', headers: { 'x-request-id': 'bad id\u0000<script>' } });
  assert.notEqual(hostile.headers['x-request-id'], 'bad id\u0000<script>');
  assert.match(String(hostile.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  assert.equal(hostile.headers['x-content-type-options'], 'nosniff');
});

test('a 500 never exposes internal text: generic message, code INTERNAL, and the request id', async (t) => {
  const failing = { process: () => Promise.reject(new Error('libvips exploded at /srv/secret/path')) };
  const { app, database } = await buildTestApp(t, { deps: { images: failing } });
  const session = await signUp(app);
  const response = await postBook(app, session);
  assert.equal(response.statusCode, 500);
  const error = errorOf(response);
  assert.equal(error.code, 'INTERNAL');
  assert.equal(error.message, 'Something went wrong');
  assert.equal(error.error, 'Internal Server Error');
  assert.equal(error.request_id, response.headers['x-request-id']);
  assert.doesNotMatch(response.body, /libvips|secret|stack|\.ts/);
  const rows = await database.db.selectFrom('books').select('id').execute();
  assert.equal(rows.length, 0);
});

test('an AppError thrown by a dependency keeps its code and status', async (t) => {
  const refusing = { process: () => Promise.reject(new AppError('UNSUPPORTED_IMAGE_TYPE')) };
  const { app } = await buildTestApp(t, { deps: { images: refusing } });
  const response = await postBook(app, await signUp(app));
  assert.equal(response.statusCode, 415);
  assert.equal(errorOf(response).code, 'UNSUPPORTED_IMAGE_TYPE');
});

test('GET /openapi.json documents every route with an operationId; /docs serves Swagger UI', async (t) => {
  const { app } = await buildTestApp(t);
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(response.statusCode, 200);
  const document = json<{
    openapi: string;
    paths: Record<string, Record<string, { operationId?: string; requestBody?: { content: Record<string, unknown> } }>>;
  }>(response);
  assert.match(document.openapi, /^3\./);
  const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
  const ids = operations.map((operation) => operation.operationId).sort();
  for (const id of [
    'registerUser',
    'login',
    'getCurrentUser',
    'updateCurrentUser',
    'disableCurrentUser',
    'createBook',
    'listBooks',
    'listCategories',
    'getBook',
    'updateBook',
    'deleteBook',
    'getCoverImage',
    'refreshToken',
    'logout',
    'listSessions',
    'revokeSession',
    'revokeOtherSessions',
    'changePassword',
    'listActivity',
    'getJwks',
    'liveness',
    'readiness',
  ]) {
    assert.ok(ids.includes(id), `${id} in ${ids.join(',')}`);
  }
  const createBook = document.paths['/books/']?.post;
  assert.ok(createBook?.requestBody?.content['multipart/form-data'], 'multipart body documented');
  assert.doesNotMatch(response.body, /password_hash/);

  const docs = await app.inject({ method: 'GET', url: '/docs/' });
  assert.equal(docs.statusCode, 200);
  assert.match(String(docs.headers['content-type']), /text\/html/);
});

test('GET /healthz answers while alive and GET /readyz when the database answers', async (t) => {
  const { app } = await buildTestApp(t);
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(json(ready), { status: 'ready' });
});

test('docs/api.md documents every error code of the catalog', async () => {
  const { readFile } = await import('node:fs/promises');
  const { ERRORS } = await import('../../src/errors.js');
  const doc = await readFile(new URL('../../docs/api.md', import.meta.url), 'utf8');
  for (const [code, { status }] of Object.entries(ERRORS)) {
    assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${status} \\|`), code);
  }
});
