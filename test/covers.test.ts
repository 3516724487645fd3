/**
 * Cover uploads and cover URLs, end to end through HTTP: what is accepted and how it is
 * served, what is refused (and that a refusal stores nothing), the size limits, the URL
 * lifecycle, and multipart bodies a hostile or broken client could send.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http, { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { buildTestApp, multipart, signUp, withAuth, type Response, type Session, type TestApp } from './helpers/app.js';
import { createBook, pathOf, postBook, type BookData } from './helpers/books.js';
import {
  GIF_FRAME_COLOURS,
  LEFT_COLOUR,
  RIGHT_COLOUR,
  avif,
  corruptJpeg,
  gif,
  hasExif,
  hasGps,
  jpeg,
  meanColour,
  metadataOf,
  pdf,
  pixelBombPng,
  png,
  pngWithAlpha,
  svg,
  textNamedJpg,
  tiff,
  truncatedJpeg,
  truncatedPng,
  webp,
} from './helpers/image-fixtures.js';

type Database = TestApp['database'];

const MiB = 1024 * 1024;
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;
const THUMBNAIL_SIDE = 150;
const DISPLAY_SIDE = 600;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

async function countRows(database: Database, table: 'books' | 'cover_images'): Promise<number> {
  const row = await database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function assertNothingStored(database: Database, context = ''): Promise<void> {
  assert.equal(await countRows(database, 'books'), 0, `books stored ${context}`);
  assert.equal(await countRows(database, 'cover_images'), 0, `cover images stored ${context}`);
}

/** The `cover_images` rows of each book, by book id. */
async function coverRowsByBook(database: Database): Promise<Map<string, { coverId: string; rendition: string }[]>> {
  const rows = await database.db.selectFrom('cover_images').select(['book_id', 'cover_id', 'rendition']).execute();
  const byBook = new Map<string, { coverId: string; rendition: string }[]>();
  for (const row of rows) byBook.set(row.book_id, [...(byBook.get(row.book_id) ?? []), { coverId: row.cover_id, rendition: row.rendition }]);
  return byBook;
}

/** Exactly a thumbnail and a display row for every book, of one cover id each, and no orphans. */
async function assertTwoCoverRowsPerBook(database: Database, context: string): Promise<void> {
  const books = await database.db.selectFrom('books').select(['id', 'cover_id']).execute();
  const byBook = await coverRowsByBook(database);
  assert.deepEqual([...byBook.keys()].sort(), books.map((book) => book.id).sort(), `${context}: cover rows belong to exactly the existing books`);
  for (const book of books) {
    const rows = byBook.get(book.id) ?? [];
    assert.deepEqual(rows.map((row) => row.rendition).sort(), ['display', 'thumbnail'], `${context}: renditions of ${book.id}`);
    assert.ok(rows.every((row) => row.coverId === book.cover_id), `${context}: rows of ${book.id} are its current cover`);
  }
  assert.equal(await countRows(database, 'cover_images'), 2 * books.length, `${context}: two rows per book`);
}

/** The error envelope, with its status, code and the request id that the header also carries. */
function assertError(response: Response, status: number, code: string, context = ''): void {
  const label = `${context} → ${response.statusCode} ${response.body}`;
  assert.equal(response.statusCode, status, label);
  assert.match(String(response.headers['content-type']), /^application\/json/, label);
  const body = response.json<Record<string, unknown>>();
  assert.equal(body.code, code, label);
  assert.equal(body.data, null, label);
  assert.equal(body.error, STATUS_CODES[status], label);
  assert.equal(typeof body.message, 'string', label);
  assert.ok((body.message as string).length > 0, label);
  assert.equal(typeof body.request_id, 'string', label);
  assert.equal(body.request_id, response.headers['x-request-id'], label);
}

