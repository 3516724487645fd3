import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import { createDatabase, sqliteFileIn, type Database } from '../../src/db/database.js';
import { testDatabase } from '../helpers/app.js';
import { call, signUpOn } from '../helpers/http-client.js';
import { jpeg } from '../helpers/image-fixtures.js';
import { startServer, tempDataDir } from '../helpers/server-process.js';

interface Book {
  _id: string;
  title: string;
  images: { thumbnail: string; display: string };
}

interface Store {
  name: string;
  /** The server's environment, and a direct handle on the same store for the final check. */
  open(t: TestContext): Promise<{ env: Record<string, string>; database: () => Database }>;
}

const stores: Store[] = [
  {
    name: 'SQLite',
    open(t) {
      const dataDir = tempDataDir(t);
      const database = () => {
        const handle = createDatabase({ sqliteFile: sqliteFileIn(dataDir) });
        t.after(() => handle.destroy());
        return handle;
      };
      return Promise.resolve({ env: { DATA_DIR: dataDir }, database });
    },
  },
];
// The PostgreSQL variant exists only where the suite has a PostgreSQL to run on, like the rest of the suite.
const url = process.env.TEST_DATABASE_URL;
if (url) {
  stores.push({
    name: 'PostgreSQL',
    async open(t) {
      // A schema of its own, reached through the connection string as an operator would.
      const database = await testDatabase(t);
      const schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db)).rows[0]?.schema ?? '';
      const options = encodeURIComponent(`-c search_path=${schema}`);
      return {
        env: { DATA_DIR: tempDataDir(t), DATABASE_URL: `${url}${url.includes('?') ? '&' : '?'}options=${options}` },
        database: () => database,
      };
    },
  });
}

const WORKERS = 6;
const KILL_AFTER = 8;
/** Bounds each worker's loop; the kill comes long before. */
const MAX_PER_WORKER = 40;

for (const store of stores) {
  test(
    `SIGKILL in the middle of a burst of uploads loses no acknowledged book and leaves none half-stored (${store.name})`,
    { timeout: 120_000 },
    async (t) => {
      const { env, database } = await store.open(t);
      const first = await startServer(t, env);
      const token = await signUpOn(first.port);
      const content = await jpeg({ width: 640, height: 480 });

      // Workers upload one book after another, so uploads are in flight at every moment; the kill comes
      // the moment the KILL_AFTER-th 201 is received.
      const acknowledged: Book[] = [];
      let sent = 0;
      const worker = async () => {
        for (let i = 0; i < MAX_PER_WORKER && !first.child.killed; i += 1) {
          sent += 1;
          const form = {
            title: `Burst ${sent}`,
            category: 'science',
            cover_image: { filename: 'cover.jpg', contentType: 'image/jpeg', content },
          };
          let reply;
          try {
            reply = await call(first.port, 'POST', '/books/', { token, form, timeoutMs: 30_000 });
          } catch (error) {
            // A connection that died with the process is an upload not acknowledged; anything else is a failure.
            if (first.child.killed) return;
            throw error;
          }
          assert.equal(reply.status, 201, reply.body.toString());
          acknowledged.push(reply.json<{ data: Book }>().data);
          if (acknowledged.length === KILL_AFTER) first.child.kill('SIGKILL');
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, worker));
      assert.equal((await first.exited).signal, 'SIGKILL');
      assert.ok(acknowledged.length >= KILL_AFTER, `${acknowledged.length} acknowledged`);
      assert.ok(sent > acknowledged.length, 'uploads were in flight at the kill');

      const second = await startServer(t, env);
      const fetchCover = async (imageUrl: string, what: string) => {
        const image = await call(second.port, 'GET', new URL(imageUrl).pathname);
        assert.equal(image.status, 200, what);
        assert.match(image.headers.get('content-type') ?? '', /^image\//, what);
        assert.ok(image.body.length > 0, what);
      };
      for (const book of acknowledged) {
        const reply = await call(second.port, 'GET', `/books/${book._id}`, { token });
        assert.equal(reply.status, 200, `acknowledged ${book.title} is there`);
        assert.equal(reply.json<{ data: Book }>().data.title, book.title);
        await fetchCover(book.images.thumbnail, `thumbnail of ${book.title}`);
        await fetchCover(book.images.display, `display of ${book.title}`);
      }

      // Books whose 201 never arrived may exist, but only whole.
      const listed = await call(second.port, 'GET', '/books/?limit=100', { token });
      assert.equal(listed.status, 200);
      const { data: books, next_cursor: next } = listed.json<{ data: Book[]; next_cursor: string | null }>();
      assert.equal(next, null, `at most ${WORKERS * MAX_PER_WORKER} books, one page`);
      assert.ok(books.length >= acknowledged.length);
      for (const book of books) {
        await fetchCover(book.images.thumbnail, `thumbnail of ${book.title}`);
        await fetchCover(book.images.display, `display of ${book.title}`);
      }

      // And in the store itself: two renditions of the current cover per book, no orphaned cover rows.
      const { db } = database();
      const rows = await db.selectFrom('books').select(['id', 'cover_id']).execute();
      assert.deepEqual(rows.map((row) => row.id).sort(), books.map((book) => book._id).sort());
      const covers = await db.selectFrom('cover_images').select(['book_id', 'cover_id', 'rendition']).execute();
      for (const row of rows) {
        const own = covers.filter((cover) => cover.book_id === row.id && cover.cover_id === row.cover_id);
        assert.deepEqual(own.map((cover) => cover.rendition).sort(), ['display', 'thumbnail'], `renditions of ${row.id}`);
      }
      assert.equal(covers.length, 2 * rows.length, 'no cover rows without their book');
    },
  );
}
