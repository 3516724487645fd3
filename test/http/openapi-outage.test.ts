import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { buildTestApp, errorOf, multipart, signUp, testDatabase, withAuth } from '../helpers/app.js';
import { createBook, pathOf } from '../helpers/books.js';
import { failingDatabase } from '../helpers/failing-database.js';
import { jpeg } from '../helpers/image-fixtures.js';
import { contractChecker, type OpenApiDocument } from '../helpers/openapi-contract.js';

type Responses = Record<string, { description?: string }>;

/**
 * On SQLite the principal cache checks a bearer token from memory (src/modules/identity/principal-cache.ts),
 * and GET /users/ needs nothing more: it can still answer, though a cold cache would meet the outage.
 */
const ANSWERED_FROM_MEMORY_ON_SQLITE = new Set(['getCurrentUser']);

/** Whether the document lists DATABASE_UNAVAILABLE among the 503 codes of an operation. */
function documentsOutage(document: OpenApiDocument, operationId: string): boolean {
  const operation = Object.values(document.paths)
    .flatMap((methods) => Object.values(methods))
    .find((candidate) => candidate.operationId === operationId);
  return (operation?.responses as Responses | undefined)?.['503']?.description?.includes('`DATABASE_UNAVAILABLE`') ?? false;
}

// The 503 of the document is derived from each route's shape (plugins/openapi-responses.ts): this proves
// the derivation both ways, on every operation, against a database that refuses every query.
test('in a database outage, an operation answers 503 DATABASE_UNAVAILABLE wherever its document says it can, and nowhere else', async (t) => {
  const { database, outage } = failingDatabase(await testDatabase(t));
  const { app } = await buildTestApp(t, { database });
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApiDocument>();
  const checker = contractChecker(document);

  const session = await signUp(app);
  const book = await createBook(app, session);
  const login = await app.inject({
    method: 'POST',
    url: '/users/login',
    payload: { email: session.user.email, password: session.password },
  });
  const refreshToken = login.json<{ data: { refresh_token: string } }>().data.refresh_token;
  const sessions = await app.inject({ method: 'GET', url: '/users/sessions', headers: session.auth });
  const otherSession = sessions.json<{ data: { _id: string; current: boolean }[] }>().data.find((row) => !row.current)?._id;
  const cover = { filename: 'cover.jpg', contentType: 'image/jpeg', content: await jpeg() };
  const { auth } = session;
  const change = { current_password: session.password, new_password: 'Quiet-Harbour-73' };

  const requests: Record<string, InjectOptions> = {
    liveness: { method: 'GET', url: '/healthz' },
    readiness: { method: 'GET', url: '/readyz' },
    listCategories: { method: 'GET', url: '/books/categories' },
    getJwks: { method: 'GET', url: '/.well-known/jwks.json' },
    registerUser: {
      method: 'POST',
      url: '/users/',
      payload: { name: 'Grace Hopper', email: 'grace@example.com', password: 'Tr1cky-Lantern-42' },
    },
    login: { method: 'POST', url: '/users/login', payload: { email: session.user.email, password: session.password } },
    getCurrentUser: { method: 'GET', url: '/users/', headers: auth },
    updateCurrentUser: { method: 'PUT', url: '/users/', headers: auth, payload: { name: 'Ada King' } },
    disableCurrentUser: { method: 'DELETE', url: '/users/', headers: auth },
    changePassword: { method: 'PUT', url: '/users/password', headers: auth, payload: change },
    refreshToken: { method: 'POST', url: '/users/token/refresh', payload: { refresh_token: refreshToken } },
    logout: { method: 'POST', url: '/users/logout', headers: auth },
    listSessions: { method: 'GET', url: '/users/sessions', headers: auth },
    revokeSession: { method: 'DELETE', url: `/users/sessions/${otherSession}`, headers: auth },
    revokeOtherSessions: { method: 'DELETE', url: '/users/sessions', headers: auth },
    listActivity: { method: 'GET', url: '/users/activity', headers: auth },
    createBook: {
      method: 'POST',
      url: '/books/',
      ...withAuth(session, multipart({ title: 'Outage', category: 'science', cover_image: cover })),
    },
    listBooks: { method: 'GET', url: '/books/', headers: auth },
    getBook: { method: 'GET', url: `/books/${book._id}`, headers: auth },
    updateBook: { method: 'PUT', url: `/books/${book._id}`, headers: auth, payload: { description: 'Changed' } },
    deleteBook: { method: 'DELETE', url: `/books/${book._id}`, headers: auth },
    getCoverImage: { method: 'GET', url: pathOf(book.image_url) },
  };
  assert.deepEqual(Object.keys(requests).sort(), [...checker.operationIds].sort(), 'one request per operation of the document');

  outage.down = true;
  t.after(() => {
    outage.down = false;
  });
  for (const [operationId, options] of Object.entries(requests)) {
    const response = await app.inject(options);
    assert.deepEqual(checker.problems(operationId, response), []);
    if (documentsOutage(document, operationId)) {
      const fromMemory = database.dialect === 'sqlite' && ANSWERED_FROM_MEMORY_ON_SQLITE.has(operationId);
      assert.equal(response.statusCode, fromMemory ? 200 : 503, `${operationId}: ${response.body}`);
      if (!fromMemory) assert.equal(errorOf(response).code, 'DATABASE_UNAVAILABLE', operationId);
    } else {
      assert.ok(response.statusCode < 300, `${operationId} needs no database: ${response.statusCode} ${response.body}`);
    }
  }
});