/** A 4xx in the envelope: the client's fault, never a 500. */
function assertClientError(response: Response, context: string): void {
  const label = `${context} → ${response.statusCode} ${response.body}`;
  assert.ok(response.statusCode >= 400 && response.statusCode < 500, label);
  const body = response.json<Record<string, unknown>>();
  assert.notEqual(body.code, 'INTERNAL', label);
  assertError(response, response.statusCode, String(body.code), context);
}

function assertImageNotFound(response: Response, context: string): void {
  assertError(response, 404, 'IMAGE_NOT_FOUND', context);
  // A 404 must never be cached as if it were an immutable image.
  assert.ok(!String(response.headers['cache-control'] ?? '').includes('immutable'), `${context}: 404 is not cached forever`);
}

function getImage(app: FastifyInstance, url: string): Promise<Response> {
  return app.inject({ method: 'GET', url: pathOf(url) });
}

async function getBook(app: FastifyInstance, session: Session, id: string): Promise<BookData> {
  const response = await app.inject({ method: 'GET', url: `/books/${id}`, headers: session.auth });
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ data: BookData }>().data;
}

function putForm(app: FastifyInstance, session: Session, id: string, form: Parameters<typeof multipart>[0]): Promise<Response> {
  return app.inject({ method: 'PUT', url: `/books/${id}`, ...withAuth(session, multipart(form)) });
}

/** The served bytes of both renditions, for "nothing changed" comparisons. */
async function servedBytes(app: FastifyInstance, book: BookData): Promise<Buffer[]> {
  const responses = await Promise.all([getImage(app, book.images.thumbnail), getImage(app, book.images.display)]);
  for (const response of responses) assert.equal(response.statusCode, 200, response.body);
  return responses.map((response) => response.rawPayload);
}

const FORMAT_OF_TYPE: Record<string, { format: string; extension: string }> = {
  'image/jpeg': { format: 'jpeg', extension: 'jpg' },
  'image/webp': { format: 'webp', extension: 'webp' },
  'image/png': { format: 'png', extension: 'png' },
};

/** Where a box of `width`×`height` lands when fitted inside `side`×`side`, never enlarged. */
function fitted(width: number, height: number, side: number): { width: number; height: number } {
  const scale = Math.min(1, side / Math.max(width, height));
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

/**
 * GETs one rendition and checks everything a browser relies on: status, a content type that
 * matches the bytes and the URL's extension, long immutable caching, nosniff, and its size.
 */
async function assertServedRendition(
  app: FastifyInstance,
  url: string,
  input: { width: number; height: number },
  side: number,
  label: string,
): Promise<{ bytes: Buffer; width: number; height: number; hasAlpha: boolean; pages: number }> {
  const response = await getImage(app, url);
  assert.equal(response.statusCode, 200, `${label}: ${response.body}`);

  const contentType = String(response.headers['content-type']).split(';')[0]?.trim() ?? '';
  const expected = FORMAT_OF_TYPE[contentType];
  assert.ok(expected, `${label}: unexpected content-type ${contentType}`);
  const meta = await metadataOf(response.rawPayload);
  assert.equal(meta.format, expected.format, `${label}: the bytes are what content-type says`);
  assert.ok(url.endsWith(`.${expected.extension}`), `${label}: ${url} has the extension of ${contentType}`);

  const cacheControl = String(response.headers['cache-control']);
  assert.match(cacheControl, /\bimmutable\b/, `${label}: ${cacheControl}`);
  assert.match(cacheControl, /\bpublic\b/, `${label}: ${cacheControl}`);
  const maxAge = Number(/\bmax-age=(\d+)/.exec(cacheControl)?.[1] ?? 0);
  assert.ok(maxAge >= ONE_YEAR_SECONDS, `${label}: max-age ${maxAge} is at least a year`);
  assert.equal(response.headers['x-content-type-options'], 'nosniff', label);

  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  assert.ok(Math.max(width, height) <= side, `${label}: ${width}x${height} fits inside ${side}x${side}`);
  const want = fitted(input.width, input.height, side);
  assert.ok(Math.abs(width - want.width) <= 1 && Math.abs(height - want.height) <= 1, `${label}: ${width}x${height}, expected about ${want.width}x${want.height}`);
  assert.equal(await hasExif(response.rawPayload), false, `${label}: no EXIF`);
  return { bytes: response.rawPayload, width, height, hasAlpha: meta.hasAlpha === true, pages: meta.pages ?? 1 };
}

/** The cover id part of a cover URL: `<cover id>-<rendition>.<ext>`. */
function coverIdOf(url: string): string {
  const file = pathOf(url).split('/').pop() ?? '';
  const match = /^(.+)-(thumbnail|display)\.[a-z]+$/.exec(file);
  assert.ok(match?.[1], `unexpected cover file name ${file}`);
  return match[1];
}

// Hand-built multipart bodies, for the cases multipart() cannot produce.
const BOUNDARY = 'bindery-edge-case-boundary-42';
const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

function textPart(name: string, value: string): Buffer {
  return Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
}

function filePart(name: string, content: Buffer, filename = 'cover.jpg', type = 'image/jpeg'): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    content,
    Buffer.from('\r\n'),
  ]);
}

