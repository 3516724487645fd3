/** The cover size limit, declared up front or crossed mid-stream, on POST and PUT. */
import assert from 'node:assert/strict';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { buildTestApp, multipart, signUp, withAuth } from '../helpers/app.js';
import { createBook, getBook, postBook, putForm } from '../helpers/books.js';
import { MiB, assertError, assertNothingStored, assertTwoCoverRowsPerBook, servedBytes } from '../helpers/covers.js';
import { jpeg } from '../helpers/image-fixtures.js';
import { MULTIPART_TYPE, filePart, rawPost, streamed, textPart } from '../helpers/raw-multipart.js';

test('a cover over 10 MiB declared by Content-Length gets 413 up front, on POST and PUT, storing nothing', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const oversized = Buffer.concat([await jpeg(), Buffer.alloc(11 * MiB - 9000, 0x42)]);
  assert.ok(oversized.length > 10 * MiB);

  const post = await postBook(app, session, { cover_image: { content: oversized } });
  assertError(post, 413, 'PAYLOAD_TOO_LARGE', 'POST');
  // The refusal closes the connection so the client cannot keep sending.
  assert.equal(post.headers.connection, 'close');
  await assertNothingStored(database, 'after the oversized POST');

  const book = await createBook(app, session);
  const before = await servedBytes(app, book);
  const put = await putForm(app, session, book._id, { title: 'Too Big', cover_image: { content: oversized } });
  assertError(put, 413, 'PAYLOAD_TOO_LARGE', 'PUT');
  assert.deepEqual(await getBook(app, session, book._id), book);
  assert.deepEqual(await servedBytes(app, book), before);
  await assertTwoCoverRowsPerBook(database, 'after the oversized PUT');
});

test('a cover crossing the configured limit mid-stream gets 413 and nothing is stored', async (t) => {
  const maxCoverBytes = 64 * 1024;
  const { app, database } = await buildTestApp(t, { config: { maxCoverBytes } });
  const session = await signUp(app);

  // A valid image of about 200 KB: only its size can be the reason for a refusal.
  const big = await jpeg({ width: 1200, height: 1200 });
  assert.ok(big.length > 150 * 1024 && big.length < 300 * 1024, `fixture is ${big.length} bytes`);
  const small = await jpeg();
  assert.ok(small.length < maxCoverBytes);

  const form = multipart({ title: 'Streamed', category: 'science', cover_image: { content: big } });
  const withLength = await app.inject({ method: 'POST', url: '/books/', ...withAuth(session, form) });
  assertError(withLength, 413, 'PAYLOAD_TOO_LARGE', 'with Content-Length');
  await assertNothingStored(database, 'after the buffered upload');

  // No Content-Length at all: nothing to refuse up front, so the limit has to bite while reading.
  const contentType = (form.headers as Record<string, string>)['content-type'] ?? '';
  const chunked = await rawPost(app, session, contentType, streamed(form.payload as Buffer));
  assertError(chunked, 413, 'PAYLOAD_TOO_LARGE', 'streamed');
  await assertNothingStored(database, 'after the streamed upload');

  // The same limit lets a small cover through, and a PUT over it changes nothing.
  const book = await createBook(app, session, { cover_image: { content: small } });
  const before = await servedBytes(app, book);
  const putBody = multipart({ title: 'Streamed Too Far', cover_image: { content: big } });
  const putStreamed = await app.inject({
    method: 'PUT',
    url: `/books/${book._id}`,
    headers: { ...session.auth, ...(putBody.headers as Record<string, string>) },
    payload: streamed(putBody.payload as Buffer),
  });
  assertError(putStreamed, 413, 'PAYLOAD_TOO_LARGE', 'PUT streamed');
  assert.deepEqual(await getBook(app, session, book._id), book);
  assert.deepEqual(await servedBytes(app, book), before);
  await assertTwoCoverRowsPerBook(database, 'after the streamed PUT');
});

test('with the default limit, an 11 MiB cover streamed without Content-Length gets 413', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const form = multipart({
    title: 'Eleven',
    category: 'science',
    cover_image: { content: Buffer.concat([await jpeg(), Buffer.alloc(11 * MiB, 0x42)]) },
  });
  const response = await rawPost(
    app,
    session,
    (form.headers as Record<string, string>)['content-type'] ?? '',
    streamed(form.payload as Buffer, 256 * 1024),
  );
  assertError(response, 413, 'PAYLOAD_TOO_LARGE', '11 MiB streamed');
  await assertNothingStored(database);
});

test('an upload declaring 11 MB is refused on a real socket after 64 KB, without the rest being sent', { timeout: 10_000 }, async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;

  const declared = 11 * MiB;
  const start = Buffer.concat([textPart('title', 'Over The Wire'), textPart('category', 'science'), filePart('cover_image', await jpeg())]);
  const firstChunk = Buffer.concat([start, Buffer.alloc(64 * 1024 - start.length, 0x42)]);
  assert.equal(firstChunk.length, 64 * 1024);

  const request = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/books/',
    agent: false,
    headers: { ...session.auth, 'content-type': MULTIPART_TYPE, 'content-length': String(declared) },
  });
  t.after(() => request.destroy());
  const socketClosed = new Promise<void>((resolve) => request.on('socket', (socket) => socket.on('close', () => resolve())));

  const answer = await new Promise<{ status: number; headers: IncomingHttpHeaders; body: string; requestEnded: boolean }>(
    (resolve, reject) => {
      let answered = false;
      request.on('response', (response) => {
        answered = true;
        const requestEnded = request.writableEnded;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            requestEnded,
          }),
        );
        response.on('error', reject);
      });
      // Once the answer is in, the server hanging up on the unfinished upload is expected.
      request.on('error', (error) => {
        if (!answered) reject(error);
      });
      request.write(firstChunk);
    },
  );

  assert.equal(answer.requestEnded, false, 'the answer came while the upload was still unfinished');
  assert.equal(answer.status, 413, answer.body);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  assert.equal(body.code, 'PAYLOAD_TOO_LARGE');
  assert.equal(body.data, null);
  assert.equal(body.request_id, answer.headers['x-request-id']);
  assert.equal(answer.headers.connection, 'close');
  // The server closes the connection rather than waiting for the other ~11 MB.
  await socketClosed;
  await assertNothingStored(database);
});
