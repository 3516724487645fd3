/**
 * The contract: every operation of the served OpenAPI document is called on the real app, and every
 * answer is checked against the document (status documented, body valid for that status and content
 * type, documented headers present). A status the document does not list fails here.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildTestApp, errorOf, multipart, newUser, testDatabase, withAuth, type Response } from '../helpers/app.js';
import { pathOf } from '../helpers/books.js';
import { failingDatabase } from '../helpers/failing-database.js';
import { bearer, WRONG_PASSWORD } from '../helpers/identity.js';
import { jpeg } from '../helpers/image-fixtures.js';
import { contractChecker, type OpenApiDocument } from '../helpers/openapi-contract.js';

/** Operations that nothing a client sends can make fail: the document lists only 500 for them. */
const NO_CLIENT_ERRORS = ['liveness', 'listCategories'];

const OVERSIZED = `{"name":"${'x'.repeat(70 * 1024)}"}`;
const jsonHeaders = { 'content-type': 'application/json' };

async function documentOf(app: FastifyInstance): Promise<OpenApiDocument> {
  return (await app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApiDocument>();
}

/** Calls the app, checks the answer against the document, and remembers which statuses each operation gave. */
function contractCaller(app: FastifyInstance, document: OpenApiDocument) {
  const checker = contractChecker(document);
  const answered = new Map<string, number[]>();
  const call = async (operationId: string, options: InjectOptions, expected: number): Promise<Response> => {
    const response = await app.inject(options);
    assert.equal(response.statusCode, expected, `${operationId}: ${response.body.slice(0, 300)}`);
    assert.deepEqual(checker.problems(operationId, response), []);
    answered.set(operationId, [...(answered.get(operationId) ?? []), response.statusCode]);
    return response;
  };
  return { call, answered, checker };
}

const dataOf = <T>(response: Response) => response.json<{ data: T }>().data;

test('every operation of the document answers as the document says, on success and on error', async (t) => {
  const { database, outage } = failingDatabase(await testDatabase(t));
  const { app } = await buildTestApp(t, { database });
  const document = await documentOf(app);
  const { call, answered, checker } = contractCaller(app, document);

  await call('liveness', { method: 'GET', url: '/healthz' }, 200);
  await call('readiness', { method: 'GET', url: '/readyz' }, 200);
  await call('listCategories', { method: 'GET', url: '/books/categories' }, 200);
  await call('getJwks', { method: 'GET', url: '/.well-known/jwks.json' }, 200);
  outage.down = true;
  await call('readiness', { method: 'GET', url: '/readyz' }, 503);
  await call('getJwks', { method: 'GET', url: '/.well-known/jwks.json' }, 503);
  outage.down = false;

  // The account.
  const user = newUser();
  await call('registerUser', { method: 'POST', url: '/users/', payload: user }, 201);
  await call('registerUser', { method: 'POST', url: '/users/', payload: user }, 409);
  await call('registerUser', { method: 'POST', url: '/users/', payload: { ...newUser(), password: 'short' } }, 400);
  const credentials = { email: user.email, password: user.password };
  const login = async (password = user.password) => {
    const response = await call('login', { method: 'POST', url: '/users/login', payload: { ...credentials, password } }, 200);
    const { token, refresh_token: refreshToken } = dataOf<{ token: string; refresh_token: string }>(response);
    return { auth: bearer(token), refreshToken };
  };
  const { auth, refreshToken } = await login();
  await call('login', { method: 'POST', url: '/users/login', payload: { ...credentials, password: WRONG_PASSWORD } }, 401);
  await call('getCurrentUser', { method: 'GET', url: '/users/', headers: auth }, 200);
  await call('getCurrentUser', { method: 'GET', url: '/users/' }, 401);
  await call('updateCurrentUser', { method: 'PUT', url: '/users/', headers: auth, payload: { name: 'Ada King' } }, 200);
  await call('updateCurrentUser', { method: 'PUT', url: '/users/', headers: { ...auth, ...jsonHeaders }, payload: OVERSIZED }, 413);
  await call('updateCurrentUser', { method: 'PUT', url: '/users/', headers: { ...auth, ...jsonHeaders }, payload: '{"name":' }, 400);

  // Sessions and tokens.
  await login();
  const sessions = dataOf<{ _id: string; current: boolean }[]>(
    await call('listSessions', { method: 'GET', url: '/users/sessions', headers: auth }, 200),
  );
  await call('listSessions', { method: 'GET', url: '/users/sessions', headers: bearer('not.a.token') }, 401);
  await call('refreshToken', { method: 'POST', url: '/users/token/refresh', payload: { refresh_token: refreshToken } }, 200);
  await call('refreshToken', { method: 'POST', url: '/users/token/refresh', payload: { refresh_token: 'not-a-refresh-token' } }, 401);
  await call('refreshToken', { method: 'POST', url: '/users/token/refresh', headers: jsonHeaders, payload: OVERSIZED }, 413);
  const otherId = sessions.find((session) => !session.current)?._id;
  assert.ok(otherId);
  await call('revokeSession', { method: 'DELETE', url: `/users/sessions/${otherId}`, headers: auth }, 204);
  await call('revokeSession', { method: 'DELETE', url: `/users/sessions/${otherId}`, headers: auth }, 404);
  await login();
  await call('revokeOtherSessions', { method: 'DELETE', url: '/users/sessions', headers: auth }, 204);
  await call('revokeOtherSessions', { method: 'DELETE', url: '/users/sessions' }, 401);
  await call('listActivity', { method: 'GET', url: '/users/activity', headers: auth }, 200);
  await call('listActivity', { method: 'GET', url: '/users/activity?limit=0', headers: auth }, 400);

  // Books and covers.
  const cover = { filename: 'cover.jpg', contentType: 'image/jpeg', content: await jpeg() };
  const session = { auth, token: '', password: user.password, user: { _id: '', email: user.email, name: user.name } };
  const form = (fields: Record<string, unknown>) => ({
    method: 'POST' as const,
    url: '/books/',
    ...withAuth(session, multipart(fields as never)),
  });
  const book = dataOf<{ _id: string; image_url: string }>(
    await call('createBook', form({ title: 'Engines', category: 'science', cover_image: cover }), 201),
  );
  await call('createBook', form({ title: 'No cover', category: 'science' }), 400);
  await call('createBook', { method: 'POST', url: '/books/', headers: auth, payload: { title: 'JSON', category: 'science' } }, 415);
  await call('createBook', form({ title: 'Second', category: 'poetry', cover_image: cover }), 201);
  await call('listBooks', { method: 'GET', url: '/books/', headers: auth }, 200);
  await call('listBooks', { method: 'GET', url: '/books/?cursor=garbage', headers: auth }, 400);
  await call('getBook', { method: 'GET', url: `/books/${book._id}`, headers: auth }, 200);
  await call('getBook', { method: 'GET', url: `/books/${randomUUID()}`, headers: auth }, 404);
  await call('updateBook', { method: 'PUT', url: `/books/${book._id}`, headers: auth, payload: { description: 'On Babbage' } }, 200);
  await call('updateBook', { method: 'PUT', url: `/books/${book._id}`, headers: auth, payload: { title: 'second' } }, 409);
  await call('updateBook', { method: 'PUT', url: `/books/${book._id}`, headers: auth }, 400);
  await call('getCoverImage', { method: 'GET', url: pathOf(book.image_url) }, 200);
  await call('getCoverImage', { method: 'GET', url: '/static/books/no-such-cover.webp' }, 404);
  await call('deleteBook', { method: 'DELETE', url: `/books/${book._id}`, headers: auth }, 204);
  await call('deleteBook', { method: 'DELETE', url: `/books/${book._id}`, headers: auth }, 404);

  // The password, the logout, and last the account itself.
  const change = (current: string, payload?: string) => ({
    method: 'PUT' as const,
    url: '/users/password',
    headers: { ...auth, ...jsonHeaders },
    payload: payload ?? JSON.stringify({ current_password: current, new_password: 'Quiet-Harbour-73' }),
  });
  await call('changePassword', change(WRONG_PASSWORD), 400);
  await call('changePassword', change(user.password, OVERSIZED), 413);
  await call('changePassword', change(user.password), 200);
  await call('logout', { method: 'POST', url: '/users/logout', headers: auth }, 204);
  await call('logout', { method: 'POST', url: '/users/logout', headers: auth }, 401);
  const last = await login('Quiet-Harbour-73');
  await call('disableCurrentUser', { method: 'DELETE', url: '/users/', headers: last.auth }, 204);
  await call('disableCurrentUser', { method: 'DELETE', url: '/users/', headers: last.auth }, 401);

  assert.deepEqual([...answered.keys()].sort(), [...checker.operationIds].sort(), 'every operation of the document was called');
  for (const [operationId, statuses] of answered) {
    assert.ok(
      statuses.some((status) => status < 300),
      `${operationId} succeeded`,
    );
    if (!NO_CLIENT_ERRORS.includes(operationId))
      assert.ok(
        statuses.some((status) => status >= 400),
        `${operationId} failed once`,
      );
  }
  for (const operationId of NO_CLIENT_ERRORS) {
    const operation = Object.values(document.paths)
      .flatMap((methods) => Object.values(methods))
      .find((o) => o.operationId === operationId);
    assert.deepEqual(
      Object.keys(operation?.responses ?? {}).filter((status) => Number(status) >= 400),
      ['500'],
      operationId,
    );
  }
});

/** An answer as app.inject gives it, made up, to prove what the checker refuses. */
function madeUp(statusCode: number, headers: Record<string, string>, body: string): Response {
  return { statusCode, headers, body, rawPayload: Buffer.from(body) } as unknown as Response;
}

test('the contract checker refuses an undocumented status, a body off its schema, a missing header, another content type', async (t) => {
  const { app } = await buildTestApp(t);
  const checker = contractChecker(await documentOf(app));
  const json = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r1' };
  const envelope = JSON.stringify({ message: 'm', data: null, error: 'Not Found', code: 'BOOK_NOT_FOUND', request_id: 'r1' });
  assert.deepEqual(checker.problems('getBook', madeUp(404, json, envelope)), []);
  const refusals: [string, Response][] = [
    ['is not documented', madeUp(418, json, envelope)],
    ['does not match the schema', madeUp(404, json, envelope.replace('BOOK_NOT_FOUND', 'EMAIL_TAKEN'))],
    ['does not match the schema', madeUp(404, json, JSON.stringify({ message: 'm' }))],
    ['X-Request-Id is documented as always sent', madeUp(404, { 'content-type': 'application/json' }, envelope)],
    ['content type text/html', madeUp(404, { ...json, 'content-type': 'text/html' }, envelope)],
    ['Retry-After', madeUp(503, json, envelope.replace('BOOK_NOT_FOUND', 'DATABASE_UNAVAILABLE'))],
  ];
  for (const [expected, response] of refusals) {
    const problems = checker.problems('getBook', response);
    assert.ok(
      problems.some((problem) => problem.includes(expected)),
      `${expected}: ${problems.join('; ')}`,
    );
  }
  assert.deepEqual(checker.problems('noSuchOperation', madeUp(200, json, '{}')), ['noSuchOperation is not an operation of the document']);
});

// Regression: with no Content-Type and no body, PUT /books/:id skipped its JSON schema and answered 500.
test('PUT /books/:id with no body is a 400 VALIDATION_FAILED, not a 500', async (t) => {
  const { app } = await buildTestApp(t);
  const user = newUser();
  await app.inject({ method: 'POST', url: '/users/', payload: user });
  const token = dataOf<{ token: string }>(
    await app.inject({ method: 'POST', url: '/users/login', payload: { email: user.email, password: user.password } }),
  ).token;
  const response = await app.inject({ method: 'PUT', url: `/books/${randomUUID()}`, headers: bearer(token) });
  assert.equal(response.statusCode, 400, response.body);
  assert.equal(errorOf(response).code, 'VALIDATION_FAILED');
});