const CLOSING = Buffer.from(`--${BOUNDARY}--\r\n`);

/** Deterministic binary junk (no CR/LF pairs or boundary by construction of the pattern). */
function junk(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff));
}

function rawPost(app: FastifyInstance, session: Session, contentType: string, payload: Buffer | Readable): Promise<Response> {
  return app.inject({ method: 'POST', url: '/books/', headers: { ...session.auth, 'content-type': contentType }, payload });
}

/** A body as a stream in small chunks and without Content-Length, so only its actual size can count. */
function streamed(payload: Buffer, chunkSize = 16 * 1024): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < payload.length; at += chunkSize) chunks.push(payload.subarray(at, at + chunkSize));
  return Readable.from(chunks);
}

// ---------------------------------------------------------------------------------------------
// Accepted formats and how they are served
// ---------------------------------------------------------------------------------------------

interface AcceptedCase {
  name: string;
  make: () => Promise<Buffer>;
  width: number;
  height: number;
  alpha?: boolean;
  filename: string;
  type: string;
  /** The colour the whole picture should be (animated GIF: its first frame). */
  solid?: { r: number; g: number; b: number };
}

const ACCEPTED: AcceptedCase[] = [
  { name: 'a JPEG', make: () => jpeg({ width: 1200, height: 800 }), width: 1200, height: 800, filename: 'cover.jpg', type: 'image/jpeg' },
  { name: 'a JPEG smaller than both renditions', make: () => jpeg({ width: 40, height: 30 }), width: 40, height: 30, filename: 'tiny.jpg', type: 'image/jpeg' },
  { name: 'a PNG', make: () => png(), width: 300, height: 200, filename: 'cover.png', type: 'image/png' },
  { name: 'a PNG with alpha', make: () => pngWithAlpha({ width: 500, height: 700 }), width: 500, height: 700, alpha: true, filename: 'cover.png', type: 'image/png' },
  { name: 'a WebP', make: () => webp({ width: 640, height: 480 }), width: 640, height: 480, filename: 'cover.webp', type: 'image/webp' },
  { name: 'a WebP with alpha', make: () => webp({ width: 200, height: 640, alpha: true }), width: 200, height: 640, alpha: true, filename: 'cover.webp', type: 'image/webp' },
  { name: 'a GIF', make: () => gif(), width: 300, height: 200, filename: 'cover.gif', type: 'image/gif' },
  {
    name: 'an animated GIF',
    make: () => gif({ frames: 3, width: 120, height: 80 }),
    width: 120,
    height: 80,
    filename: 'cover.gif',
    type: 'image/gif',
    solid: GIF_FRAME_COLOURS[0],
  },
];

