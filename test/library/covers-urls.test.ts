/** Cover URLs through a book's life: new on replacement, gone on delete, public but unguessable. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { buildTestApp, signUp } from '../helpers/app.js';
import { createBook, getBook, getImage, pathOf, putForm, type BookData } from '../helpers/books.js';
import { countRows } from '../helpers/database.js';
import {
  DISPLAY_SIDE,
  THUMBNAIL_SIDE,
  assertError,
  assertImageNotFound,
  assertServedRendition,
  assertTwoCoverRowsPerBook,
  coverIdOf,
  coverRowsByBook,
  servedBytes,
} from '../helpers/covers.js';
import { hasGps, jpeg, png, pngWithAlpha, svg } from '../helpers/image-fixtures.js';

test('replacing a cover gives new URLs; the old ones answer 404 and the new ones serve', async (t) => {
  const { app, database } = await buildTestApp(t);
  const session = await signUp(app);
  const book = await createBook(app, session);
  await servedBytes(app, book);

  // The replacement carries EXIF and GPS too: the PUT path must strip and rotate just like POST.
  const response = await putForm(app, session, book._id, {
    cover_image: { filename: 'new.jpg', contentType: 'image/jpeg', content: await jpeg({ exif: true }) },
  });
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
      [310, 320, 330].map(async (width) =>
        putForm(app, session, book._id, { cover_image: { content: await jpeg({ width: width + round, height: 400 }) } }),
      ),
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
