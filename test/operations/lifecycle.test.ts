import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { createDatabase, sqliteFileIn } from '../../src/db/database.js';
import { multipart } from '../helpers/app.js';
import { signUpOn } from '../helpers/http-client.js';
import { bearer } from '../helpers/identity.js';
import { jpeg } from '../helpers/image-fixtures.js';
import { runServer, startServer, tempDataDir } from '../helpers/server-process.js';

interface Reply {
  status: number;
  body: string;
}

function send(port: number, method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test(
  'start-up fails fast with one line naming the cause: bad config, unreachable database, port in use',
  { timeout: 60_000 },
  async (t) => {
    const badPort = await runServer(t, { PORT: 'abc', DATA_DIR: tempDataDir(t) }).exited;
    assert.equal(badPort.code, 1);
    assert.match(badPort.stderr, /^Invalid configuration: PORT/m);
    assert.equal(badPort.stderr.trim().split('\n').length, 1);

    const noDatabase = await runServer(t, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', DATA_DIR: tempDataDir(t) }).exited;
    assert.equal(noDatabase.code, 1);
    assert.match(noDatabase.stderr, /cannot reach the database/);

    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.after(() => blocker.close());
    const port = (blocker.address() as { port: number }).port;
    const taken = await runServer(t, { PORT: String(port), DATA_DIR: tempDataDir(t) }).exited;
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, new RegExp(`port ${port} .*already in use`));

    const production = await runServer(t, { NODE_ENV: 'production', SECRET_KEY: '', DATA_DIR: tempDataDir(t) }).exited;
    assert.equal(production.code, 1);
    assert.match(production.stderr, /SECRET_KEY is required/);
  },
);

test('SIGTERM lets uploads in flight finish with 201, then exits 0 leaving no half-written book', { timeout: 90_000 }, async (t) => {
  const dataDir = tempDataDir(t);
  const server = await startServer(t, { DATA_DIR: dataDir });
  const token = await signUpOn(server.port);
  const cover = await jpeg({ width: 800, height: 600 });

  const uploads = Array.from({ length: 4 }, (_, index) => {
    const form = multipart({ title: `In flight ${index}`, category: 'science', cover_image: { content: cover } });
    const body = form.payload as Buffer;
    const headers = {
      ...(form.headers as Record<string, string>),
      authorization: `Bearer ${token}`,
      'content-length': String(body.length),
    };
    let req!: ReturnType<typeof request>;
    const reply = new Promise<Reply>((resolve, reject) => {
      req = request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/books/', headers }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
    });
    // Half the body now; the rest only after the signal.
    req.write(body.subarray(0, body.length >> 1));
    return { req, rest: body.subarray(body.length >> 1), reply };
  });
  // The server has seen every upload start once it has logged each of them.
  await server.waitForLog(/"url":"\/books\/".*incoming request|incoming request.*"url":"\/books\/"/, uploads.length);

  server.child.kill('SIGTERM');
  await server.waitForLog(/shutting down/);
  for (const upload of uploads) upload.req.end(upload.rest);
  const replies = await Promise.all(uploads.map((upload) => upload.reply));
  assert.deepEqual(
    replies.map((reply) => reply.status),
    [201, 201, 201, 201],
  );
  const exit = await server.exited;
  assert.equal(exit.code, 0, exit.stderr);

  const database = createDatabase({ sqliteFile: sqliteFileIn(dataDir) });
  t.after(() => database.destroy());
  const books = await database.db.selectFrom('books').select(['id', 'title']).execute();
  assert.deepEqual(books.map((book) => book.title).sort(), ['In flight 0', 'In flight 1', 'In flight 2', 'In flight 3']);
  const covers = await database.db.selectFrom('cover_images').select('book_id').execute();
  assert.equal(covers.length, 8);
  assert.ok(covers.every((cover) => books.some((book) => book.id === cover.book_id)));
});

test('SIGINT closes cleanly with exit code 0, and a restart keeps data and tokens', { timeout: 60_000 }, async (t) => {
  const dataDir = tempDataDir(t);
  const first = await startServer(t, { DATA_DIR: dataDir, SECRET_KEY: '' });
  const token = await signUpOn(first.port);
  first.child.kill('SIGINT');
  assert.equal((await first.exited).code, 0);

  const second = await startServer(t, { DATA_DIR: dataDir, SECRET_KEY: '' });
  const me = await send(second.port, 'GET', '/users/', undefined, bearer(token));
  assert.equal(me.status, 200);
  second.child.kill('SIGTERM');
  assert.equal((await second.exited).code, 0);
});