for (const accepted of ACCEPTED) {
  test(`${accepted.name} cover is accepted and both renditions are served, cacheable and the right size`, async (t) => {
    const { app, database } = await buildTestApp(t);
    const session = await signUp(app);
    const response = await postBook(app, session, { cover_image: { filename: accepted.filename, contentType: accepted.type, content: await accepted.make() } });
    assert.equal(response.statusCode, 201, response.body);
    const book = response.json<{ data: BookData }>().data;
    assert.equal(book.image_url, book.images.thumbnail);
    assert.notEqual(book.images.thumbnail, book.images.display);
    await assertTwoCoverRowsPerBook(database, 'after create');

    const input = { width: accepted.width, height: accepted.height };
    const thumbnail = await assertServedRendition(app, book.images.thumbnail, input, THUMBNAIL_SIDE, `${accepted.name} thumbnail`);
    const display = await assertServedRendition(app, book.images.display, input, DISPLAY_SIDE, `${accepted.name} display`);

    for (const [label, rendition] of [['thumbnail', thumbnail], ['display', display]] as const) {
      assert.equal(rendition.pages, 1, `${label} is a still image`);
      if (accepted.alpha) {
        // The fixture fades from opaque (top) to a quarter opacity (bottom): that must survive.
        assert.ok(rendition.hasAlpha, `${label} keeps its alpha channel`);
        const { channels } = await sharp(rendition.bytes).stats();
        const alpha = channels[3];
        assert.ok(alpha && alpha.min < 128 && alpha.max > 200, `${label} alpha ranges ${alpha?.min}..${alpha?.max}`);
      }
      if (accepted.solid) {
        const colour = await meanColour(rendition.bytes, { left: 0, top: 0, width: rendition.width, height: rendition.height });
        for (const channel of ['r', 'g', 'b'] as const) {
          assert.ok(Math.abs(colour[channel] - accepted.solid[channel]) < 24, `${label} shows the first frame: ${JSON.stringify(colour)}`);
        }
      }
    }
  });
}

