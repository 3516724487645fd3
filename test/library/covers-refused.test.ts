/** Files that are not safe covers: refused in the envelope, and a refusal stores or changes nothing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, signUp } from '../helpers/app.js';
import { createBook, getBook, postBook, putForm } from '../helpers/books.js';
import { assertError, assertNothingStored, assertTwoCoverRowsPerBook, coverRowsByBook, servedBytes } from '../helpers/covers.js';
import { avif, corruptJpeg, pdf, pixelBombPng, svg, textNamedJpg, tiff, truncatedJpeg, truncatedPng } from '../helpers/image-fixtures.js';

interface RefusedCase {
  name: string;
  make: () => Buffer | Promise<Buffer>;
  filename: string;
  type: string;
  status: 400 | 415;
  code: 'UNSUPPORTED_IMAGE_TYPE' | 'INVALID_IMAGE' | 'IMAGE_TOO_MANY_PIXELS';
}

const REFUSED: RefusedCase[] = [
  {
    name: 'SVG named cover.jpg sent as image/jpeg',
    make: svg,
    filename: 'cover.jpg',
    type: 'image/jpeg',
    status: 415,
    code: 'UNSUPPORTED_IMAGE_TYPE',
  },
  { name: 'SVG sent as itself', make: svg, filename: 'cover.svg', type: 'image/svg+xml', status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
  { name: 'PDF', make: pdf, filename: 'cover.pdf', type: 'application/pdf', status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
  {
    name: 'PDF named cover.jpg sent as image/jpeg',
    make: pdf,
    filename: 'cover.jpg',
    type: 'image/jpeg',
    status: 415,
    code: 'UNSUPPORTED_IMAGE_TYPE',
  },
  {
    name: 'text named cover.jpg sent as image/jpeg',
    make: textNamedJpg,
    filename: 'cover.jpg',
    type: 'image/jpeg',
    status: 415,
    code: 'UNSUPPORTED_IMAGE_TYPE',
  },
  { name: 'truncated JPEG', make: truncatedJpeg, filename: 'cover.jpg', type: 'image/jpeg', status: 400, code: 'INVALID_IMAGE' },
  { name: 'corrupt JPEG', make: corruptJpeg, filename: 'cover.jpg', type: 'image/jpeg', status: 400, code: 'INVALID_IMAGE' },
  { name: 'truncated PNG', make: truncatedPng, filename: 'cover.png', type: 'image/png', status: 400, code: 'INVALID_IMAGE' },
  { name: 'TIFF', make: () => tiff(), filename: 'cover.tiff', type: 'image/tiff', status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
  {
    name: 'TIFF named cover.jpg sent as image/jpeg',
    make: () => tiff(),
    filename: 'cover.jpg',
    type: 'image/jpeg',
    status: 415,
    code: 'UNSUPPORTED_IMAGE_TYPE',
  },
  { name: 'AVIF', make: () => avif(), filename: 'cover.avif', type: 'image/avif', status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
  {
    name: 'pixel bomb (20000x20000 PNG)',
    make: () => pixelBombPng(),
    filename: 'cover.png',
    type: 'image/png',
    status: 400,
    code: 'IMAGE_TOO_MANY_PIXELS',
  },
];

test('POST /books/ refuses files that are not safe covers, in the envelope, storing nothing', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  for (const refused of REFUSED) {
    await t.test(refused.name, async () => {
      const response = await postBook(app, session, {
        cover_image: { filename: refused.filename, contentType: refused.type, content: await refused.make() },
      });
      assertError(response, refused.status, refused.code, refused.name);
      await assertNothingStored(database, `after ${refused.name}`);
    });
  }
});

test('PUT /books/:id with a refused cover changes nothing: same fields, same URLs, old URLs still serve', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const book = await createBook(app, session, { title: 'Keeps Its Cover' });
  const before = await servedBytes(app, book);
  const rowsBefore = await coverRowsByBook(database);

  for (const refused of REFUSED) {
    await t.test(refused.name, async () => {
      const response = await putForm(app, session, book._id, {
        title: 'Renamed By A Failed Upload',
        cover_image: { filename: refused.filename, contentType: refused.type, content: await refused.make() },
      });
      assertError(response, refused.status, refused.code, refused.name);

      assert.deepEqual(await getBook(app, session, book._id), book, 'the book is untouched');
      assert.deepEqual(await coverRowsByBook(database), rowsBefore, 'the cover rows are untouched');
      assert.deepEqual(await servedBytes(app, book), before, 'the old URLs still serve the old cover');
      await assertTwoCoverRowsPerBook(database, `after ${refused.name}`);
    });
  }
});
