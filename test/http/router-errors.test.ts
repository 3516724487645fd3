import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, errorOf, signUp, type Response } from '../helpers/app.js';
import { listenOn, rawExchange, type RawAnswer } from '../helpers/raw-http.js';

/** The headers every answer carries, as the error handler sets them. */
function assertUsualHeaders(headers: Record<string, string | string[] | number | undefined>, requestId: string, label: string): void {
  assert.equal(headers['x-request-id'], requestId, `${label}: X-Request-Id is the body's request_id`);
  assert.equal(headers['cache-control'], 'no-store', label);
  assert.equal(headers['x-content-type-options'], 'nosniff', label);
  assert.equal(headers['referrer-policy'], 'no-referrer', label);
  assert.match(String(headers['content-type']), /^application\/json/, label);
}

function assertEnvelope(response: Response, status: number, code: string, label: string): void {
  assert.equal(response.statusCode, status, `${label}: ${response.statusCode} ${response.body}`);
  const error = errorOf(response);
  assert.deepEqual(Object.keys(error).sort(), ['code', 'data', 'error', 'message', 'request_id'], label);
  assert.equal(error.code, code, label);
  assertUsualHeaders(response.headers, error.request_id, label);
}

function assertRawEnvelope(answer: RawAnswer, status: number, code: string, label: string): void {
  assert.equal(answer.status, status, `${label}: ${answer.status} ${answer.body}`);
  const body = answer.json<{ code: string; request_id: string; data: null; message: string; error: string }>();
  assert.equal(body.code, code, label);
  assert.equal(body.data, null, label);
  assert.match(body.request_id, /^[0-9a-f-]{36}$/, label);
  assertUsualHeaders(answer.headers, body.request_id, label);
}

test('issue 9: GET /books/%zz (not valid percent-encoding) answers 400 BAD_REQUEST in the envelope, with the usual headers', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  assertEnvelope(await app.inject({ method: 'GET', url: '/books/%zz', headers: session.auth }), 400, 'BAD_REQUEST', '/books/%zz');
  assertEnvelope(await app.inject({ method: 'DELETE', url: '/users/sessions/%E0%A4%A' }), 400, 'BAD_REQUEST', 'a cut-off sequence');
  const traced = await app.inject({ method: 'GET', url: '/books/%zz', headers: { 'x-request-id': 'trace-42' } });
  assert.equal(errorOf(traced).request_id, 'trace-42', "a caller's sane X-Request-Id is kept here too");
});

test('issue 9: ids up to 200 characters reach the route (404 in the envelope); a longer path parameter is 414 URI_TOO_LONG', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const get = (url: string) => app.inject({ method: 'GET', url, headers: session.auth });
  assertEnvelope(await get(`/books/${'a'.repeat(101)}`), 404, 'BOOK_NOT_FOUND', 'a 101-character book id');
  assertEnvelope(await get(`/books/${'a'.repeat(200)}`), 404, 'BOOK_NOT_FOUND', 'a 200-character book id');
  assertEnvelope(
    await app.inject({ method: 'DELETE', url: `/users/sessions/${'s'.repeat(150)}`, headers: session.auth }),
    404,
    'SESSION_NOT_FOUND',
    'a 150-character session id',
  );
  assertEnvelope(await get(`/books/${'a'.repeat(201)}`), 414, 'URI_TOO_LONG', 'a 201-character book id');
  assertEnvelope(
    await app.inject({ method: 'GET', url: `/static/books/${'f'.repeat(300)}.webp` }),
    414,
    'URI_TOO_LONG',
    'a long cover file name',
  );
});

test('issue 9: headers over 16 KiB answer 431 HEADERS_TOO_LARGE and a request Node cannot parse 400 BAD_REQUEST, both in the envelope', async (t) => {
  const { app } = await buildTestApp(t);
  const port = await listenOn(app);
  const oversized = await rawExchange(port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'p'.repeat(20 * 1024)}\r\n\r\n`);
  assertRawEnvelope(oversized, 431, 'HEADERS_TOO_LARGE', 'oversized header');
  assert.equal(oversized.headers.connection, 'close');
  assertRawEnvelope(
    await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n'),
    400,
    'BAD_REQUEST',
    'a header line without a colon',
  );
  assertRawEnvelope(await rawExchange(port, 'NOT-A-METHOD / HTTP/1.1\r\n\r\n'), 400, 'BAD_REQUEST', 'an unknown method');
  // The listener still serves.
  assert.equal((await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')).status, 200);
});