test('EXIF and GPS are stripped and orientation is applied (Orientation 6 becomes a portrait)', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const original = await jpeg({ exif: true });
  // The fixture really carries what must be removed.
  assert.equal(await hasExif(original), true);
  assert.equal(await hasGps(original), true);
  assert.equal((await metadataOf(original)).orientation, 6);

  const book = await createBook(app, session, { cover_image: { filename: 'IMG_0001.jpg', contentType: 'image/jpeg', content: original } });
  // 300x200 stored landscape, displayed rotated: a 200x300 portrait.
  const portrait = { width: 200, height: 300 };
  for (const [url, side] of [[book.images.thumbnail, THUMBNAIL_SIDE], [book.images.display, DISPLAY_SIDE]] as const) {
    const served = await assertServedRendition(app, url, portrait, side, url);
    const meta = await metadataOf(served.bytes);
    assert.ok(served.height > served.width, `${url} is a portrait: ${served.width}x${served.height}`);
    assert.equal(await hasExif(served.bytes), false, 'no EXIF');
    assert.equal(await hasGps(served.bytes), false, 'no GPS');
    assert.ok(meta.orientation === undefined || meta.orientation === 1, `no orientation left to apply: ${meta.orientation}`);
    assert.equal(meta.xmp, undefined, 'no XMP');
    assert.equal(meta.iptc, undefined, 'no IPTC');
    // Rotated 90° clockwise, the red left half is now on top and the blue right half below.
    const quarter = Math.floor(served.height / 4);
    const top = await meanColour(served.bytes, { left: 0, top: 0, width: served.width, height: quarter });
    const bottom = await meanColour(served.bytes, { left: 0, top: served.height - quarter, width: served.width, height: quarter });
    assert.ok(Math.abs(top.r - LEFT_COLOUR.r) < 30 && Math.abs(top.b - LEFT_COLOUR.b) < 30, `top is red: ${JSON.stringify(top)}`);
    assert.ok(Math.abs(bottom.r - RIGHT_COLOUR.r) < 30 && Math.abs(bottom.b - RIGHT_COLOUR.b) < 30, `bottom is blue: ${JSON.stringify(bottom)}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Refused files
// ---------------------------------------------------------------------------------------------

interface RefusedCase {
  name: string;
  make: () => Buffer | Promise<Buffer>;
  filename: string;
  type: string;
  status: 400 | 415;
  code: 'UNSUPPORTED_IMAGE_TYPE' | 'INVALID_IMAGE' | 'IMAGE_TOO_MANY_PIXELS';
}

const REFUSED: RefusedCase[] = [
  { name: 'SVG named cover.jpg sent as image/jpeg', make: svg, filename: 'cover.jpg', type: 'image/jpeg', status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
  { name: 'SVG sent as itself', make: svg, filename: 'cover.svg', type: 'image/svg+xml', status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
  { name: 'PDF', make: pdf, filename: 'cover.pdf', type: 'application/pdf', status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
  { name: 'PDF named cover.jpg sent as image/jpeg', make: pdf, filename: 'cover.jpg', type: 'image/jpeg', status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
  { name: 'text named cover.jpg sent as image/jpeg', make: textNamedJpg, filename: 'cover.jpg', type: 'image/jpeg', status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
  { name: 'truncated JPEG', make: truncatedJpeg, filename: 'cover.jpg', type: 'image/jpeg', status: 400, code: 'INVALID_IMAGE' },
  { name: 'corrupt JPEG', make: corruptJpeg, filename: 'cover.jpg', type: 'image/jpeg', status: 400, code: 'INVALID_IMAGE' },
  { name: 'truncated PNG', make: truncatedPng, filename: 'cover.png', type: 'image/png', status: 400, code: 'INVALID_IMAGE' },
  { name: 'TIFF', make: () => tiff(), filename: 'cover.tiff', type: 'image/tiff', status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
  { name: 'TIFF named cover.jpg sent as image/jpeg', make: () => tiff(), filename: 'cover.jpg', type: 'image/jpeg', status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
  { name: 'AVIF', make: () => avif(), filename: 'cover.avif', type: 'image/avif', status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
  { name: 'pixel bomb (20000x20000 PNG)', make: () => pixelBombPng(), filename: 'cover.png', type: 'image/png', status: 400, code: 'IMAGE_TOO_MANY_PIXELS' },
];

test('POST /books/ refuses files that are not safe covers, in the envelope, storing nothing', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  for (const refused of REFUSED) {
    await t.test(refused.name, async () => {
      const response = await postBook(app, session, { cover_image: { filename: refused.filename, contentType: refused.type, content: await refused.make() } });
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

// ---------------------------------------------------------------------------------------------
// Size limits
// ---------------------------------------------------------------------------------------------

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
  const form = multipart({ title: 'Eleven', category: 'science', cover_image: { content: Buffer.concat([await jpeg(), Buffer.alloc(11 * MiB, 0x42)]) } });
  const response = await rawPost(app, session, (form.headers as Record<string, string>)['content-type'] ?? '', streamed(form.payload as Buffer, 256 * 1024));
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

  const answer = await new Promise<{ status: number; headers: IncomingHttpHeaders; body: string; requestEnded: boolean }>((resolve, reject) => {
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      const requestEnded = request.writableEnded;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8'), requestEnded }));
      response.on('error', reject);
    });
    // Once the answer is in, the server hanging up on the unfinished upload is expected.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    request.write(firstChunk);
  });

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

// ---------------------------------------------------------------------------------------------
// URL lifecycle
// ---------------------------------------------------------------------------------------------

test('replacing a cover gives new URLs; the old ones answer 404 and the new ones serve', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const book = await createBook(app, session);
  await servedBytes(app, book);

  // The replacement carries EXIF and GPS too: the PUT path must strip and rotate just like POST.
  const response = await putForm(app, session, book._id, { cover_image: { filename: 'new.jpg', contentType: 'image/jpeg', content: await jpeg({ exif: true }) } });
  assert.equal(response.statusCode, 200, response.body);
  const updated = response.json<{ data: BookData }>().data;
  assert.equal(updated.image_url, updated.images.thumbnail);
  assert.notEqual(updated.images.thumbnail, book.images.thumbnail);
  assert.notEqual(updated.images.display, book.images.display);
  assert.notEqual(coverIdOf(updated.image_url), coverIdOf(book.image_url));
  assert.deepEqual(await getBook(app, session, book._id), updated);

  for (const url of [book.images.thumbnail, book.images.display]) assertImageNotFound(await getImage(app, url), `old ${url}`);
  const portrait = { width: 200, height: 300 };
  const thumbnail = await assertServedRendition(app, updated.images.thumbnail, portrait, THUMBNAIL_SIDE, 'new thumbnail');
  const display = await assertServedRendition(app, updated.images.display, portrait, DISPLAY_SIDE, 'new display');
  for (const served of [thumbnail, display]) assert.equal(await hasGps(served.bytes), false);
  await assertTwoCoverRowsPerBook(database, 'after the replacement');

  // A change without a cover keeps the URLs.
  const renamed = await app.inject({ method: 'PUT', url: `/books/${book._id}`, headers: session.auth, payload: { title: 'Renamed' } });
  assert.equal(renamed.statusCode, 200, renamed.body);
  assert.deepEqual(renamed.json<{ data: BookData }>().data.images, updated.images);
});

test('deleting a book makes its image URLs answer 404 and removes its cover rows', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const book = await createBook(app, session);
  const kept = await createBook(app, session);
  await servedBytes(app, book);

  const response = await app.inject({ method: 'DELETE', url: `/books/${book._id}`, headers: session.auth });
  assert.equal(response.statusCode, 204);
  for (const url of [book.images.thumbnail, book.images.display]) assertImageNotFound(await getImage(app, url), `deleted ${url}`);
  await servedBytes(app, kept);
  await assertTwoCoverRowsPerBook(database, 'after the delete');
  assert.equal((await coverRowsByBook(database)).has(book._id), false);
});

test('cover_images holds exactly two rows per book through create, replace, refused replace, edit and delete', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const other = await signUp(app);
  await assertTwoCoverRowsPerBook(database, 'empty');

  const first = await createBook(app, session, { cover_image: { content: await png() } });
  await assertTwoCoverRowsPerBook(database, 'after the first create');
  const second = await createBook(app, other, { cover_image: { content: await pngWithAlpha() } });
  await assertTwoCoverRowsPerBook(database, 'after the second create');

  for (let round = 0; round < 3; round++) {
    const replaced = await putForm(app, session, first._id, { cover_image: { content: await jpeg({ width: 200 + round, height: 300 }) } });
    assert.equal(replaced.statusCode, 200, replaced.body);
    await assertTwoCoverRowsPerBook(database, `after replacement ${round}`);
  }
  const refused = await putForm(app, session, first._id, { cover_image: { content: svg() } });
  assertError(refused, 415, 'UNSUPPORTED_IMAGE_TYPE');
  await assertTwoCoverRowsPerBook(database, 'after a refused replacement');

  const edited = await app.inject({ method: 'PUT', url: `/books/${second._id}`, headers: other.auth, payload: { description: 'edited' } });
  assert.equal(edited.statusCode, 200, edited.body);
  await assertTwoCoverRowsPerBook(database, 'after an edit without a cover');

  const deleted = await app.inject({ method: 'DELETE', url: `/books/${second._id}`, headers: other.auth });
  assert.equal(deleted.statusCode, 204);
  await assertTwoCoverRowsPerBook(database, 'after the delete');
  assert.equal(await countRows(database, 'cover_images'), 2);
});

test('PUTs racing to replace the same cover leave two rows, and only the winner’s URLs serve', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const book = await createBook(app, session);
  const seen: BookData[] = [book];

  for (let round = 0; round < 3; round++) {
    const racing = await Promise.all(
      [310, 320, 330].map(async (width) => putForm(app, session, book._id, { cover_image: { content: await jpeg({ width: width + round, height: 400 }) } })),
    );
    for (const response of racing) {
      assert.equal(response.statusCode, 200, response.body);
      seen.push(response.json<{ data: BookData }>().data);
    }
    await assertTwoCoverRowsPerBook(database, `after racing round ${round}`);
  }

  // Whichever replacement won, every other cover this book ever had must be gone.
  const current = await getBook(app, session, book._id);
  await servedBytes(app, current);
  for (const url of seen.flatMap((version) => [version.images.thumbnail, version.images.display])) {
    if (url === current.images.thumbnail || url === current.images.display) continue;
    assertImageNotFound(await getImage(app, url), `superseded ${url}`);
  }
});

test('two books with identical cover bytes each get URLs of their own', async (t) => {
  const { app, database } = await buildTestApp(t);
  const alice = await signUp(app);
  const bob = await signUp(app);
  const cover = await jpeg({ width: 320, height: 480 });
  const one = await createBook(app, alice, { cover_image: { content: cover } });
  const two = await createBook(app, alice, { cover_image: { content: cover } });
  const three = await createBook(app, bob, { cover_image: { content: cover } });

  const urls = [one, two, three].flatMap((book) => [book.images.thumbnail, book.images.display]);
  assert.equal(new Set(urls).size, urls.length, `all URLs differ: ${urls.join(', ')}`);
  assert.equal(new Set([one, two, three].map((book) => coverIdOf(book.image_url))).size, 3);
  await assertTwoCoverRowsPerBook(database, 'after three identical covers');

  // Removing one book's cover leaves the others' intact.
  const deleted = await app.inject({ method: 'DELETE', url: `/books/${one._id}`, headers: alice.auth });
  assert.equal(deleted.statusCode, 204);
  assertImageNotFound(await getImage(app, one.image_url), 'deleted twin');
  await servedBytes(app, two);
  await servedBytes(app, three);
});

// ---------------------------------------------------------------------------------------------
// Public but unguessable
// ---------------------------------------------------------------------------------------------

test('image URLs are public but unguessable: anything but the exact file name is a 404', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const book = await createBook(app, session);
  const coverId = coverIdOf(book.image_url);
  const extension = book.image_url.split('.').pop() ?? '';
  const prefix = pathOf(book.image_url).slice(0, pathOf(book.image_url).lastIndexOf('/') + 1);

  // No token is needed: the URL itself is the secret, with at least 128 bits of randomness.
  const publicGet = await app.inject({ method: 'GET', url: pathOf(book.image_url) });
  assert.equal(publicGet.statusCode, 200);
  assert.match(coverId, /^[A-Za-z0-9_-]{22,}$/);
  for (const url of [book.images.thumbnail, book.images.display]) {
    assert.ok(!url.includes(book._id) && !url.includes(session.user._id), `${url} reveals no ids`);
  }

  const otherExtension = extension === 'jpg' ? 'webp' : 'jpg';
  const misses = [
    `${prefix}${randomBytes(16).toString('base64url')}-thumbnail.${extension}`,
    `${prefix}nope.jpg`,
    `${prefix}cover.jpg`,
    `${prefix}${coverId}-thumbnail.${otherExtension}`,
    `${prefix}${coverId}-thumbnail.png`,
    `${prefix}${coverId}-thumbnail.JPG`,
    `${prefix}${coverId}-thumbnail`,
    `${prefix}${coverId}.${extension}`,
    `${prefix}${coverId}-original.${extension}`,
    `${prefix}${coverId}-full.${extension}`,
    `${prefix}${coverId}-THUMBNAIL.${extension}`,
    `${prefix}${coverId.slice(0, -1)}-thumbnail.${extension}`,
    `${prefix}..%2F..%2Fetc%2Fpasswd`,
    `${prefix}%2e%2e%2f%2e%2e%2fetc%2fpasswd`,
    `${prefix}..%2F..%2Fpackage.json`,
  ];
  for (const url of misses) assertImageNotFound(await app.inject({ method: 'GET', url }), url);
  // A NUL in the name is refused before any lookup, as in every path parameter (issue 9).
  const nul = await app.inject({ method: 'GET', url: `${prefix}${coverId}-thumbnail.${extension}%00.png` });
  assert.equal(nul.statusCode, 400, nul.body);
  assert.equal(nul.json<{ code: string }>().code, 'VALIDATION_FAILED');

  // An unencoded ../ is resolved away before routing; whatever it hits, it is a 404 in the envelope.
  const traversal = await app.inject({ method: 'GET', url: `${prefix}../../etc/passwd` });
  assert.equal(traversal.statusCode, 404, traversal.body);
  assert.match(traversal.json<{ code: string }>().code, /^(IMAGE_NOT_FOUND|ROUTE_NOT_FOUND)$/);
});

// ---------------------------------------------------------------------------------------------
// Multipart edge cases
// ---------------------------------------------------------------------------------------------

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
    body: async () => Buffer.concat([await validParts(), filePart('cover_image', await jpeg()), filePart('cover_image', await jpeg()), CLOSING]),
  },
  { name: 'a file in a field other than cover_image', contentType: MULTIPART_TYPE, body: async () => Buffer.concat([await validParts(), filePart('title', await jpeg()), CLOSING]) },
  { name: 'garbage right after the opening boundary', contentType: MULTIPART_TYPE, body: () => Promise.resolve(Buffer.concat([Buffer.from(`--${BOUNDARY}\r\n`), junk(512)])) },
  { name: 'garbage after the last part instead of a closing boundary', contentType: MULTIPART_TYPE, body: async () => Buffer.concat([await validParts(), Buffer.from(`--${BOUNDARY}\r\n`), junk(512)]) },
  { name: 'a missing closing boundary', contentType: MULTIPART_TYPE, body: validParts },
  { name: 'a body cut off in the middle of the file', contentType: MULTIPART_TYPE, body: async () => (await validParts()).subarray(0, 1500) },
  { name: 'a body that never uses the declared boundary', contentType: 'multipart/form-data; boundary=something-else', body: async () => Buffer.concat([await validParts(), CLOSING]) },
  { name: 'no boundary in the content type', contentType: 'multipart/form-data', body: async () => Buffer.concat([await validParts(), CLOSING]) },
  { name: 'an empty boundary in the content type', contentType: 'multipart/form-data; boundary=', body: async () => Buffer.concat([await validParts(), CLOSING]) },
  {
    name: 'more fields than allowed',
    contentType: MULTIPART_TYPE,
    body: async () => Buffer.concat([...Array.from({ length: 12 }, (_, i) => textPart(`extra_${i}`, 'x')), await validParts(), CLOSING]),
  },
  { name: 'a field over 32 KiB', contentType: MULTIPART_TYPE, body: async () => Buffer.concat([textPart('description', 'd'.repeat(33 * 1024)), await validParts(), CLOSING]) },
  {
    name: 'a field name over the allowed length',
    contentType: MULTIPART_TYPE,
    body: async () => Buffer.concat([textPart('n'.repeat(300), 'x'), await validParts(), CLOSING]),
  },
  { name: 'a __proto__ field', contentType: MULTIPART_TYPE, body: async () => Buffer.concat([textPart('__proto__', 'x'), await validParts(), CLOSING]) },
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
