/** Multipart bodies a hostile or broken client could send: a 4xx, never a 500, and nothing stored. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, signUp } from '../helpers/app.js';
import { createBook, getBook } from '../helpers/books.js';
import { assertClientError, assertError, assertNothingStored, assertTwoCoverRowsPerBook, servedBytes } from '../helpers/covers.js';
import { jpeg, png } from '../helpers/image-fixtures.js';
import { BOUNDARY, CLOSING, MULTIPART_TYPE, filePart, rawPost, textPart } from '../helpers/raw-multipart.js';

/** Deterministic binary junk (no CR/LF pairs or boundary by construction of the pattern). */
function junk(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff));
}

interface MultipartCase {
  name: string;
  contentType: string;
  body: () => Promise<Buffer>;
}

async function validParts(): Promise<Buffer> {
  return Buffer.concat([textPart('title', 'Edge Case'), textPart('category', 'science'), filePart('cover_image', await jpeg())]);
}

async function twoCovers(): Promise<Buffer> {
  return Buffer.concat([await validParts(), filePart('cover_image', await png(), 'second.png', 'image/png'), CLOSING]);
}

const MULTIPART_CASES: MultipartCase[] = [
  { name: 'two cover_image files', contentType: MULTIPART_TYPE, body: twoCovers },
  {
    name: 'more files than allowed',
    contentType: MULTIPART_TYPE,
    body: async () =>
      Buffer.concat([await validParts(), filePart('cover_image', await jpeg()), filePart('cover_image', await jpeg()), CLOSING]),
  },
  {
    name: 'a file in a field other than cover_image',
    contentType: MULTIPART_TYPE,
    body: async () => Buffer.concat([await validParts(), filePart('title', await jpeg()), CLOSING]),
  },
  {
    name: 'garbage right after the opening boundary',
    contentType: MULTIPART_TYPE,
    body: () => Promise.resolve(Buffer.concat([Buffer.from(`--${BOUNDARY}\r\n`), junk(512)])),
  },
  {
    name: 'garbage after the last part instead of a closing boundary',
    contentType: MULTIPART_TYPE,
    body: async () => Buffer.concat([await validParts(), Buffer.from(`--${BOUNDARY}\r\n`), junk(512)]),
  },
  { name: 'a missing closing boundary', contentType: MULTIPART_TYPE, body: validParts },
  {
    name: 'a body cut off in the middle of the file',
    contentType: MULTIPART_TYPE,
    body: async () => (await validParts()).subarray(0, 1500),
  },
  {
    name: 'a body that never uses the declared boundary',
    contentType: 'multipart/form-data; boundary=something-else',
    body: async () => Buffer.concat([await validParts(), CLOSING]),
  },
  {
    name: 'no boundary in the content type',
    contentType: 'multipart/form-data',
    body: async () => Buffer.concat([await validParts(), CLOSING]),
  },
  {
    name: 'an empty boundary in the content type',
    contentType: 'multipart/form-data; boundary=',
    body: async () => Buffer.concat([await validParts(), CLOSING]),
  },
  {
    name: 'more fields than allowed',
    contentType: MULTIPART_TYPE,
    body: async () => Buffer.concat([...Array.from({ length: 12 }, (_, i) => textPart(`extra_${i}`, 'x')), await validParts(), CLOSING]),
  },
  {
    name: 'a field over 32 KiB',
    contentType: MULTIPART_TYPE,
    body: async () => Buffer.concat([textPart('description', 'd'.repeat(33 * 1024)), await validParts(), CLOSING]),
  },
  {
    name: 'a field name over the allowed length',
    contentType: MULTIPART_TYPE,
    body: async () => Buffer.concat([textPart('n'.repeat(300), 'x'), await validParts(), CLOSING]),
  },
  {
    name: 'a __proto__ field',
    contentType: MULTIPART_TYPE,
    body: async () => Buffer.concat([textPart('__proto__', 'x'), await validParts(), CLOSING]),
  },
];

test('POST /books/ answers malformed or over-limit multipart bodies with a 4xx, never a 500, storing nothing', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  for (const multipartCase of MULTIPART_CASES) {
    await t.test(multipartCase.name, async () => {
      const response = await rawPost(app, session, multipartCase.contentType, await multipartCase.body());
      assertClientError(response, multipartCase.name);
      await assertNothingStored(database, `after ${multipartCase.name}`);
    });
  }
  // Specific answers where the right one is clear.
  await t.test('answers by case', async () => {
    const two = await rawPost(app, session, MULTIPART_TYPE, await twoCovers());
    assertError(two, 400, 'VALIDATION_FAILED', 'two cover_image files');
    assert.ok(two.json<{ details?: { field: string }[] }>().details?.some((detail) => detail.field === 'cover_image'));
    const noBoundary = await rawPost(app, session, 'multipart/form-data', Buffer.concat([await validParts(), CLOSING]));
    assertError(noBoundary, 400, 'MALFORMED_MULTIPART', 'no boundary');
    const unclosed = await rawPost(app, session, MULTIPART_TYPE, await validParts());
    assertError(unclosed, 400, 'MALFORMED_MULTIPART', 'missing closing boundary');
  });
  // None of it left the app unable to take a good upload.
  const good = await rawPost(app, session, MULTIPART_TYPE, Buffer.concat([await validParts(), CLOSING]));
  assert.equal(good.statusCode, 201, good.body);
  await assertTwoCoverRowsPerBook(database, 'after the good upload');
});

test('PUT /books/:id answers malformed or over-limit multipart bodies with a 4xx and leaves the book as it was', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const book = await createBook(app, session, { title: 'Steady' });
  const before = await servedBytes(app, book);
  for (const multipartCase of MULTIPART_CASES) {
    await t.test(multipartCase.name, async () => {
      const response = await app.inject({
        method: 'PUT',
        url: `/books/${book._id}`,
        headers: { ...session.auth, 'content-type': multipartCase.contentType },
        payload: await multipartCase.body(),
      });
      assertClientError(response, multipartCase.name);
      assert.deepEqual(await getBook(app, session, book._id), book);
      assert.deepEqual(await servedBytes(app, book), before);
      await assertTwoCoverRowsPerBook(database, `after ${multipartCase.name}`);
    });
  }
});
