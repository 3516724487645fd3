/**
 * The cover store is a contract, not the database: an injected store (here in memory, as an object
 * store adapter would be) carries every cover, and a store that fails never costs a book its cover.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, errorOf, multipart, signUp, testDatabase, withAuth, type TestApp } from '../helpers/app.js';
import { createBook, pathOf, postBook, type BookData } from '../helpers/books.js';
import { coverIdOf } from '../helpers/covers.js';
import { countRows } from '../helpers/database.js';
import { jpeg } from '../helpers/image-fixtures.js';
import { memoryCoverStore } from '../helpers/memory-cover-store.js';

/** Covers listed for deletion. (Ids reserved for uploads are listed too, as 'uploading', with nothing stored.) */
async function discarded(database: TestApp['database']): Promise<number> {
  const rows = await database.db.selectFrom('unattached_covers').select('cover_id').where('state', '=', 'discarded').execute();
  return rows.length;
}

test('an injected cover store holds every rendition, streams them with the same headers, and loses them with their book', async (t) => {
  const memory = memoryCoverStore();
  const { app, database } = await buildTestApp(t, { deps: { covers: memory.store } });
  const session = await signUp(app);
  const book = await createBook(app, session);
  assert.deepEqual(memory.coverIds(), [coverIdOf(book.image_url)]);
  assert.equal(await countRows(database, 'cover_images'), 0, 'the database store is not used');

  const image = await app.inject({ method: 'GET', url: pathOf(book.images.display) });
  assert.equal(image.statusCode, 200, image.body);
  assert.equal(image.headers['content-type'], 'image/jpeg');
  assert.equal(Number(image.headers['content-length']), image.rawPayload.length);
  assert.match(String(image.headers['cache-control']), /\bimmutable\b/);
  assert.equal(image.headers['content-security-policy'], "default-src 'none'");
  assert.deepEqual(image.rawPayload, memory.objects.get(`${coverIdOf(book.image_url)}/display`)?.bytes);

  const replaced = await app.inject({
    method: 'PUT',
    url: `/books/${book._id}`,
    ...withAuth(session, multipart({ cover_image: { content: await jpeg({ width: 210, height: 300 }) } })),
  });
  assert.equal(replaced.statusCode, 200, replaced.body);
  const updated = replaced.json<{ data: BookData }>().data;
  assert.deepEqual(memory.coverIds(), [coverIdOf(updated.image_url)], 'the old cover left the store');
  assert.equal((await app.inject({ method: 'GET', url: pathOf(book.image_url) })).statusCode, 404);

  assert.equal((await app.inject({ method: 'DELETE', url: `/books/${book._id}`, headers: session.auth })).statusCode, 204);
  assert.deepEqual(memory.coverIds(), []);
  assert.equal(await discarded(database), 0, 'nothing is left to sweep');
});

test('when the store cannot delete, replaced and deleted covers answer 404 at once, and a later sweep removes them', async (t) => {
  let storeDown = true;
  const memory = memoryCoverStore({ failDeletes: () => storeDown });
  const { app, database } = await buildTestApp(t, { deps: { covers: memory.store } });
  const session = await signUp(app);
  const replacedBook = await createBook(app, session);
  const deletedBook = await createBook(app, session);

  const replaced = await app.inject({
    method: 'PUT',
    url: `/books/${replacedBook._id}`,
    ...withAuth(session, multipart({ cover_image: { content: await jpeg({ width: 210, height: 300 }) } })),
  });
  assert.equal(replaced.statusCode, 200, 'the change is committed: the failed clean-up is not the client’s problem');
  assert.equal((await app.inject({ method: 'DELETE', url: `/books/${deletedBook._id}`, headers: session.auth })).statusCode, 204);
  for (const url of [
    replacedBook.images.thumbnail,
    replacedBook.images.display,
    deletedBook.images.thumbnail,
    deletedBook.images.display,
  ]) {
    const response = await app.inject({ method: 'GET', url: pathOf(url) });
    assert.equal(response.statusCode, 404, url);
    assert.equal(errorOf(response).code, 'IMAGE_NOT_FOUND');
  }
  assert.equal(memory.coverIds().length, 3, 'the store still holds both old covers');
  assert.equal(await discarded(database), 2, 'both are listed for the sweep');

  // The next instance to start on this database sweeps them.
  storeDown = false;
  await buildTestApp(t, { database, deps: { covers: memory.store } });
  assert.deepEqual(memory.coverIds(), [coverIdOf(replaced.json<{ data: BookData }>().data.image_url)]);
  assert.equal(await discarded(database), 0);
});

test('a store that fails in the middle of a put costs the upload a 500 and leaves nothing behind', async (t) => {
  const memory = memoryCoverStore({ afterPut: () => Promise.reject(new Error('the object store is unreachable')) });
  const { app, database } = await buildTestApp(t, { deps: { covers: memory.store } });
  const response = await postBook(app, await signUp(app));
  assert.equal(response.statusCode, 500);
  assert.equal(errorOf(response).code, 'INTERNAL');
  assert.deepEqual(memory.coverIds(), [], 'the part that was put is deleted again');
  assert.equal(await countRows(database, 'books'), 0);
  assert.equal(await discarded(database), 0);
});

test('an upload a sweep abandoned between its put and its commit never commits: no book points at a swept cover', async (t) => {
  const database = await testDatabase(t);
  // What a sweep on another instance does when it judges the upload abandoned, just after the put.
  const memory = memoryCoverStore({
    afterPut: async (covers) => {
      const ids = covers.map((cover) => cover.coverId);
      await database.db.updateTable('unattached_covers').set({ state: 'discarded' }).where('cover_id', 'in', ids).execute();
    },
  });
  const built = await buildTestApp(t, { database, deps: { covers: memory.store } });
  const response = await postBook(built.app, await signUp(built.app));
  assert.equal(response.statusCode, 500, response.body);
  assert.equal(await countRows(database, 'books'), 0);
  assert.equal(memory.coverIds().length, 1, 'the uploader leaves an abandoned cover to its sweep');

  await buildTestApp(t, { database, deps: { covers: memory.store } });
  assert.deepEqual(memory.coverIds(), []);
  assert.equal(await discarded(database), 0);
});
