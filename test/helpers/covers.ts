/**
 * What a stored or served cover must look like: the envelope of a refusal, the two `cover_images`
 * rows per book, and what a browser relies on when it GETs a rendition.
 */
import assert from 'node:assert/strict';
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../src/db/database.js';
import type { Response } from './app.js';
import { getImage, pathOf, type BookData } from './books.js';
import { countRows } from './database.js';
import { hasExif, metadataOf } from './image-fixtures.js';

export const MiB = 1024 * 1024;
export const THUMBNAIL_SIDE = 150;
export const DISPLAY_SIDE = 600;
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

export async function assertNothingStored(database: Database, context = ''): Promise<void> {
  assert.equal(await countRows(database, 'books'), 0, `books stored ${context}`);
  assert.equal(await countRows(database, 'cover_images'), 0, `cover images stored ${context}`);
}

/** The `cover_images` rows of each book, by book id. */
export async function coverRowsByBook(database: Database): Promise<Map<string, { coverId: string; rendition: string }[]>> {
  const rows = await database.db.selectFrom('cover_images').select(['book_id', 'cover_id', 'rendition']).execute();
  const byBook = new Map<string, { coverId: string; rendition: string }[]>();
  for (const row of rows)
    byBook.set(row.book_id, [...(byBook.get(row.book_id) ?? []), { coverId: row.cover_id, rendition: row.rendition }]);
  return byBook;
}

/** Exactly a thumbnail and a display row for every book, of one cover id each, and no orphans. */
export async function assertTwoCoverRowsPerBook(database: Database, context: string): Promise<void> {
  const books = await database.db.selectFrom('books').select(['id', 'cover_id']).execute();
  const byBook = await coverRowsByBook(database);
  assert.deepEqual(
    [...byBook.keys()].sort(),
    books.map((book) => book.id).sort(),
    `${context}: cover rows belong to exactly the existing books`,
  );
  for (const book of books) {
    const rows = byBook.get(book.id) ?? [];
    assert.deepEqual(rows.map((row) => row.rendition).sort(), ['display', 'thumbnail'], `${context}: renditions of ${book.id}`);
    assert.ok(
      rows.every((row) => row.coverId === book.cover_id),
      `${context}: rows of ${book.id} are its current cover`,
    );
  }
  assert.equal(await countRows(database, 'cover_images'), 2 * books.length, `${context}: two rows per book`);
}

/** The error envelope, with its status, code and the request id that the header also carries. */
export function assertError(response: Response, status: number, code: string, context = ''): void {
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
export function assertClientError(response: Response, context: string): void {
  const label = `${context} → ${response.statusCode} ${response.body}`;
  assert.ok(response.statusCode >= 400 && response.statusCode < 500, label);
  const body = response.json<Record<string, unknown>>();
  assert.notEqual(body.code, 'INTERNAL', label);
  assertError(response, response.statusCode, String(body.code), context);
}

export function assertImageNotFound(response: Response, context: string): void {
  assertError(response, 404, 'IMAGE_NOT_FOUND', context);
  // A 404 must never be cached as if it were an immutable image.
  assert.ok(!String(response.headers['cache-control'] ?? '').includes('immutable'), `${context}: 404 is not cached forever`);
}

/** The served bytes of both renditions, for "nothing changed" comparisons. */
export async function servedBytes(app: FastifyInstance, book: BookData): Promise<Buffer[]> {
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
export async function assertServedRendition(
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
  assert.ok(
    Math.abs(width - want.width) <= 1 && Math.abs(height - want.height) <= 1,
    `${label}: ${width}x${height}, expected about ${want.width}x${want.height}`,
  );
  assert.equal(await hasExif(response.rawPayload), false, `${label}: no EXIF`);
  return { bytes: response.rawPayload, width, height, hasAlpha: meta.hasAlpha === true, pages: meta.pages ?? 1 };
}

/** The cover id part of a cover URL: `<cover id>-<rendition>.<ext>`. */
export function coverIdOf(url: string): string {
  const file = pathOf(url).split('/').pop() ?? '';
  const match = /^(.+)-(thumbnail|display)\.[a-z]+$/.exec(file);
  assert.ok(match?.[1], `unexpected cover file name ${file}`);
  return match[1];
}
