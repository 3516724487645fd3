import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERRORS, GENERIC_CLIENT_CODES, reasonPhrase, type ErrorCode } from '../../src/errors.js';
import type { ImageProcessor } from '../../src/lib/images.js';
import { buildTestApp, errorOf, signUp, type Response } from '../helpers/app.js';
import { postBook } from '../helpers/books.js';

/** An image processor failing the way a third-party library may: a plain Error carrying an HTTP status. */
function failingWith(fields: { statusCode?: number; status?: number; code?: string }): ImageProcessor {
  return { process: () => Promise.reject(Object.assign(new Error('internal text from a plugin'), fields)) };
}

/** POSTs a book through the real app, whose image processor fails as given. */
async function answerTo(t: Parameters<typeof buildTestApp>[0], images: ImageProcessor): Promise<Response> {
  const { app } = await buildTestApp(t, { deps: { images } });
  return postBook(app, await signUp(app));
}

function assertAnswer(response: Response, status: number, code: string): void {
  assert.equal(response.statusCode, status, response.body);
  const error = errorOf(response);
  assert.equal(error.code, code);
  assert.equal(error.error, reasonPhrase(status));
  assert.equal(error.request_id, response.headers['x-request-id']);
  assert.doesNotMatch(response.body, /internal text from a plugin/);
}

test('each generic client code has the status it stands for, and every code is UPPER_SNAKE', () => {
  for (const [status, code] of Object.entries(GENERIC_CLIENT_CODES)) {
    assert.ok(code, status);
    assert.equal(ERRORS[code].status, Number(status), `${code} is the generic code of ${status}`);
  }
  for (const code of Object.keys(ERRORS) as ErrorCode[]) assert.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
});

test('a 409 from a plugin that is not an AppError answers 409 CONFLICT, never EMAIL_TAKEN or TITLE_TAKEN', async (t) => {
  assertAnswer(await answerTo(t, failingWith({ statusCode: 409 })), 409, 'CONFLICT');
});

test('a 415 from a plugin answers the generic UNSUPPORTED_MEDIA_TYPE, never UNSUPPORTED_IMAGE_TYPE', async (t) => {
  assertAnswer(await answerTo(t, failingWith({ statusCode: 415 })), 415, 'UNSUPPORTED_MEDIA_TYPE');
});

test('a 4xx with a generic code of its own keeps its status: 422 UNPROCESSABLE, 400 BAD_REQUEST, 401 UNAUTHENTICATED', async (t) => {
  assertAnswer(await answerTo(t, failingWith({ statusCode: 422 })), 422, 'UNPROCESSABLE');
  assertAnswer(await answerTo(t, failingWith({ statusCode: 400 })), 400, 'BAD_REQUEST');
  assertAnswer(await answerTo(t, failingWith({ statusCode: 401 })), 401, 'UNAUTHENTICATED');
});

test('an uncatalogued 4xx (418, 499) keeps its status, with code CLIENT_ERROR', async (t) => {
  assertAnswer(await answerTo(t, failingWith({ statusCode: 418 })), 418, 'CLIENT_ERROR');
  const unnamed = await answerTo(t, failingWith({ statusCode: 499 }));
  assertAnswer(unnamed, 499, 'CLIENT_ERROR');
  assert.equal(errorOf(unnamed).error, 'Error', 'a status with no reason phrase');
});

test('a status given as `status` (http-errors style) counts like statusCode, as it does for Fastify', async (t) => {
  assertAnswer(await answerTo(t, failingWith({ status: 409 })), 409, 'CONFLICT');
});

test('an unknown FST_ code is read by its status, and a code named like an Object method is no mapping', async (t) => {
  assertAnswer(await answerTo(t, failingWith({ statusCode: 409, code: 'FST_SOMETHING_NEW' })), 409, 'CONFLICT');
  assertAnswer(await answerTo(t, failingWith({ statusCode: 409, code: 'constructor' })), 409, 'CONFLICT');
});

test('a documented framework code keeps its specific answer whatever its status says', async (t) => {
  // @fastify/multipart says 406 for these; the catalog has a truer answer.
  assertAnswer(await answerTo(t, failingWith({ statusCode: 406, code: 'FST_INVALID_JSON_FIELD_ERROR' })), 400, 'MALFORMED_MULTIPART');
  assertAnswer(
    await answerTo(t, failingWith({ statusCode: 406, code: 'FST_INVALID_MULTIPART_CONTENT_TYPE' })),
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  );
  assertAnswer(await answerTo(t, failingWith({ statusCode: 413, code: 'FST_REQ_FILE_TOO_LARGE' })), 413, 'PAYLOAD_TOO_LARGE');
});

test('a 5xx or a status-less error from a plugin is still a 500 INTERNAL', async (t) => {
  assertAnswer(await answerTo(t, failingWith({ statusCode: 503 })), 500, 'INTERNAL');
  assertAnswer(await answerTo(t, failingWith({ statusCode: 302 })), 500, 'INTERNAL');
  assertAnswer(await answerTo(t, failingWith({})), 500, 'INTERNAL');
});

test('real framework errors: a multipart part declared JSON that is not, a content type no route takes', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const boundary = 'bindery-errors-test';
  const part = (headers: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; ${headers}\r\n\r\n${value}\r\n`;
  const body = [
    part('name="title"\r\nContent-Type: application/json', '{not json'),
    part('name="category"', 'science'),
    `--${boundary}--\r\n`,
  ].join('');
  const badJsonPart = await app.inject({
    method: 'POST',
    url: '/books/',
    headers: { ...session.auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: body,
  });
  assert.equal(badJsonPart.statusCode, 400, badJsonPart.body);
  assert.equal(errorOf(badJsonPart).code, 'MALFORMED_MULTIPART');

  const xml = await app.inject({ method: 'POST', url: '/users/', headers: { 'content-type': 'application/xml' }, payload: '<user/>' });
  assert.equal(xml.statusCode, 415);
  assert.equal(errorOf(xml).code, 'UNSUPPORTED_MEDIA_TYPE');
});
