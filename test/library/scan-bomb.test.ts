/**
 * Issue 9, "a crafted progressive JPEG ties up a core for 14 to 37 s": a JPEG's scans are counted
 * before it is decoded, and one with more than MAX_JPEG_SCANS is refused at once.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import sharp from 'sharp';
import { buildTestApp, errorOf, signUp, withAuth, multipart, type Response } from '../helpers/app.js';
import { createBook, postBook } from '../helpers/books.js';
import { progressiveJpeg, scanBombJpeg } from '../helpers/scan-bomb.js';

/** The documented limit (README, docs/api.md); written out so this file pins it rather than reading it. */
const MAX_JPEG_SCANS = 64;

function asCover(content: Buffer) {
  return { cover_image: { filename: 'cover.jpg', contentType: 'image/jpeg', content } };
}

function assertTooComplex(response: Response, context: string): void {
  assert.equal(response.statusCode, 400, `${context}: ${response.body}`);
  const body = errorOf(response);
  assert.equal(body.code, 'IMAGE_TOO_COMPLEX', context);
  assert.match(body.message, new RegExp(`more than ${MAX_JPEG_SCANS} scans`), context);
}

async function countRows(database: Awaited<ReturnType<typeof buildTestApp>>['database']): Promise<number> {
  const row = await database.db
    .selectFrom('books')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// Regression: the bomb (6000×6600, 883 scans, 144 KB) passed every check and was decoded for seconds.
test('the issue’s scan bomb (6000×6600, 883 scans in 144 KB) is refused with 400 IMAGE_TOO_COMPLEX before decoding', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const bomb = scanBombJpeg();
  assert.ok(bomb.length < 150 * 1024, `the bomb is ${bomb.length} bytes`);
  const header = await sharp(bomb).metadata();
  assert.deepEqual([header.width, header.height, header.isProgressive], [6000, 6600, true], 'it passes the header checks');

  const started = performance.now();
  const response = await postBook(app, session, asCover(bomb));
  const ms = performance.now() - started;
  assertTooComplex(response, 'the scan bomb');
  // Decoding it took 12 s and more; counting takes a millisecond. Generous for a loaded machine.
  assert.ok(ms < 2_000, `refused in ${ms.toFixed(0)} ms`);
  assert.equal(await countRows(database), 0, 'nothing stored');
});

test(`a JPEG of ${MAX_JPEG_SCANS} scans is accepted and one of ${MAX_JPEG_SCANS + 1} is refused, on POST and PUT`, async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const atLimit = progressiveJpeg({ width: 256, height: 256, scans: MAX_JPEG_SCANS });
  const overLimit = progressiveJpeg({ width: 256, height: 256, scans: MAX_JPEG_SCANS + 1 });
  // The small bomb decodes in milliseconds: only its scan count can be the reason for a refusal.
  const decoded = await sharp(overLimit, { failOn: 'warning' }).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([decoded.info.width, decoded.info.height], [256, 256]);

  assert.equal((await postBook(app, session, asCover(atLimit))).statusCode, 201, 'at the limit');
  assertTooComplex(await postBook(app, session, asCover(overLimit)), 'POST over the limit');
  assert.equal(await countRows(database), 1);

  const book = await createBook(app, session);
  const put = await app.inject({
    method: 'PUT',
    url: `/books/${book._id}`,
    ...withAuth(session, multipart({ title: 'Bombed', ...asCover(overLimit) })),
  });
  assertTooComplex(put, 'PUT over the limit');
  const after = await app.inject({ method: 'GET', url: `/books/${book._id}`, headers: session.auth });
  assert.deepEqual(after.json<{ data: unknown }>().data, book, 'the book is unchanged');
});

test('ordinary baseline and progressive JPEGs (1 and about 10 scans) are still accepted', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const picture = sharp({ create: { width: 640, height: 960, channels: 3, background: { r: 40, g: 90, b: 160 } } });
  for (const progressive of [false, true]) {
    const cover = await picture.clone().jpeg({ progressive }).toBuffer();
    assert.equal((await postBook(app, session, asCover(cover))).statusCode, 201, progressive ? 'progressive' : 'baseline');
  }
});
